//go:build !linux

package server

import "errors"

// Outside Linux only the portable backend exists, and every listener is a
// net.Listener.

var errNoRawSockets = errors.New("raw listening sockets need Linux (io-model portable)")

func closeFd(fd int) {}

// addAcceptor has the loop accept connections on l.
func (s *Server) addAcceptor(l *listener) error { return s.addListener(l) }

func fdListenTCP(addr string, port, backlog int) (*listener, error) { return nil, errNoRawSockets }

func fdListenUnix(path string, perm uint32, backlog int) (*listener, error) {
	return nil, errNoRawSockets
}
