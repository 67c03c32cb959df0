package eventloop

import (
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// StreamHandler receives the events of a stream added with AddStream. Its
// methods run on the loop goroutine.
type StreamHandler interface {
	// OnData receives bytes read from the stream. data belongs to the loop
	// and is valid only until OnData returns.
	OnData(data []byte)
	// OnSent reports that the buffer passed to Send has been written
	// entirely. The handler may reuse it and Send again.
	OnSent()
	// OnEOF reports that the peer shut down its sending side: no more data
	// will arrive. The stream stays open for sending; the handler closes it
	// with CloseStream when it has nothing more to say.
	OnEOF()
	// OnClosed reports that the stream failed (a read or write error). The
	// loop has released the descriptor; the handler must not use it again.
	OnClosed(err error)
}

// Preparser may be implemented by a StreamHandler whose first processing of
// received bytes can run on an I/O thread (see SetParallel). Preparse runs
// on an I/O thread with the same data OnData will then receive on the loop
// goroutine; it must only touch state owned by that stream's handler.
type Preparser interface {
	Preparse(data []byte)
}

// Parallel fans a batch of work out to threads (an iothreads.Pool).
type Parallel interface {
	// Run calls fn(i) for every i in [0, n) and returns when all have returned.
	Run(n int, fn func(i int))
	// Threads returns the number of threads, the caller included.
	Threads() int
}

// stream is a connected socket driven by the loop.
type stream struct {
	fd     int
	h      StreamHandler
	closed bool
	eof    bool // the peer shut down its side; no more reads

	out     []byte // buffer being sent (handed over by Send)
	sent    int    // bytes of out already written
	sending bool   // a Send is in progress
	queued  bool   // in the epoll backend's send queue

	// epoll backend: threaded read results
	readBuf []byte
	readN   int
	readErr error

	// io_uring backend
	gen      uint32 // distinguishes this stream from earlier ones on the same fd
	inflight int    // operations submitted and not yet completed
	recvOn   bool   // a multishot receive is armed
	sendOn   bool   // a send is submitted
	closing  bool   // close the fd once inflight drops to zero
}

// acceptor is a listening socket driven by the loop.
type acceptor struct {
	fd       int
	onAccept func(fd int, sa unix.Sockaddr)
	onError  func(err error)
	paused   bool
	// io_uring backend
	gen      uint32
	armed    bool
	inflight int
	removed  bool
}

// SetParallel makes the epoll backend spread stream writes, and reads too
// if reads is set, over p's threads whenever at least minBatch streams are
// ready in one iteration (p == nil turns it off). Preparse then runs on
// those threads. The io_uring backend performs I/O in the kernel and
// ignores it.
func (l *Loop) SetParallel(p Parallel, minBatch int, reads bool) {
	l.parallel = p
	l.parallelMin = max(minBatch, 2)
	l.parallelReads = reads && p != nil
}

// AddStream starts driving the connected, non-blocking socket fd: received
// bytes go to h.OnData, and Send writes to it. The loop owns fd from now on
// and closes it when the stream ends or CloseStream is called.
func (l *Loop) AddStream(fd int, h StreamHandler) error {
	if l.closed {
		return ErrClosed
	}
	if fd < 0 {
		return fmt.Errorf("eventloop: add stream fd %d: %w", fd, unix.EBADF)
	}
	l.growFdTables(fd)
	if l.handlers[fd] != nil || l.streams[fd] != nil {
		return fmt.Errorf("eventloop: add stream fd %d: %w", fd, unix.EEXIST)
	}
	s := &stream{fd: fd, h: h}
	if err := l.be.addStream(s); err != nil {
		return fmt.Errorf("eventloop: add stream fd %d: %w", fd, err)
	}
	l.streams[fd] = s
	return nil
}

// Send starts writing b to stream fd. The loop keeps b until it has written
// all of it, then calls OnSent; meanwhile the caller must not change b's
// bytes (appending beyond len(b) is fine). Only one Send may be in progress
// per stream. Writes are performed once per iteration, after the
// before-sleep hooks: all pending replies of an iteration leave together.
func (l *Loop) Send(fd int, b []byte) error {
	s := l.stream(fd)
	if s == nil {
		return fmt.Errorf("eventloop: send on fd %d: %w", fd, unix.ENOENT)
	}
	if s.sending {
		return fmt.Errorf("eventloop: send on fd %d: %w", fd, unix.EBUSY)
	}
	if len(b) == 0 {
		return nil
	}
	s.out, s.sent, s.sending = b, 0, true
	l.be.send(s)
	return nil
}

// Sending reports whether a Send on stream fd is still in progress.
func (l *Loop) Sending(fd int) bool {
	s := l.stream(fd)
	return s != nil && s.sending
}

// CloseStream stops driving stream fd and closes it. Pending sends are
// dropped and no more callbacks are made for it.
func (l *Loop) CloseStream(fd int) {
	s := l.stream(fd)
	if s == nil {
		return
	}
	l.streams[fd] = nil
	s.closed = true
	l.be.closeStream(s)
}

func (l *Loop) stream(fd int) *stream {
	if fd < 0 || fd >= len(l.streams) {
		return nil
	}
	return l.streams[fd]
}

// peerEOF stops reading s after the peer's orderly shutdown and tells its handler.
func (l *Loop) peerEOF(s *stream) {
	if s.closed || s.eof {
		return
	}
	s.eof = true
	l.be.stopReading(s)
	s.h.OnEOF()
}

// endStream closes s after a read or write error, and tells its handler.
func (l *Loop) endStream(s *stream, err error) {
	if s.closed {
		return
	}
	l.CloseStream(s.fd)
	s.h.OnClosed(err)
}

// sentAll finishes a Send whose buffer has been written entirely.
func (l *Loop) sentAll(s *stream) {
	s.out, s.sent, s.sending = nil, 0, false
	if !s.closed {
		s.h.OnSent()
	}
}

// AddAcceptor starts accepting connections on the listening, non-blocking
// socket fd: each accepted (non-blocking, close-on-exec) connection goes to
// onAccept with its peer address. onError is told of accept errors other
// than the transient ones; it may pause the acceptor (for example on EMFILE).
// The loop does not close fd.
func (l *Loop) AddAcceptor(fd int, onAccept func(fd int, sa unix.Sockaddr), onError func(err error)) error {
	if l.closed {
		return ErrClosed
	}
	l.growFdTables(fd)
	if l.handlers[fd] != nil || l.streams[fd] != nil {
		return fmt.Errorf("eventloop: add acceptor fd %d: %w", fd, unix.EEXIST)
	}
	a := &acceptor{fd: fd, onAccept: onAccept, onError: onError}
	if err := l.be.addAcceptor(a); err != nil {
		return fmt.Errorf("eventloop: add acceptor fd %d: %w", fd, err)
	}
	l.acceptors = append(l.acceptors, a)
	return nil
}

// PauseAcceptor stops (paused) or resumes accepting on listening socket fd.
func (l *Loop) PauseAcceptor(fd int, paused bool) error {
	for _, a := range l.acceptors {
		if a.fd == fd && a.paused != paused {
			if err := l.be.pauseAcceptor(a, paused); err != nil {
				return fmt.Errorf("eventloop: pause acceptor fd %d: %w", fd, err)
			}
			a.paused = paused
		}
	}
	return nil
}

// RemoveAcceptor stops accepting on fd. It does not close fd.
func (l *Loop) RemoveAcceptor(fd int) {
	for i, a := range l.acceptors {
		if a.fd == fd {
			l.be.removeAcceptor(a)
			l.acceptors = append(l.acceptors[:i], l.acceptors[i+1:]...)
			return
		}
	}
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

func osSyscallError(name string, err error) error { return os.NewSyscallError(name, err) }
