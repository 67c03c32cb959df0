//go:build linux

package eventloop

import (
	"runtime/debug"

	"golang.org/x/sys/unix"
)

// epollBackend is the reactor: epoll reports readiness; streams are read
// and written with plain system calls, optionally on I/O threads. A stream
// is watched for input only, and for output too only while a short write
// waits for room (stream.writing).
type epollBackend struct {
	fdOps
	l      *Loop
	epfd   int
	wakefd int
	events []unix.EpollEvent

	rbuf   []byte    // read buffer for streams read on the loop goroutine
	readyQ []*stream // streams readable this iteration (with parallel I/O)
	bufs   [][]byte  // per-item read buffers for a threaded batch

	// A threaded write batch: the streams, the output each handler gave,
	// and each write's result.
	writeQ []*stream
	wbufs  [][]byte
	wn     []int
	werr   []error

	// The functions run on I/O threads, made once (a method value made
	// per batch would allocate).
	readItemFn, writeItemFn func(i int)

	// PollNested's own buffers (nested.go).
	nestedEvents []unix.EpollEvent
	nestedRbuf   []byte
}

const (
	epollMaxEvents = 1024
	// loopReadSize is how much one read takes on the loop goroutine.
	loopReadSize = 64 * 1024
	// threadReadSize is how much one read takes on an I/O thread.
	threadReadSize = 16 * 1024
)

func newEpollBackend(l *Loop) (*epollBackend, error) {
	epfd, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		return nil, osSyscallError("epoll_create1", err)
	}
	b := &epollBackend{l: l, epfd: epfd, wakefd: -1, events: make([]unix.EpollEvent, 64), rbuf: make([]byte, loopReadSize)}
	b.readItemFn, b.writeItemFn = b.readItem, b.writeItem
	return b, nil
}

func fromEpoll(ev uint32) event {
	var e event
	if ev&(unix.EPOLLIN|unix.EPOLLPRI) != 0 {
		e |= readable
	}
	if ev&unix.EPOLLOUT != 0 {
		e |= writable
	}
	if ev&unix.EPOLLHUP != 0 {
		e |= hangUp
	}
	if ev&unix.EPOLLERR != 0 {
		e |= errorEv
	}
	return e
}

// ctl calls epoll_ctl; events is a set of EPOLLIN and EPOLLOUT.
func (b *epollBackend) ctl(op, fd int, events uint32) error {
	ev := unix.EpollEvent{Events: events, Fd: int32(fd)}
	var evp *unix.EpollEvent
	if op != unix.EPOLL_CTL_DEL {
		evp = &ev
	}
	if err := unix.EpollCtl(b.epfd, op, fd, evp); err != nil {
		return osSyscallError("epoll_ctl", err)
	}
	return nil
}

func (b *epollBackend) watchWake(fd int) error {
	b.wakefd = fd
	return b.ctl(unix.EPOLL_CTL_ADD, fd, unix.EPOLLIN)
}

func (b *epollBackend) wake() { wakeFd(b.wakefd) }

func (b *epollBackend) addAcceptor(a *acceptor) error {
	return b.ctl(unix.EPOLL_CTL_ADD, a.fd, unix.EPOLLIN)
}

func (b *epollBackend) pauseAcceptor(a *acceptor, paused bool) error {
	events := uint32(unix.EPOLLIN)
	if paused {
		events = 0
	}
	return b.ctl(unix.EPOLL_CTL_MOD, a.fd, events)
}

func (b *epollBackend) removeAcceptor(a *acceptor) {
	b.ctl(unix.EPOLL_CTL_DEL, a.fd, 0)
}

func (b *epollBackend) addStream(s *stream) error {
	return b.ctl(unix.EPOLL_CTL_ADD, s.fd, unix.EPOLLIN)
}

func (b *epollBackend) closeStream(s *stream) {
	b.ctl(unix.EPOLL_CTL_DEL, s.fd, 0)
	unix.Close(s.fd)
}

