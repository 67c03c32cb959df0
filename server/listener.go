package server

import (
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"syscall"
)

// listener is a listening socket owned by the event loop.
type listener struct {
	fd   int          // the socket, or for the portable backend the loop's identifier
	ln   net.Listener // the portable backend's listener
	addr net.Addr
	unix bool
	path string // Unix socket path, removed on close
}

// openListeners opens the TCP listeners for cfg.Bind/cfg.Port and the Unix
// socket, non-blocking, with SO_REUSEADDR and IPV6_V6ONLY on IPv6 sockets.
// It logs through warn what Redis logs when it cannot listen, and returns
// the last line as the error.
func openListeners(cfg Config, warn func(format string, args ...any)) ([]*listener, error) {
	lns, err := openTCPListeners(cfg, warn)
	if err != nil {
		warn("Failed listening on port %d (TCP), aborting.", cfg.Port)
		return nil, fmt.Errorf("Failed listening on port %d (TCP), aborting.", cfg.Port)
	}
	if cfg.UnixSocket != "" {
		ln, err := listenUnix(cfg.UnixSocket, cfg.UnixSocketPerm, cfg.TCPBacklog, cfg.IOModel == "portable")
		if err != nil {
			closeListeners(lns)
			warn("Failed opening Unix socket: %s", netErr(err))
			return nil, fmt.Errorf("Failed opening Unix socket: %s", netErr(err))
		}
		lns = append(lns, ln)
	}
	return lns, nil
}

// errNoTCPListener is openTCPListeners's failure; the reasons are logged.
var errNoTCPListener = errors.New("could not listen on TCP")

// openTCPListeners opens a listener per bind address on cfg.Port (none if
// the port is negative). Like Redis's listenToPort, it logs (through warn)
// each address it cannot bind; it skips an optional ("-") address that
// does not exist and an address family the system lacks, and fails on any
// other error, or when no address could be bound.
func openTCPListeners(cfg Config, warn func(format string, args ...any)) ([]*listener, error) {
	var lns []*listener
	if cfg.Port < 0 {
		return nil, nil
	}
	port := cfg.Port
	for _, b := range cfg.Bind {
		optional := strings.HasPrefix(b, "-")
		b = strings.TrimPrefix(b, "-")
		ln, err := listenTCP(b, port, cfg.TCPBacklog, cfg.IOModel == "portable")
		if err != nil {
			warn("Warning: Could not create server TCP listening socket %s:%d: %s", b, cfg.Port, netErr(err))
			var errno syscall.Errno
			errors.As(err, &errno)
			switch {
			case optional && errno == syscall.EADDRNOTAVAIL,
				errno == syscall.ENOPROTOOPT, errno == syscall.EPROTONOSUPPORT, errno == syscall.ESOCKTNOSUPPORT,
				errno == syscall.EPFNOSUPPORT, errno == syscall.EAFNOSUPPORT:
				continue
			}
			closeListeners(lns)
			return nil, errNoTCPListener
		}
		if port == 0 {
			// Every address listens on the port the first one got.
			port = ln.addr.(*net.TCPAddr).Port
		}
		lns = append(lns, ln)
	}
	if len(lns) == 0 && len(cfg.Bind) > 0 {
		return nil, errNoTCPListener
	}
	return lns, nil
}

// netErr formats a socket error as Redis's anet does ("bind: Address
// already in use").
func netErr(err error) string {
	var se *os.SyscallError
	if errors.As(err, &se) {
		return se.Syscall + ": " + strerror(se.Err)
	}
	return strerror(err)
}

// closeListeners stops every listener at once. The socket is shut down
// before its descriptor is closed: an accept still queued in io_uring holds
// a reference to the file, so close alone would leave the port accepting
// until the ring has torn that request down, after Serve has returned.
func closeListeners(lns []*listener) {
	for _, l := range lns {
		if l.ln != nil {
			l.ln.Close()
			l.ln, l.fd = nil, -1
			if l.path != "" {
				os.Remove(l.path)
			}
		} else if l.fd >= 0 {
			closeFd(l.fd)
			l.fd = -1
			if l.path != "" {
				os.Remove(l.path)
			}
		}
	}
}

func resolveBind(addr string) (net.IP, error) {
	switch addr {
	case "*", "0.0.0.0":
		return net.IPv4zero, nil
	case "::*", "::":
		return net.IPv6unspecified, nil
	}
	if ip := net.ParseIP(addr); ip != nil {
		return ip, nil
	}
	ips, err := net.LookupIP(addr)
	if err != nil || len(ips) == 0 {
		return nil, fmt.Errorf("cannot resolve %q: %w", addr, err)
	}
	return ips[0], nil
}

// sockaddrString formats a peer address the way CLIENT LIST shows it.
func sockaddrString(peer net.Addr, l *listener) string {
	if l.unix {
		return l.path + ":0"
	}
	if a, ok := peer.(*net.TCPAddr); ok {
		return addrString(a)
	}
	return addrString(&net.TCPAddr{})
}

// addrString formats ip:port, with brackets around IPv6 addresses, as Redis does.
func addrString(a *net.TCPAddr) string {
	ip := a.IP
	if ip4 := ip.To4(); ip4 != nil {
		ip = ip4
	}
	return net.JoinHostPort(ip.String(), strconv.Itoa(a.Port))
}

// localAddrString returns the local address of a connected socket.
func (s *Server) localAddrString(fd int, l *listener) string {
	if l.unix {
		return l.path + ":0"
	}
	if a, ok := s.loop.LocalAddr(fd).(*net.TCPAddr); ok {
		return addrString(a)
	}
	return l.addr.String()
}

// isLocalPeer reports whether a TCP peer is 127.0.0.1 or ::1, the only
// addresses Redis's protected mode counts as local (127.0.0.2 is not).
func isLocalPeer(peer net.Addr) bool {
	a, ok := peer.(*net.TCPAddr)
	if !ok {
		return false
	}
	if ip4 := a.IP.To4(); ip4 != nil {
		return ip4.Equal(net.IPv4(127, 0, 0, 1))
	}
	return a.IP.Equal(net.IPv6loopback)
}

// listenTCP opens a TCP listener: a raw non-blocking socket for the
// descriptor backends, a net.Listener for the portable one.
func listenTCP(addr string, port, backlog int, portable bool) (*listener, error) {
	if !portable {
		return fdListenTCP(addr, port, backlog)
	}
	ip, err := resolveBind(addr)
	if err != nil {
		return nil, err
	}
	network := "tcp4"
	if ip.To4() == nil || addr == "::*" || addr == "::" {
		network = "tcp6" // IPV6_V6ONLY, as Redis
	}
	ln, err := net.Listen(network, net.JoinHostPort(ip.String(), strconv.Itoa(port)))
	if err != nil {
		return nil, err
	}
	return &listener{fd: -1, ln: ln, addr: ln.Addr()}, nil
}

// listenUnix opens a Unix socket listener (see listenTCP).
func listenUnix(path string, perm uint32, backlog int, portable bool) (*listener, error) {
	if !portable {
		return fdListenUnix(path, perm, backlog)
	}
	os.Remove(path)
	ln, err := net.Listen("unix", path)
	if err != nil {
		return nil, err
	}
	if perm != 0 {
		if err := os.Chmod(path, os.FileMode(perm)); err != nil {
			ln.Close()
			return nil, err
		}
	}
	return &listener{fd: -1, ln: ln, addr: &net.UnixAddr{Name: path, Net: "unix"}, unix: true, path: path}, nil
}
