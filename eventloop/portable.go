package eventloop

import (
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"syscall"
	"time"
)

// The portable backend runs on Go's own netpoller, so it builds and runs
// wherever Go does. Every connection has a reader goroutine and a writer
// goroutine doing blocking I/O on a net.Conn, and every listener an accept
// goroutine; they hand what happened to the loop goroutine through one
// channel, and the loop runs the handlers, in order, as the other backends
// do. Identifiers stand in for descriptors: AddListener and the accept
// goroutines give each listener and connection the lowest free one, and
// every method taking an fd takes these.
//
// Buffer ownership: a connection's read buffer belongs to its reader until
// the reader posts a read, then to the loop until the handler's OnData has
// returned and the loop hands it back (pconn.ack). The bytes a handler's
// Output returned belong to the writer from the time the loop passes them
// on until the write's completion reaches the loop (stream.writing).

// portableReadSize is each connection's read buffer.
const portableReadSize = 16 * 1024

// portableBatch bounds the events handled per wait once one has arrived, so
// that timers and before-sleep hooks still run under a flood.
const portableBatch = 512

// pevent kinds.
const (
	pevRead = iota
	pevWrite
	pevAccept
	pevAcceptErr
)

// pevent is what a goroutine of the portable backend reports to the loop.
type pevent struct {
	kind int
	s    *stream
	a    *acceptor
	conn net.Conn
	n    int
	err  error
}

// pconn is a connection's portable-backend state.
type pconn struct {
	c    net.Conn
	buf  []byte
	ack  chan struct{} // the loop is done with buf: read again
	out  chan []byte   // output for the writer
	quit chan struct{} // closed when the stream is closed

	// The writer's last result, set as soon as its write returns and
	// taken by the loop (completeWrite) at the write's event or at the
	// stream's next read, whichever comes first: a peer that got a reply
	// and sent its next command must find the reply counted as written,
	// even if the writer has not posted the event yet.
	mu    sync.Mutex
	wdone bool
	wn    int
	werr  error
}

type portableBackend struct {
	l     *Loop
	evc   chan pevent
	wakec chan struct{}
	timer *time.Timer
	// slots holds, by identifier, the connections accepted or added and
	// not yet closed; used marks every identifier taken (listeners too).
	slots []net.Conn
	used  []bool
	wg    sync.WaitGroup
}

func newPortableBackend(l *Loop) *portableBackend {
	t := time.NewTimer(time.Hour)
	t.Stop()
	return &portableBackend{l: l, evc: make(chan pevent, 1024), wakec: make(chan struct{}, 1), timer: t}
}

// alloc returns the lowest free identifier.
func (b *portableBackend) alloc() int {
	for id, u := range b.used {
		if !u {
			b.used[id] = true
			return id
		}
	}
	b.used = append(b.used, true)
	b.slots = append(b.slots, nil)
	return len(b.used) - 1
}

func (b *portableBackend) free(id int) {
	if id >= 0 && id < len(b.used) {
		b.used[id] = false
		b.slots[id] = nil
	}
}

func (b *portableBackend) conn(fd int) net.Conn {
	if fd < 0 || fd >= len(b.slots) {
		return nil
	}
	return b.slots[fd]
}

func (b *portableBackend) wake() {
	select {
	case b.wakec <- struct{}{}:
	default:
	}
}

func (b *portableBackend) wait(msec int) error {
	switch {
	case msec == 0:
		select {
		case ev := <-b.evc:
			b.handle(ev)
		case <-b.wakec:
			b.l.wakePending.Store(false)
		default:
			return nil
		}
	case msec < 0:
		select {
		case ev := <-b.evc:
			b.handle(ev)
		case <-b.wakec:
			b.l.wakePending.Store(false)
		}
	default:
		b.timer.Reset(time.Duration(msec) * time.Millisecond)
		select {
		case ev := <-b.evc:
			b.handle(ev)
		case <-b.wakec:
			b.l.wakePending.Store(false)
		case <-b.timer.C:
		}
		if !b.timer.Stop() {
			select {
			case <-b.timer.C:
			default:
			}
		}
	}
	for i := 0; i < portableBatch; i++ {
		select {
		case ev := <-b.evc:
			b.handle(ev)
		default:
			return nil
		}
	}
	return nil
}