// flush writes the output of every stream flushed this iteration: on I/O
// threads when there are enough of them, else one by one. The handlers'
// Output is collected on the loop goroutine first.
func (b *epollBackend) flush(q []*stream) {
	l := b.l
	if l.parallel == nil || len(q) < l.parallelMin {
		for _, s := range q {
			if s.closed {
				continue // closed by an earlier stream's callback
			}
			if out := s.h.Output(); len(out) > 0 {
				n, err := writeFd(s.fd, out)
				b.afterWrite(s, out, n, err)
			}
		}
		return
	}
	for len(b.wbufs) < len(q) {
		b.wbufs, b.wn, b.werr = append(b.wbufs, nil), append(b.wn, 0), append(b.werr, nil)
	}
	for i, s := range q {
		b.wbufs[i] = s.h.Output()
	}
	b.writeQ = q
	l.parallel.Run(len(q), b.writeItemFn)
	b.writeQ = nil
	for i, s := range q {
		out, n, err := b.wbufs[i], b.wn[i], b.werr[i]
		b.wbufs[i], b.werr[i] = nil, nil
		if !s.closed && len(out) > 0 {
			b.afterWrite(s, out, n, err)
		}
	}
}

// writeItem writes the i-th stream of a threaded batch, on an I/O thread.
func (b *epollBackend) writeItem(i int) {
	b.wn[i], b.werr[i] = 0, nil
	if out := b.wbufs[i]; len(out) > 0 {
		b.wn[i], b.werr[i] = writeFd(b.writeQ[i].fd, out)
	}
}

// afterWrite accounts a write of out: the handler learns what was written;
// a short write waits for the socket to become writable, a complete one
// stops waiting.
func (b *epollBackend) afterWrite(s *stream, out []byte, n int, err error) {
	for {
		if n > 0 {
			s.h.OnWritten(n)
			if s.closed {
				return
			}
		}
		if n == len(out) {
			// A handler may give its output in parts: ask for more until
			// it has none or the socket is full.
			if next := s.h.Output(); len(next) > 0 {
				out = next
				n, err = writeFd(s.fd, out)
				continue
			}
			if s.writing {
				b.setWriting(s, false)
			}
			return
		}
		if err != nil && err != unix.EAGAIN {
			b.l.endStream(s, osSyscallError("write", err))
			return
		}
		if !s.writing {
			b.setWriting(s, true)
		}
		return
	}
}

// writeMore writes the rest of a stream's output once the socket is writable.
func (b *epollBackend) writeMore(s *stream) {
	out := s.h.Output()
	if len(out) == 0 {
		b.setWriting(s, false)
		return
	}
	n, err := writeFd(s.fd, out)
	b.afterWrite(s, out, n, err)
}

func (b *epollBackend) stopReading(s *stream) {
	b.watch(s, s.writing, true)
}

func (b *epollBackend) setWriting(s *stream, on bool) {
	b.watch(s, on, s.eof)
}

// watch sets what s is watched for: output room if out, input unless eof.
func (b *epollBackend) watch(s *stream, out, eof bool) {
	var events uint32
	if !eof {
		events |= unix.EPOLLIN
	}
	if out {
		events |= unix.EPOLLOUT
	}
	if err := b.ctl(unix.EPOLL_CTL_MOD, s.fd, events); err != nil {
		b.l.endStream(s, err)
		return
	}
	s.writing = out
}

func (b *epollBackend) wait(msec int) error {
	n, err := unix.EpollWait(b.epfd, b.events, msec)
	if err != nil {
		if err == unix.EINTR {
			return nil
		}
		return osSyscallError("epoll_wait", err)
	}
	l := b.l
	for i := 0; i < n; i++ {
		ev := &b.events[i]
		fd := int(ev.Fd)
		if fd < len(l.streams) && l.streams[fd] != nil {
			b.streamEvent(l.streams[fd], fromEpoll(ev.Events))
			continue
		}
		if fd == b.wakefd {
			l.onWake(fd)
			continue
		}
		for _, a := range l.acceptors {
			if a.fd == fd {
				l.acceptReady(a)
				break
			}
		}
	}
	if len(b.readyQ) > 0 {
		b.readBatch()
	}
	if n == len(b.events) && n < epollMaxEvents {
		b.events = make([]unix.EpollEvent, 2*n)
	}
	return nil
}

