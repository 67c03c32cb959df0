package server

// Replication, replica side: kvd as the replica of another server.

// replIsReplica reports whether the server replicates a master.
func (s *Server) replIsReplica() bool { return false }

// replMasterLinkUp reports whether the link to the master is up.
func (s *Server) replMasterLinkUp() bool { return false }

// replAnswerGetack answers a master's REPLCONF GETACK.
func (s *Server) replAnswerGetack(c *Client) {}

// replClientCron is the replica side's part of the once-a-second cron.
func (s *Server) replClientCron() {}

// infoReplicaFields writes INFO's fields of a replica.
func (s *Server) infoReplicaFields(b *infoBuilder) {}

// roleReplica answers ROLE on a replica.
func (s *Server) roleReplica(c *Ctx) {}

// failoverStateName is INFO's master_failover_state.
func (s *Server) failoverStateName() string { return "no-failover" }

// replicaofCommand is REPLICAOF (and SLAVEOF) host port | NO ONE.
func replicaofCommand(c *Ctx) {
	if isOpt(c.argv[1], "no") && isOpt(c.argv[2], "one") {
		c.replyOK()
		return
	}
	c.replyError(errReplicaofUnsupported)
}
