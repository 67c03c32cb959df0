//go:build linux

package eventloop

import "golang.org/x/sys/unix"

// PollNested runs one iteration of I/O from inside a handler, without
// waiting: the writes of flushed streams are done (or submitted), and the
// streams and acceptors that are ready are served, their handlers called
// as usual. Timers, before-sleep hooks and submitted functions are not
// run: they belong to the outer iteration. It is what a server uses to
// keep answering clients while one command runs for a long time (a busy
// script), as Redis's processEventsWhileBlocked.
//
// A handler on the stack (the one that called PollNested) may get more
// data for its own stream meanwhile; it must be ready for that. Data
// handed to a handler earlier in the outer iteration is left intact: the
// nested reads go to buffers of their own.
func (l *Loop) PollNested() error {
	if l.closed {
		return ErrClosed
	}
	if len(l.flushQ) > 0 {
		l.flush()
	}
	switch be := l.be.(type) {
	case *epollBackend:
		return be.waitNested()
	default:
		// io_uring: completions are taken off the queue before they are
		// handled and provided buffers are returned after their
		// handler, so a nested wait sees only new completions.
		return l.be.wait(0)
	}
}

// waitNested is wait(0) with its own event and read buffers, reading on
// the loop goroutine only.
func (b *epollBackend) waitNested() error {
	if b.nestedEvents == nil {
		b.nestedEvents = make([]unix.EpollEvent, 128)
		b.nestedRbuf = make([]byte, loopReadSize)
	}
	n, err := unix.EpollWait(b.epfd, b.nestedEvents, 0)
	if err != nil {
		if err == unix.EINTR {
			return nil
		}
		return osSyscallError("epoll_wait", err)
	}
	l := b.l
	for i := 0; i < n; i++ {
		ev := &b.nestedEvents[i]
		fd := int(ev.Fd)
		if fd < len(l.streams) && l.streams[fd] != nil {
			s := l.streams[fd]
			e := fromEpoll(ev.Events)
			if e&writable != 0 && s.writing {
				b.writeMore(s)
				if s.closed {
					continue
				}
			}
			if s.eof {
				if e&(hangUp|errorEv) != 0 && !s.writing {
					l.endStream(s, unix.EPIPE)
				}
				continue
			}
			if e&(readable|hangUp|errorEv) != 0 {
				rn, rerr := readFd(s.fd, b.nestedRbuf)
				b.deliver(s, b.nestedRbuf, rn, rerr)
			}
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
	return nil
}
