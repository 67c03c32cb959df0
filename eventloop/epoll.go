package eventloop

import (
	"golang.org/x/sys/unix"
)

// epollBackend is the reactor: epoll reports readiness; streams are read
// and written with plain system calls, optionally on I/O threads.
type epollBackend struct {
	l      *Loop
	epfd   int
	events []unix.EpollEvent

	rbuf   []byte    // read buffer for streams read on the loop goroutine
	readyQ []*stream // streams readable this iteration (with parallel I/O)
	sendQ  []*stream // streams with a send to write this iteration
	bufs   [][]byte  // per-item read buffers for a threaded batch
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
	return &epollBackend{l: l, epfd: epfd, events: make([]unix.EpollEvent, 64), rbuf: make([]byte, loopReadSize)}, nil
}

func toEpoll(mask Event) uint32 {
	var ev uint32
	if mask&Readable != 0 {
		ev |= unix.EPOLLIN
	}
	if mask&Writable != 0 {
		ev |= unix.EPOLLOUT
	}
	return ev
}

func fromEpoll(ev uint32) Event {
	var e Event
	if ev&(unix.EPOLLIN|unix.EPOLLPRI) != 0 {
		e |= Readable
	}
	if ev&unix.EPOLLOUT != 0 {
		e |= Writable
	}
	if ev&unix.EPOLLHUP != 0 {
		e |= HangUp
	}
	if ev&unix.EPOLLERR != 0 {
		e |= Error
	}
	return e
}

func (b *epollBackend) ctl(op, fd int, mask Event) error {
	ev := unix.EpollEvent{Events: toEpoll(mask), Fd: int32(fd)}
	var evp *unix.EpollEvent
	if op != unix.EPOLL_CTL_DEL {
		evp = &ev
	}
	if err := unix.EpollCtl(b.epfd, op, fd, evp); err != nil {
		return osSyscallError("epoll_ctl", err)
	}
	return nil
}

func (b *epollBackend) register(fd int, mask Event) error {
	return b.ctl(unix.EPOLL_CTL_ADD, fd, mask)
}

func (b *epollBackend) modify(fd int, mask Event) error {
	return b.ctl(unix.EPOLL_CTL_MOD, fd, mask)
}

func (b *epollBackend) unregister(fd int) error {
	return b.ctl(unix.EPOLL_CTL_DEL, fd, 0)
}

func (b *epollBackend) addAcceptor(a *acceptor) error {
	if err := b.ctl(unix.EPOLL_CTL_ADD, a.fd, Readable); err != nil {
		return err
	}
	b.l.handlers[a.fd] = func(int, Event) { b.l.acceptReady(a) }
	b.l.masks[a.fd] = Readable
	return nil
}

func (b *epollBackend) pauseAcceptor(a *acceptor, paused bool) error {
	mask := Readable
	if paused {
		mask = 0
	}
	return b.ctl(unix.EPOLL_CTL_MOD, a.fd, mask)
}

func (b *epollBackend) removeAcceptor(a *acceptor) {
	b.l.handlers[a.fd] = nil
	b.l.masks[a.fd] = 0
	b.ctl(unix.EPOLL_CTL_DEL, a.fd, 0)
}

func (b *epollBackend) addStream(s *stream) error {
	return b.ctl(unix.EPOLL_CTL_ADD, s.fd, Readable)
}

func (b *epollBackend) closeStream(s *stream) {
	b.ctl(unix.EPOLL_CTL_DEL, s.fd, 0)
	unix.Close(s.fd)
	s.out = nil
}

func (b *epollBackend) send(s *stream) {
	if !s.queued {
		s.queued = true
		b.sendQ = append(b.sendQ, s)
	}
}

// flushSends writes every stream sent this iteration: on I/O threads when
// there are enough of them, else one by one.
func (b *epollBackend) flushSends() {
	q := b.sendQ
	if len(q) == 0 {
		return
	}
	l := b.l
	if l.parallel != nil && len(q) >= l.parallelMin {
		l.parallel.Run(len(q), func(i int) {
			s := q[i]
			if !s.closed {
				s.readN, s.readErr = writeFd(s.fd, s.out[s.sent:])
			}
		})
		for i, s := range q {
			q[i] = nil
			s.queued = false
			if !s.closed {
				b.afterWrite(s, s.readN, s.readErr)
			}
		}
	} else {
		for i, s := range q {
			q[i] = nil
			s.queued = false
			if !s.closed {
				n, err := writeFd(s.fd, s.out[s.sent:])
				b.afterWrite(s, n, err)
			}
		}
	}
	b.sendQ = q[:0]
}

// afterWrite accounts a write: a finished send completes, a short one waits
// for the socket to become writable.
func (b *epollBackend) afterWrite(s *stream, n int, err error) {
	if n > 0 {
		s.sent += n
	}
	if s.sent == len(s.out) {
		if b.l.masks[s.fd]&Writable != 0 {
			b.setWritable(s, false)
		}
		b.l.sentAll(s)
		return
	}
	if err != nil && err != unix.EAGAIN {
		b.l.endStream(s, osSyscallError("write", err))
		return
	}
	if b.l.masks[s.fd]&Writable == 0 {
		b.setWritable(s, true)
	}
}

func (b *epollBackend) stopReading(s *stream) {
	mask := Event(0)
	if b.l.masks[s.fd]&Writable != 0 {
		mask = Writable
	}
	if err := b.ctl(unix.EPOLL_CTL_MOD, s.fd, mask); err != nil {
		b.l.endStream(s, err)
		return
	}
	b.l.masks[s.fd] = mask
}

func (b *epollBackend) setWritable(s *stream, on bool) {
	mask := Readable
	if s.eof {
		mask = 0
	}
	if on {
		mask |= Writable
	}
	if err := b.ctl(unix.EPOLL_CTL_MOD, s.fd, mask); err != nil {
		b.l.endStream(s, err)
		return
	}
	b.l.masks[s.fd] = mask
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
		e := fromEpoll(ev.Events)
		if fd < len(l.streams) && l.streams[fd] != nil {
			b.streamEvent(l.streams[fd], e)
			continue
		}
		l.dispatch(fd, e)
	}
	if len(b.readyQ) > 0 {
		b.readBatch()
	}
	if n == len(b.events) && n < epollMaxEvents {
		b.events = make([]unix.EpollEvent, 2*n)
	}
	return nil
}

func (b *epollBackend) streamEvent(s *stream, ev Event) {
	if ev&Writable != 0 && s.sending {
		n, err := writeFd(s.fd, s.out[s.sent:])
		b.afterWrite(s, n, err)
		if s.closed {
			return
		}
	}
	if s.eof {
		if ev&(HangUp|Error) != 0 && !s.sending {
			// The peer is gone entirely and nothing is left to send: the
			// handler has not closed yet, so report it rather than spin.
			b.l.endStream(s, unix.EPIPE)
		}
		return
	}
	if ev&(Readable|HangUp|Error) != 0 {
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
	l.parallel.Run(len(q), func(i int) {
		s := q[i]
		s.readN, s.readErr = readFd(s.fd, s.readBuf)
		if s.readN > 0 {
			if p, ok := s.h.(Preparser); ok {
				p.Preparse(s.readBuf[:s.readN])
			}
		}
	})
	for i, s := range q {
		q[i] = nil
		buf := s.readBuf
		s.readBuf = nil
		if !s.closed {
			b.deliver(s, buf, s.readN, s.readErr)
		}
	}
	b.readyQ = q[:0]
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
