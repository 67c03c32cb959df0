package server

import "time"

// CLIENT PAUSE, the way Redis 7.0 does it: a client whose next command the
// pause holds back is set aside with that command still in its query
// buffer (flagPaused). Nothing more is read from its buffer until the pause
// ends; then the held clients are resumed in the order they were held, each
// running its held command first, before the loop next sleeps.
//
// Commands that fail before they would run (unknown, wrong arity, NOAUTH)
// are answered at once even during a pause, as in Redis, whose pause check
// comes after those checks.

// pauseClients starts a pause of mode until end (unix ms), or extends the
// current one: like Redis, a pause never becomes less strict or shorter
// until it ends or CLIENT UNPAUSE ends it.
func (s *Server) pauseClients(mode pauseMode, end int64) {
	now := s.nowMs()
	if s.paused != pauseOff && now >= s.pauseEnd {
		s.unpause()
	}
	if s.paused != pauseOff {
		mode = max(mode, s.paused)
		end = max(end, s.pauseEnd)
	}
	if end <= now {
		// A zero timeout, or one so large that now+timeout wrapped
		// around, as it does in Redis 7.0: the pause is already over.
		return
	}
	s.paused, s.pauseEnd = mode, end
	if s.pauseTimer != 0 {
		s.loop.CancelTimer(s.pauseTimer)
	}
	s.pauseTimer = s.loop.AddTimer(time.Duration(end-now)*time.Millisecond, s.pauseTimeout)
}

// pauseTimeout is the pause timer's callback: it ends the pause once its
// time has come, or waits some more.
func (s *Server) pauseTimeout() time.Duration {
	if s.paused == pauseOff {
		s.pauseTimer = 0
		return 0
	}
	if left := s.pauseEnd - s.nowMs(); left > 0 {
		return time.Duration(left) * time.Millisecond
	}
	s.pauseTimer = 0
	s.unpause()
	return 0
}

// pauseHolds reports whether the pause in force holds back cmd. In WRITE
// mode it holds back what may change the data set or be propagated: the
// commands flagged write or may_replicate (EVAL, PUBLISH, PFCOUNT...).
func (s *Server) pauseHolds(cmd *cmdState) bool {
	if s.paused == pauseOff {
		return false
	}
	if s.nowMs() >= s.pauseEnd {
		s.unpause()
		return false
	}
	return s.paused == pauseAll || cmd.Flags&(FlagWrite|FlagMayReplicate) != 0
}

// holdClient sets c aside until the pause ends; its current command stays
// in its query buffer.
func (s *Server) holdClient(c *Client) {
	c.flags |= flagPaused
	if c.flags&flagInPausedList == 0 {
		c.flags |= flagInPausedList
		s.pausedClients = append(s.pausedClients, c)
	}
}

// unpause ends the pause (CLIENT UNPAUSE or its timeout) and queues the
// held clients, in order, to be resumed before the loop sleeps.
func (s *Server) unpause() {
	s.paused, s.pauseEnd = pauseOff, 0
	if s.pauseTimer != 0 {
		s.loop.CancelTimer(s.pauseTimer)
		s.pauseTimer = 0
	}
	for i, c := range s.pausedClients {
		s.pausedClients[i] = nil
		c.flags &^= flagInPausedList | flagPaused
		if !c.closed() && c.flags&flagResumeQueued == 0 {
			c.flags |= flagResumeQueued
			s.resumeQueue = append(s.resumeQueue, c)
		}
	}
	s.pausedClients = s.pausedClients[:0]
}

// resumeReleased runs the commands of the clients the last pause released,
// in the order they were held. A resumed command may pause clients again;
// the clients after it are then held again.
func (s *Server) resumeReleased() {
	for len(s.resumeQueue) > 0 {
		queue := s.resumeQueue
		s.resumeQueue = nil
		for i, c := range queue {
			queue[i] = nil
			c.flags &^= flagResumeQueued
			if !c.closed() {
				s.safeProcess(c)
			}
		}
	}
}
