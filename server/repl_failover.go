package server

import "strings"

// FAILOVER: Redis 7.0's coordinated failover. The master pauses writes,
// asks its replicas for an acknowledgement (REPLCONF GETACK) and, once the
// target (or any replica) has acknowledged its whole stream, becomes a
// replica of it, sending PSYNC ... FAILOVER: the target, seeing its own
// master ask, promotes itself (REPLICAOF NO ONE) and answers +CONTINUE, so
// that neither side loses a write or resyncs in full. Writes resume when
// the old master's link to the new one is up. TIMEOUT aborts it if the
// target does not catch up in time, unless FORCE: then it fails over
// anyway.

// Failover states, as INFO's master_failover_state names them.
const (
	failoverNone = iota
	failoverWaitSync
	failoverInProgress
)

// failoverState is a FAILOVER in progress.
type failoverState struct {
	state int
	host  string // the target; "" for any replica
	port  int
	force bool
	end   int64 // unix ms of the timeout; 0 for none
}

// failoverStateName is INFO's master_failover_state.
func (s *Server) failoverStateName() string {
	switch s.repl.fo.state {
	case failoverWaitSync:
		return "waiting-for-sync"
	case failoverInProgress:
		return "failover-in-progress"
	}
	return "no-failover"
}

// failoverCommand is FAILOVER [TO host port [FORCE]] [ABORT] [TIMEOUT ms].
func failoverCommand(c *Ctx) {
	s := c.srv
	var host string
	var port, timeout int64
	var force, abort bool
	argv := c.argv
	for j := 1; j < len(argv); j++ {
		switch {
		case isOpt(argv[j], "to") && j+2 < len(argv):
			host = string(argv[j+1])
			p, ok := c.intArg(argv[j+2])
			if !ok {
				return
			}
			port = p
			j += 2
		case isOpt(argv[j], "force"):
			force = true
		case isOpt(argv[j], "abort") && len(argv) == 2:
			abort = true
		case isOpt(argv[j], "timeout") && j+1 < len(argv):
			t, ok := c.intArg(argv[j+1])
			if !ok {
				return
			}
			if t <= 0 {
				c.replyError(errFailoverTimeout)
				return
			}
			timeout = t
			j++
		default:
			c.replyError(errSyntax)
			return
		}
	}
	fo := &s.repl.fo
	if abort {
		if fo.state == failoverNone {
			c.replyError(errNoFailover)
			return
		}
		s.failoverAbort("Failover manually aborted")
		c.replyOK()
		return
	}
	if s.replIsReplica() {
		c.replyError(errFailoverOnReplica)
		return
	}
	if len(s.repl.replicas) == 0 {
		c.replyError(errFailoverNoReplicas)
		return
	}
	if force && (timeout == 0 || host == "") {
		c.replyError(errFailoverForce)
		return
	}
	if fo.state != failoverNone {
		c.replyError(errFailoverRunning)
		return
	}
	if host != "" {
		target := s.failoverTarget(host, int(port))
		if target == nil {
			c.replyError(errFailoverNotReplica)
			return
		}
		if target.repl.state != replOnline {
			c.replyError(errFailoverNotOnline)
			return
		}
	}
	now := s.nowMs()
	*fo = failoverState{state: failoverWaitSync, host: host, port: int(port), force: force}
	if timeout > 0 {
		fo.end = now + timeout
	}
	if host != "" {
		s.logf(levelNotice, "FAILOVER requested to %s:%d.", host, port)
	} else {
		s.logf(levelNotice, "FAILOVER requested to any replica.")
	}
	// Writes wait until the failover ends (or is aborted).
	s.pauseClients(pauseWrite, now+1<<40)
	c.replyOK()
	s.replGetAck()
	s.failoverCheck()
}

// failoverTarget finds the replica announced as host:port.
func (s *Server) failoverTarget(host string, port int) *Client {
	for _, rc := range s.repl.replicas {
		if strings.EqualFold(rc.replicaIP(), host) && rc.repl.port == port {
			return rc
		}
	}
	return nil
}

// failoverCheck moves a failover on: to the target once it acknowledged
// the whole stream, or at its timeout.
func (s *Server) failoverCheck() {
	fo := &s.repl.fo
	if fo.state != failoverWaitSync {
		return
	}
	var target *Client
	if fo.host != "" {
		if t := s.failoverTarget(fo.host, fo.port); t != nil && t.repl.state == replOnline && t.repl.ackOff == s.repl.offset {
			target = t
		}
	} else {
		for _, rc := range s.repl.replicas {
			if rc.repl.state == replOnline && rc.repl.ackOff == s.repl.offset {
				target = rc
				break
			}
		}
	}
	if target == nil && fo.end > 0 && s.nowMs() >= fo.end {
		if !fo.force {
			s.failoverAbort("Replica never caught up before timeout")
			return
		}
		target = s.failoverTarget(fo.host, fo.port)
		if target == nil {
			s.failoverAbort("Failover target disconnected")
			return
		}
	}
	if target == nil {
		return
	}
	host, port := target.replicaIP(), target.repl.port
	s.logf(levelNotice, "Failover target %s:%d is synced, failing over.", host, port)
	fo.state = failoverInProgress
	fo.host, fo.port = host, port
	s.replSetMaster(host, port)
}

// failoverAbort ends a failover that did not complete.
func (s *Server) failoverAbort(why string) {
	fo := &s.repl.fo
	if fo.state == failoverNone {
		return
	}
	if fo.host != "" {
		s.logf(levelNotice, "FAILOVER to %s:%d aborted: %s", fo.host, fo.port, why)
	} else {
		s.logf(levelNotice, "FAILOVER to any replica aborted: %s", why)
	}
	if fo.state == failoverInProgress && s.replIsReplica() {
		s.replUnsetMaster()
	}
	*fo = failoverState{}
	s.unpause()
}

// failoverDone ends a failover whose link to the new master is up.
func (s *Server) failoverDone() {
	fo := &s.repl.fo
	if fo.state != failoverInProgress {
		return
	}
	s.logf(levelNotice, "Failover target %s:%d is now the master.", fo.host, fo.port)
	*fo = failoverState{}
	s.unpause()
}

// failoverPsync handles PSYNC replid offset FAILOVER on a replica: its
// master asks it to take over. It reports whether the PSYNC goes on.
func (s *Server) failoverPsync(c *Ctx) bool {
	if !s.replIsReplica() || string(c.argv[1]) != s.replID() {
		c.replyError(errPsyncFailoverID)
		return false
	}
	s.logf(levelNotice, "Failover request received for replid %s.", c.argv[1])
	s.replUnsetMaster()
	return true
}

// failoverTick runs once a second from the cron (timeouts).
func (s *Server) failoverTick() {
	if s.repl.fo.state == failoverWaitSync {
		s.replGetAck()
		s.failoverCheck()
	}
}
