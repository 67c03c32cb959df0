package server

import (
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

// listener is a listening socket owned by the event loop.
type listener struct {
	fd   int
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
		ln, err := listenUnix(cfg.UnixSocket, cfg.UnixSocketPerm, cfg.TCPBacklog)
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
		ln, err := listenTCP(b, port, cfg.TCPBacklog)
		if err != nil {
			warn("Warning: Could not create server TCP listening socket %s:%d: %s", b, cfg.Port, netErr(err))
			var errno syscall.Errno
			errors.As(err, &errno)
			switch {
			case optional && errno == unix.EADDRNOTAVAIL,
				errno == unix.ENOPROTOOPT, errno == unix.EPROTONOSUPPORT, errno == unix.ESOCKTNOSUPPORT,
				errno == unix.EPFNOSUPPORT, errno == unix.EAFNOSUPPORT:
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
		if l.fd >= 0 {
			unix.Shutdown(l.fd, unix.SHUT_RDWR)
			unix.Close(l.fd)
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

func listenTCP(addr string, port, backlog int) (*listener, error) {
	ip, err := resolveBind(addr)
	if err != nil {
		return nil, err
	}
	var sa unix.Sockaddr
	family := unix.AF_INET
	if ip4 := ip.To4(); ip4 != nil && addr != "::*" && addr != "::" {
		s4 := &unix.SockaddrInet4{Port: port}
		copy(s4.Addr[:], ip4)
		sa = s4
	} else {
		family = unix.AF_INET6
		s6 := &unix.SockaddrInet6{Port: port}
		copy(s6.Addr[:], ip.To16())
		sa = s6
	}
	fd, err := unix.Socket(family, unix.SOCK_STREAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, os.NewSyscallError("socket", err)
	}
	if err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_REUSEADDR, 1); err != nil {
		unix.Close(fd)
		return nil, os.NewSyscallError("setsockopt", err)
	}
	if family == unix.AF_INET6 {
		if err := unix.SetsockoptInt(fd, unix.IPPROTO_IPV6, unix.IPV6_V6ONLY, 1); err != nil {
			unix.Close(fd)
			return nil, os.NewSyscallError("setsockopt", err)
		}
	}
	if err := unix.Bind(fd, sa); err != nil {
		unix.Close(fd)
		return nil, os.NewSyscallError("bind", err)
	}
	if err := unix.Listen(fd, backlog); err != nil {
		unix.Close(fd)
		return nil, os.NewSyscallError("listen", err)
	}
	bound, err := unix.Getsockname(fd)
	if err != nil {
		unix.Close(fd)
		return nil, os.NewSyscallError("getsockname", err)
	}
	return &listener{fd: fd, addr: tcpAddr(bound)}, nil
}

func listenUnix(path string, perm uint32, backlog int) (*listener, error) {
	os.Remove(path)
	fd, err := unix.Socket(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, os.NewSyscallError("socket", err)
	}
	if err := unix.Bind(fd, &unix.SockaddrUnix{Name: path}); err != nil {
		unix.Close(fd)
		return nil, os.NewSyscallError("bind", err)
	}
	if perm != 0 {
		if err := os.Chmod(path, os.FileMode(perm)); err != nil {
			unix.Close(fd)
			return nil, err
		}
	}
	if err := unix.Listen(fd, backlog); err != nil {
		unix.Close(fd)
		return nil, os.NewSyscallError("listen", err)
	}
	return &listener{fd: fd, addr: &net.UnixAddr{Name: path, Net: "unix"}, unix: true, path: path}, nil
}

func tcpAddr(sa unix.Sockaddr) *net.TCPAddr {
	switch a := sa.(type) {
	case *unix.SockaddrInet4:
		return &net.TCPAddr{IP: net.IP(append([]byte(nil), a.Addr[:]...)), Port: a.Port}
	case *unix.SockaddrInet6:
		return &net.TCPAddr{IP: net.IP(append([]byte(nil), a.Addr[:]...)), Port: a.Port}
	}
	return &net.TCPAddr{}
}

// sockaddrString formats a peer address the way CLIENT LIST shows it.
func sockaddrString(sa unix.Sockaddr, l *listener) string {
	if l.unix {
		return l.path + ":0"
	}
	return addrString(tcpAddr(sa))
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
func localAddrString(fd int, l *listener) string {
	if l.unix {
		return l.path + ":0"
	}
	sa, err := unix.Getsockname(fd)
	if err != nil {
		return l.addr.String()
	}
	return addrString(tcpAddr(sa))
}

// isLocalPeer reports whether a TCP peer is 127.0.0.1 or ::1, the only
// addresses Redis's protected mode counts as local (127.0.0.2 is not).
func isLocalPeer(sa unix.Sockaddr) bool {
	switch a := sa.(type) {
	case *unix.SockaddrInet4:
		return a.Addr == [4]byte{127, 0, 0, 1}
	case *unix.SockaddrInet6:
		return a.Addr == [16]byte{15: 1} || a.Addr == [16]byte{10: 0xff, 11: 0xff, 12: 127, 15: 1}
	}
	return false
}

func setKeepAlive(fd, secs int) {
	unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_KEEPALIVE, 1)
	unix.SetsockoptInt(fd, unix.IPPROTO_TCP, unix.TCP_KEEPIDLE, secs)
	unix.SetsockoptInt(fd, unix.IPPROTO_TCP, unix.TCP_KEEPINTVL, max(secs/3, 1))
	unix.SetsockoptInt(fd, unix.IPPROTO_TCP, unix.TCP_KEEPCNT, 3)
}
