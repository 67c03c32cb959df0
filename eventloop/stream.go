package eventloop

import (
	"fmt"
	"net"
	"os"
	"syscall"
)

// StreamHandler receives the events of a stream added with AddStream, and
// owns the stream's output: it keeps the bytes to send in its own buffer,
// calls Flush when there are some, and hands them to the loop when asked
// (Output). Its methods run on the loop goroutine.
type StreamHandler interface {
	// OnData receives bytes read from the stream. data belongs to the loop
	// and is valid only until OnData returns.
	OnData(data []byte)
	// Output returns the bytes waiting to be sent, or none. The loop calls
	// it when it writes a stream that Flush marked, and again when a socket
	// that took only part of a write can take more. The returned bytes
	// must stay unchanged until OnWritten reports them written or the
	// stream ends, and while Writing reports true the buffer must not be
	// reused (the kernel may be reading it); appending beyond them is fine.
	// It may return only part of what is pending (one of several blocks):
	// after writing all it returned, the loop asks again.
	Output() []byte
	// OnWritten reports that the first n bytes of what Output last
	// returned have been written (n > 0).
	OnWritten(n int)
	// OnEOF reports that the peer shut down its sending side: no more data
	// will arrive. The stream stays open for sending; the handler closes it
	// with CloseStream when it has nothing more to say.
	OnEOF()
	// OnClosed reports that the stream failed (a read or write error, or a
	// panic in Preparse). The loop has released the descriptor; the handler
	// must not use it again.
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

// stream is a connected socket driven by the loop. Its bytes to send live
// in the handler (StreamHandler.Output); the stream only records whether it
// is in the loop's flush list and whether a write of it is unfinished.
type stream struct {
	fd     int
	h      StreamHandler
	closed bool
	eof    bool // the peer shut down its side; no more reads

	flushing bool // in Loop.flushQ: write it before the loop sleeps
	// writing is set while a write is unfinished: the epoll backend waits
	// for the socket to become writable after a short write, the io_uring
	// backend has a send in flight.
	writing bool

	// epoll backend: a threaded read's buffer and result
	readBuf []byte
	readN   int
	readErr error

	// io_uring backend
	gen      uint32 // distinguishes this stream from earlier ones on the same fd
	inflight int    // operations submitted and not yet completed
	recvOn   bool   // a multishot receive is armed
	held     []byte // the bytes a send in flight is reading (kept from the collector)
	closing  bool   // close the fd once inflight drops to zero

	// portable backend
	pc *pconn
}

// acceptor is a listening socket driven by the loop.
type acceptor struct {
	fd       int
	onAccept func(fd int, sa sockaddr)   // fd backends
	onConn   func(id int, peer net.Addr) // portable backend
	onError  func(err error)
	paused   bool
	// portable backend
	ln     net.Listener
	quit   chan struct{}
	resume chan struct{}
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
// bytes go to h.OnData, and Flush writes h's output to it. The loop owns fd from now on
// and closes it when the stream ends or CloseStream is called.
func (l *Loop) AddStream(fd int, h StreamHandler) error {
	if l.closed {
		return ErrClosed
	}
	if fd < 0 {
		return fmt.Errorf("eventloop: add stream fd %d: %w", fd, syscall.EBADF)
	}
	l.growFdTables(fd)
	if l.inUse(fd) {
		return fmt.Errorf("eventloop: add stream fd %d: %w", fd, syscall.EEXIST)
	}
	s := &stream{fd: fd, h: h}
	if err := l.be.addStream(s); err != nil {
		return fmt.Errorf("eventloop: add stream fd %d: %w", fd, err)
	}
	l.streams[fd] = s
	return nil
}

// Flush marks stream fd as having output: before the loop next sleeps
// (after the before-sleep hooks) it writes, or on io_uring submits, what
// the handler's Output returns, once per iteration for every marked stream
// together. A stream whose last write is unfinished is skipped: the loop
// resumes it when the socket can take more. Calling Flush again before the
// loop sleeps does nothing more.
func (l *Loop) Flush(fd int) {
	if s := l.stream(fd); s != nil && !s.flushing {
		s.flushing = true
		l.flushQ = append(l.flushQ, s)
	}
}

// Writing reports whether a write of stream fd is unfinished: the socket
// took only part of the output (epoll), or a send is in flight (io_uring).
// Meanwhile the handler must keep the buffer its Output returned.
func (l *Loop) Writing(fd int) bool {
	s := l.stream(fd)
	return s != nil && s.writing
}

// flush writes the output of the streams that Flush marked. A stream marked
// again meanwhile (by a handler the writes call back) waits for the next
// iteration.
func (l *Loop) flush() {
	q := l.flushQ
	l.flushQ = l.flushSpare[:0]
	n := 0
	for _, s := range q {
		s.flushing = false
		if !s.closed && !s.writing {
			q[n] = s
			n++
		}
	}
	if n > 0 {
		l.be.flush(q[:n])
	}
	clear(q)
	l.flushSpare = q[:0]
}

// CloseStream stops driving stream fd and closes it. Unwritten output is
// dropped and no more callbacks are made for it. A send in flight on
// io_uring may still read the handler's buffer until the kernel has
// cancelled it: the handler must not reuse a buffer Writing reported busy.
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

func osSyscallError(name string, err error) error { return os.NewSyscallError(name, err) }
