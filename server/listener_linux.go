package server

import (
	"net"
	"os"

	"github.com/kvdserver/kvd/eventloop"
	"golang.org/x/sys/unix"
)

// closeFd shuts a listening socket down and closes it (see closeListeners).
func closeFd(fd int) {
	unix.Shutdown(fd, unix.SHUT_RDWR)
	unix.Close(fd)
}

// addAcceptor has the loop accept connections on l.
func (s *Server) addAcceptor(l *listener) error {
	if l.ln != nil {
		return s.addListener(l)
	}
	return s.loop.AddAcceptor(l.fd,
		func(fd int, sa unix.Sockaddr) { s.newClient(fd, eventloop.SockaddrToAddr(sa), l) },
		func(err error) { s.acceptError(l, err) })
}

func fdListenTCP(addr string, port, backlog int) (*listener, error) {
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

func fdListenUnix(path string, perm uint32, backlog int) (*listener, error) {
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
	if a, ok := eventloop.SockaddrToAddr(sa).(*net.TCPAddr); ok {
		return a
	}
	return &net.TCPAddr{}
}