func (b *epollBackend) streamEvent(s *stream, ev event) {
	if ev&writable != 0 && s.writing {
		b.writeMore(s)
		if s.closed {
			return
		}
	}
	if s.eof {
		if ev&(hangUp|errorEv) != 0 && !s.writing {
			// The peer is gone entirely and nothing is left to send: the
			// handler has not closed yet, so report it rather than spin.
			b.l.endStream(s, unix.EPIPE)
		}
		return
	}
	if ev&(readable|hangUp|errorEv) != 0 {
		if b.l.parallelReads {
			b.readyQ = append(b.readyQ, s)
			return
		}
		n, err := readFd(s.fd, b.rbuf)
		b.deliver(s, b.rbuf, n, err)
	}
}

// deliver hands the result of a read to the stream's handler.
func (b *epollBackend) deliver(s *stream, buf []byte, n int, err error) {
	switch {
	case n > 0:
		s.h.OnData(buf[:n])
	case err == nil:
		b.l.peerEOF(s)
	case err == unix.EAGAIN:
	default:
		b.l.endStream(s, osSyscallError("read", err))
	}
}

// readBatch reads every stream found readable this iteration: on I/O
// threads (which also preparse) when there are enough of them, else on the
// loop goroutine; then delivers the data in order on the loop goroutine.
func (b *epollBackend) readBatch() {
	q := b.readyQ
	l := b.l
	if len(q) < l.parallelMin {
		for i, s := range q {
			q[i] = nil
			if !s.closed {
				n, err := readFd(s.fd, b.rbuf)
				b.deliver(s, b.rbuf, n, err)
			}
		}
		b.readyQ = q[:0]
		return
	}
	for len(b.bufs) < len(q) {
		b.bufs = append(b.bufs, make([]byte, threadReadSize))
	}
	for i, s := range q {
		s.readBuf = b.bufs[i]
	}
	l.parallel.Run(len(q), b.readItemFn)
	for i, s := range q {
		q[i] = nil
		buf := s.readBuf
		s.readBuf = nil
		if s.closed {
			continue
		}
		if p, ok := s.readErr.(*PanicError); ok {
			// Preparse panicked: that connection's state is suspect, so
			// it is closed; every other stream goes on.
			l.panicked(p)
			l.endStream(s, p)
			continue
		}
		b.deliver(s, buf, s.readN, s.readErr)
	}
	b.readyQ = q[:0]
}

// readItem reads the i-th stream of a threaded batch and preparses what
// arrived, on an I/O thread. A panic in Preparse is caught here, on the
// thread that ran it, and handed to the loop goroutine as the read's error.
func (b *epollBackend) readItem(i int) {
	s := b.readyQ[i]
	defer func() {
		if r := recover(); r != nil {
			s.readN, s.readErr = 0, &PanicError{Where: "Preparse on an I/O thread", Value: r, Stack: debug.Stack()}
		}
	}()
	s.readN, s.readErr = readFd(s.fd, s.readBuf)
	if s.readN > 0 {
		if p, ok := s.h.(Preparser); ok {
			p.Preparse(s.readBuf[:s.readN])
		}
	}
}

func (b *epollBackend) close() error {
	if err := unix.Close(b.epfd); err != nil {
		return osSyscallError("close", err)
	}
	return nil
}

func readFd(fd int, p []byte) (int, error) {
	for {
		n, err := unix.Read(fd, p)
		if err == unix.EINTR {
			continue
		}
		if n < 0 {
			n = 0
		}
		return n, err
	}
}

func writeFd(fd int, p []byte) (int, error) {
	for {
		n, err := unix.Write(fd, p)
		if err == unix.EINTR {
			continue
		}
		if n < 0 {
			n = 0
		}
		return n, err
	}
}
