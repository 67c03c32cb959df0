package server

import (
	"errors"
	"net"
	"slices"
)

// Changing where the server listens at run time (CONFIG SET port / bind),
// as Redis 7.0 does: the new TCP listeners are opened first; only when all
// are open do they replace the old ones, so a failure leaves the server
// listening where it was.

// tcpListeningAs records the bind list and port the TCP listeners were
// opened with.
type tcpListeningAs struct {
	bind []string
	port int
}

// applyPort is the apply function of "port".
func (s *Server) applyPort() error {
	return s.relistenTCP("Unable to listen on this port. Check server logs.", false)
}

// applyBind is the apply function of "bind".
func (s *Server) applyBind() error {
	return s.relistenTCP("Failed to bind to specified addresses.", true)
}

// relistenTCP reopens the TCP listeners if bind or port changed. failure
// is the CONFIG SET error Redis gives; logBind logs Redis's "Failed to
// bind" line too.
func (s *Server) relistenTCP(failure string, logBind bool) error {
	if s.state.Load() == stateNew {
		return nil // Listen will use the configuration as it is
	}
	if s.cfg.Port == s.tcpAs.port && slices.Equal(s.cfg.Bind, s.tcpAs.bind) {
		return nil
	}
	lns, err := openTCPListeners(s.cfg, func(format string, args ...any) { s.logf(levelWarning, format, args...) })
	if err == nil {
		for i, l := range lns {
			if err = s.addAcceptor(l); err != nil {
				for _, done := range lns[:i] {
					s.loop.RemoveAcceptor(done.fd)
				}
				closeListeners(lns)
				break
			}
		}
	}
	if err != nil {
		if logBind {
			s.logf(levelWarning, "Failed to bind")
		}
		return errors.New(failure)
	}
	keep := lns
	for _, l := range s.listeners {
		if l.unix {
			keep = append(keep, l)
			continue
		}
		s.loop.RemoveAcceptor(l.fd)
		closeListeners([]*listener{l})
	}
	s.listeners = keep
	s.tcpAs = tcpListeningAs{bind: slices.Clone(s.cfg.Bind), port: s.cfg.Port}
	addrs := make([]net.Addr, len(keep))
	for i, l := range keep {
		addrs[i] = l.addr
	}
	s.addrMu.Lock()
	s.addrs = addrs
	s.addrMu.Unlock()
	return nil
}
