package server

// Output buffer limit classes (client-output-buffer-limit): a client in
// subscribed mode is of the pubsub class, any other of the normal class
// (a MONITOR client too, as in Redis); kvd has no replicas, so the replica
// class is configured and reported but applies to no one. The limits are
// checked after every command, after every message delivered to a
// subscriber, and once a second by the cron for every client with pending
// output (the soft limit's time runs out while a client reads nothing).

// outputLimitOf returns the limits of c's class.
func (s *Server) outputLimitOf(c *Client) OutputLimit {
	if c.flags&(flagReplica|flagMaster) != 0 {
		return OutputLimit{} // replication links: not limited (see repl.go)
	}
	if c.clientType() == clientTypePubSub {
		return s.cfg.PubsubOutputLimit
	}
	return s.cfg.OutputLimit
}

// anySoftOutputLimit reports whether a class that applies to clients has a
// soft limit, which the cron must check.
func (s *Server) anySoftOutputLimit() bool {
	return s.cfg.OutputLimit.Soft > 0 || s.cfg.PubsubOutputLimit.Soft > 0
}
