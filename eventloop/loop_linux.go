package eventloop

import (
	"fmt"
	"net"
	"time"

	"golang.org/x/sys/unix"
)

// sockaddr is a peer address as the descriptor backends report it.
type sockaddr = unix.Sockaddr

// DefaultBackend is the backend New uses: the epoll reactor on Linux.
const DefaultBackend = Epoll

// newBackend creates opts.Backend's backend and, for the descriptor
// backends, the loop's wake-up eventfd.
func newBackend(l *Loop, opts Options) (backend, error) {
	if opts.Backend == Portable {
		return newPortableBackend(l), nil
	}
	wakefd, err := unix.Eventfd(0, unix.EFD_NONBLOCK|unix.EFD_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("eventloop: %w", osSyscallError("eventfd", err))
	}
	var be backend
	switch opts.Backend {
	case IOUring:
		be, err = newUringBackend(l, opts)
	default:
		be, err = newEpollBackend(l)
	}
	if err != nil {
		unix.Close(wakefd)
		return nil, err
	}
	if err := watchWake(be, wakefd); err != nil {
		be.close()
		unix.Close(wakefd)
		return nil, err
	}
	l.wakefd = wakefd
	return be, nil
}

func watchWake(be backend, fd int) error {
	switch b := be.(type) {
	case *epollBackend:
		return b.watchWake(fd)
	case *uringBackend:
		return b.watchWake(fd)
	}
	return nil
}

// closeWake closes the wake-up eventfd, if the backend uses one.
func (l *Loop) closeWake() error {
	if l.wakefd < 0 {
		return nil
	}
	err := unix.Close(l.wakefd)
	l.wakefd = -1
	if err != nil {
		return osSyscallError("close", err)
	}
	return nil
}

// wakeFd writes the wake-up eventfd.
func wakeFd(fd int) {
	var one = [8]byte{1}
	for {
		_, err := unix.Write(fd, one[:])
		if err != unix.EINTR {
			return
		}
	}
}

// onWake drains the wake-up eventfd.
func (l *Loop) onWake(fd int) {
	var buf [8]byte
	for {
		_, err := unix.Read(fd, buf[:])
		if err != unix.EINTR {
			break
		}
	}
	l.wakePending.Store(false)
}

// AddAcceptor starts accepting connections on the listening, non-blocking
// socket fd (epoll and io_uring backends; the portable backend takes a
// net.Listener, see AddListener): each accepted (non-blocking,
// close-on-exec) connection goes to onAccept with its peer address.
// onError is told of accept errors other than the transient ones; it may
// pause the acceptor (for example on EMFILE). The loop does not close fd.
func (l *Loop) AddAcceptor(fd int, onAccept func(fd int, sa unix.Sockaddr), onError func(err error)) error {
	if l.closed {
		return ErrClosed
	}
	if l.backend == Portable {
		return fmt.Errorf("eventloop: add acceptor fd %d: %w (the portable backend takes a net.Listener)", fd, ErrUnsupported)
	}
	if fd < 0 {
		return fmt.Errorf("eventloop: add acceptor fd %d: %w", fd, unix.EBADF)
	}
	if l.inUse(fd) {
		return fmt.Errorf("eventloop: add acceptor fd %d: %w", fd, unix.EEXIST)
	}
	a := &acceptor{fd: fd, onAccept: onAccept, onError: onError}
	if err := l.be.addAcceptor(a); err != nil {
		return fmt.Errorf("eventloop: add acceptor fd %d: %w", fd, err)
	}
	l.acceptors = append(l.acceptors, a)
	return nil
}

// maxAcceptsPerEvent bounds the connections accepted per readiness event,
// like Redis's MAX_ACCEPTS_PER_CALL, so a flood cannot starve other work.
const maxAcceptsPerEvent = 1000

// acceptReady accepts pending connections on a readable listener (readiness
// style, used by the epoll backend).
func (l *Loop) acceptReady(a *acceptor) {
	for i := 0; i < maxAcceptsPerEvent && !a.paused; i++ {
		fd, sa, err := unix.Accept4(a.fd, unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC)
		if err != nil {
			switch err {
			case unix.EAGAIN, unix.EINTR, unix.ECONNABORTED:
			default:
				if a.onError != nil {
					a.onError(osSyscallError("accept4", err))
				}
			}
			return
		}
		a.onAccept(fd, sa)
	}
}

// fdOps are the connection operations of the descriptor backends (epoll,
// io_uring), on plain system calls.
type fdOps struct{}

func (fdOps) writeNow(fd int, b []byte) (int, error) {
	n, err := unix.Write(fd, b)
	return max(n, 0), err
}

func (fdOps) reject(fd int, msg []byte) {
	unix.Write(fd, msg)
	var sink [4096]byte
	unix.Read(fd, sink[:])
	unix.Close(fd)
}

func (fdOps) tuneTCP(fd int, secs int) {
	unix.SetsockoptInt(fd, unix.IPPROTO_TCP, unix.TCP_NODELAY, 1)
	if secs > 0 {
		unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_KEEPALIVE, 1)
		unix.SetsockoptInt(fd, unix.IPPROTO_TCP, unix.TCP_KEEPIDLE, secs)
		unix.SetsockoptInt(fd, unix.IPPROTO_TCP, unix.TCP_KEEPINTVL, max(secs/3, 1))
		unix.SetsockoptInt(fd, unix.IPPROTO_TCP, unix.TCP_KEEPCNT, 3)
	}
}

func (fdOps) localAddr(fd int) net.Addr {
	sa, err := unix.Getsockname(fd)
	if err != nil {
		return nil
	}
	return SockaddrToAddr(sa)
}

// SockaddrToAddr converts a socket address to a *net.TCPAddr (IPv4 or
// IPv6) or a *net.UnixAddr.
func SockaddrToAddr(sa unix.Sockaddr) net.Addr {
	switch a := sa.(type) {
	case *unix.SockaddrInet4:
		return &net.TCPAddr{IP: net.IP(append([]byte(nil), a.Addr[:]...)), Port: a.Port}
	case *unix.SockaddrInet6:
		return &net.TCPAddr{IP: net.IP(append([]byte(nil), a.Addr[:]...)), Port: a.Port}
	case *unix.SockaddrUnix:
		return &net.UnixAddr{Name: a.Name, Net: "unix"}
	}
	return &net.TCPAddr{}
}

// SpinWait returns how long the loop spins before it blocks (see
// Options.SpinWait): zero on the epoll backend, which never spins.
func (l *Loop) SpinWait() time.Duration {
	if b, ok := l.be.(*uringBackend); ok {
		return b.spinFor
	}
	return 0
}
