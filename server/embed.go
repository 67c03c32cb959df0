package server

import (
	"bytes"
	"errors"
	"time"
)

// Hooks for programs and tests that embed a server (package kvdtest): run
// commands without a connection, move the server's clock, make every
// command fail. Each runs its work on the loop goroutine and waits for it.

// embedState is the state those hooks keep, touched on the loop only.
type embedState struct {
	client *Client // the internal client Exec runs commands as
	skew   int64   // nanoseconds added to the real clock (AdvanceClock, SetClock)
	err    string  // the error every connection's command gets (SetError)
}

// ErrNotServing is returned by the embedding hooks when the server's loop
// is not running and will not (before Listen, or after Close).
var ErrNotServing = errors.New("kvd: server not serving")

// onLoop runs f on the loop goroutine and waits until it has run: after
// Listen and before Serve, until Serve starts the loop.
func (s *Server) onLoop(f func()) error {
	if st := s.state.Load(); st != stateServing && st != stateListening {
		return ErrNotServing
	}
	ran := make(chan struct{})
	s.loop.Submit(func() {
		defer close(ran)
		f()
	})
	select {
	case <-ran:
		return nil
	case <-s.done:
		return ErrNotServing
	}
}

// Exec runs one command, as redis-server would for a client, on the
// server's loop, and returns a copy of its reply in RESP2. The commands of
// successive calls run as one internal client (authenticated, with every
// permission, not in CLIENT LIST): a SELECT holds for the calls after it.
// A blocking command does not block: it answers as if it timed out.
func (s *Server) Exec(args ...[]byte) ([]byte, error) {
	if len(args) == 0 {
		return nil, errors.New("kvd: Exec: no command")
	}
	var out []byte
	err := s.onLoop(func() {
		if s.embed.client == nil {
			s.embed.client = s.newFakeClient()
			s.embed.client.denyBlocking = true
		}
		out = bytes.Clone(s.runFake(s.embed.client, args))
	})
	return out, err
}

// AdvanceClock moves the server's clock d forward (backward if d < 0): TTLs,
// EXPIRETIME, OBJECT IDLETIME and every other use of the command clock see
// the moved time, and the keys whose deadline it passes expire at once,
// with their keyspace "expired" events. TIME and the log keep the real time.
func (s *Server) AdvanceClock(d time.Duration) error {
	return s.onLoop(func() { s.setSkew(s.embed.skew + int64(d)) })
}

// SetClock sets the server's clock to t, then runs as the real time does
// from there (see AdvanceClock).
func (s *Server) SetClock(t time.Time) error {
	return s.onLoop(func() { s.setSkew(t.UnixNano() - time.Now().UnixNano()) })
}

// setSkew sets the clock's offset from the real time and expires the keys
// whose time has come.
func (s *Server) setSkew(skew int64) {
	s.embed.skew = skew
	s.resetClock()
	now := s.nowMs()
	for _, db := range s.dbs {
		if db.ExpiresLen() > 0 {
			db.ExpireCycle(now, time.Hour)
		}
	}
	s.cmdMark = 0
}

// resetClock takes a new base for the command clock (see clock), with the
// embedder's offset.
func (s *Server) resetClock() {
	s.clock = newClock()
	s.clock.baseNs += s.embed.skew
	s.cmdMark = 0
}

// SetError makes every command of every connection fail with msg as its
// error reply ("ERR something", or a code of your own), for testing a
// client's error paths; "" restores normal service. Exec is not affected.
func (s *Server) SetError(msg string) error {
	return s.onLoop(func() { s.embed.err = msg })
}