func (b *portableBackend) handle(ev pevent) {
	switch ev.kind {
	case pevRead:
		s := ev.s
		if s.closed {
			return
		}
		if s.writing {
			b.completeWrite(s)
			if s.closed {
				return
			}
		}
		if ev.n > 0 {
			s.h.OnData(s.pc.buf[:ev.n])
			if s.closed {
				return
			}
		}
		switch {
		case ev.err == nil:
			s.pc.ack <- struct{}{}
		case errors.Is(ev.err, io.EOF):
			b.l.peerEOF(s)
		default:
			b.l.endStream(s, fmt.Errorf("read: %w", ev.err))
		}
	case pevWrite:
		if !ev.s.closed {
			b.completeWrite(ev.s)
		}
	case pevAccept:
		a := ev.a
		if a.removed {
			ev.conn.Close()
			return
		}
		id := b.alloc()
		b.slots[id] = ev.conn
		a.onConn(id, ev.conn.RemoteAddr())
	case pevAcceptErr:
		a := ev.a
		if a.removed {
			return
		}
		if a.onError != nil {
			a.onError(ev.err)
		}
		if !a.paused {
			b.resume(a)
		}
	}
}

// completeWrite takes the result of s's last write, if the writer has
// one, and reports it to the handler; then it sends what the handler has
// added meanwhile.
func (b *portableBackend) completeWrite(s *stream) {
	pc := s.pc
	pc.mu.Lock()
	if !pc.wdone {
		pc.mu.Unlock()
		return
	}
	n, err := pc.wn, pc.werr
	pc.wdone, pc.werr = false, nil
	pc.mu.Unlock()
	s.writing = false
	if n > 0 {
		s.h.OnWritten(n)
		if s.closed {
			return
		}
	}
	if err != nil {
		b.l.endStream(s, fmt.Errorf("write: %w", err))
		return
	}
	b.send(s)
}

// send hands s's output, if any, to its writer.
func (b *portableBackend) send(s *stream) {
	out := s.h.Output()
	if len(out) == 0 {
		return
	}
	s.writing = true
	s.pc.out <- out
}

func (b *portableBackend) flush(q []*stream) {
	for _, s := range q {
		if !s.closed && !s.writing {
			b.send(s)
		}
	}
}

func (b *portableBackend) addStream(s *stream) error {
	c := b.conn(s.fd)
	if c == nil {
		return syscall.EBADF
	}
	pc := &pconn{
		c:    c,
		buf:  make([]byte, portableReadSize),
		ack:  make(chan struct{}, 1),
		out:  make(chan []byte, 1),
		quit: make(chan struct{}),
	}
	s.pc = pc
	b.wg.Add(2)
	go b.reader(s, pc)
	go b.writer(s, pc)
	return nil
}

// reader reads s's connection, one read at a time: it waits for the loop
// to be done with the buffer before it reads again.
func (b *portableBackend) reader(s *stream, pc *pconn) {
	defer b.wg.Done()
	for {
		n, err := pc.c.Read(pc.buf)
		select {
		case b.evc <- pevent{kind: pevRead, s: s, n: n, err: err}:
		case <-pc.quit:
			return
		}
		if err != nil {
			return
		}
		select {
		case <-pc.ack:
		case <-pc.quit:
			return
		}
	}
}

// writer writes the output the loop hands it, all of it, and reports.
func (b *portableBackend) writer(s *stream, pc *pconn) {
	defer b.wg.Done()
	for {
		select {
		case out := <-pc.out:
			n, err := pc.c.Write(out)
			pc.mu.Lock()
			pc.wdone, pc.wn, pc.werr = true, n, err
			pc.mu.Unlock()
			select {
			case b.evc <- pevent{kind: pevWrite, s: s}:
			case <-pc.quit:
				return
			}
		case <-pc.quit:
			return
		}
	}
}

// stopReading: the reader stopped on its own after the EOF it reported.
func (b *portableBackend) stopReading(s *stream) {}

func (b *portableBackend) closeStream(s *stream) {
	if s.pc != nil {
		close(s.pc.quit)
		s.pc.c.Close()
	}
	b.free(s.fd)
}

func (b *portableBackend) addAcceptor(a *acceptor) error {
	if a.ln == nil {
		return ErrUnsupported
	}
	a.quit = make(chan struct{})
	a.resume = make(chan struct{}, 1)
	b.wg.Add(1)
	go b.acceptLoop(a)
	return nil
}

// acceptLoop accepts connections on a's listener until it is closed. After
// an error it waits for the loop to resume it (see PauseAcceptor).
func (b *portableBackend) acceptLoop(a *acceptor) {
	defer b.wg.Done()
	for {
		c, err := a.ln.Accept()
		if err != nil {
			select {
			case <-a.quit:
				return
			default:
			}
			if errors.Is(err, net.ErrClosed) {
				return
			}
			select {
			case b.evc <- pevent{kind: pevAcceptErr, a: a, err: fmt.Errorf("accept: %w", err)}:
			case <-a.quit:
				return
			}
			select {
			case <-a.resume:
			case <-a.quit:
				return
			}
			continue
		}
		select {
		case b.evc <- pevent{kind: pevAccept, a: a, conn: c}:
		case <-a.quit:
			c.Close()
			return
		}
	}
}

func (b *portableBackend) resume(a *acceptor) {
	select {
	case a.resume <- struct{}{}:
	default:
	}
}

func (b *portableBackend) pauseAcceptor(a *acceptor, paused bool) error {
	if !paused {
		b.resume(a)
	}
	return nil
}

// removeAcceptor stops a's goroutine, which means closing its listener.
func (b *portableBackend) removeAcceptor(a *acceptor) {
	if a.removed {
		return
	}
	a.removed = true
	close(a.quit)
	a.ln.Close()
	b.free(a.fd)
}

// close closes the listeners still accepting (their goroutines wait in
// Accept) and the connections accepted but never added, and waits for
// every goroutine of the backend to end.
func (b *portableBackend) close() error {
	for _, a := range b.l.acceptors {
		b.removeAcceptor(a)
	}
	b.l.acceptors = nil
	for id, c := range b.slots {
		if c != nil {
			c.Close()
			b.free(id)
		}
	}
	b.wg.Wait()
	return nil
}

func (b *portableBackend) writeNow(fd int, p []byte) (int, error) {
	c := b.conn(fd)
	if c == nil {
		return 0, ErrClosed
	}
	c.SetWriteDeadline(time.Now().Add(10 * time.Millisecond))
	n, err := c.Write(p)
	c.SetWriteDeadline(time.Time{})
	return n, err
}

func (b *portableBackend) reject(fd int, msg []byte) {
	c := b.conn(fd)
	if c == nil {
		return
	}
	c.SetDeadline(time.Now().Add(10 * time.Millisecond))
	c.Write(msg)
	c.SetReadDeadline(time.Now().Add(time.Millisecond))
	var sink [4096]byte
	c.Read(sink[:])
	c.Close()
	b.free(fd)
}

func (b *portableBackend) tuneTCP(fd int, secs int) {
	tc, ok := b.conn(fd).(*net.TCPConn)
	if !ok {
		return
	}
	tc.SetNoDelay(true)
	if secs > 0 {
		tc.SetKeepAliveConfig(net.KeepAliveConfig{
			Enable:   true,
			Idle:     time.Duration(secs) * time.Second,
			Interval: time.Duration(max(secs/3, 1)) * time.Second,
			Count:    3,
		})
	}
}

func (b *portableBackend) localAddr(fd int) net.Addr {
	if c := b.conn(fd); c != nil {
		return c.LocalAddr()
	}
	return nil
}

// AddListener starts accepting connections on ln (portable backend only):
// each accepted connection gets an identifier, used like a descriptor with
// AddStream, Reject, TuneTCP and the rest, and goes to onAccept with its
// peer address. onError is told of accept errors; it may pause the
// acceptor (PauseAcceptor), which then waits until resumed before it tries
// again, else it tries again at once. AddListener returns the listener's
// identifier, for PauseAcceptor and RemoveAcceptor; RemoveAcceptor, and
// Close for a listener still accepting, close ln (its goroutine waits in
// Accept).
func (l *Loop) AddListener(ln net.Listener, onAccept func(id int, peer net.Addr), onError func(err error)) (int, error) {
	if l.closed {
		return -1, ErrClosed
	}
	b, ok := l.be.(*portableBackend)
	if !ok {
		return -1, fmt.Errorf("eventloop: add listener: %w on the %v backend", ErrUnsupported, l.backend)
	}
	id := b.alloc()
	a := &acceptor{fd: id, onConn: onAccept, onError: onError, ln: ln}
	if err := b.addAcceptor(a); err != nil {
		b.free(id)
		return -1, fmt.Errorf("eventloop: add listener: %w", err)
	}
	l.acceptors = append(l.acceptors, a)
	return id, nil
}

// AddConn starts driving connection c (portable backend only), as
// AddStream does a socket, and returns its identifier.
func (l *Loop) AddConn(c net.Conn, h StreamHandler) (int, error) {
	if l.closed {
		return -1, ErrClosed
	}
	b, ok := l.be.(*portableBackend)
	if !ok {
		return -1, fmt.Errorf("eventloop: add conn: %w on the %v backend", ErrUnsupported, l.backend)
	}
	id := b.alloc()
	b.slots[id] = c
	if err := l.AddStream(id, h); err != nil {
		b.free(id)
		return -1, err
	}
	return id, nil
}
