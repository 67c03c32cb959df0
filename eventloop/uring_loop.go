//go:build linux

package eventloop

import (
	"errors"
	"fmt"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// uringBackend is the proactor: the kernel accepts, receives and sends, and
// the loop harvests completions. One io_uring_enter per iteration submits
// every send prepared since the last one and waits for completions.
//
// Buffer ownership: a receive's data lives in a provided buffer owned by the
// kernel until its completion arrives and by the loop until OnData returns,
// when the buffer goes back to the ring. A send's buffer belongs to the
// kernel from submission to completion: the stream keeps a reference to it
// (so the garbage collector cannot free it) and its descriptor is closed only
// after every operation on it has completed.
type uringBackend struct {
	fdOps
	l  *Loop
	r  *uring
	br *bufRing

	active  []*stream // streams by fd, including those closing
	nextGen uint32

	wakefd    int  // the loop's wake-up eventfd, watched with a poll request
	wakeArmed bool // the poll request is in the ring

	publish bool // buffers were returned to the ring since the last publish
	// starved holds the streams whose receive ended with ENOBUFS: every
	// provided buffer was taken. They are re-armed once the ring may hold
	// buffers again; re-arming at once would only earn another ENOBUFS, a
	// completion storm that can overflow the completion queue.
	starved []*stream
	// taken counts the buffers the kernel handed over in completions seen
	// so far; while it trails the published ring tail, the ring may still
	// hold buffers, whenever the ENOBUFS was issued.
	taken uint16
	// consumed counts every buffer handed over (taken wraps); trimSeen is
	// its value at the last TrimIdle, trimmedAt at the last trim.
	consumed, trimSeen, trimmedAt uint64

	// backlog holds completions taken off the queue by sqe to make room;
	// reap handles backlog[backHead:] before the queue.
	backlog  []cqe
	backHead int

	// Spinning before blocking (Options.SpinWait): spinning says whether
	// the next idle wait spins first; shortWaits counts consecutive
	// blocking waits that ended within spinFor.
	spinFor    time.Duration
	spinning   bool
	shortWaits int
	// spinHits and spinMisses count spins that found work and spins that
	// ended in a blocking wait (for tests).
	spinHits, spinMisses uint64
	// makeRooms counts the times the submission queue was full, and
	// makeRoomWaits makeRoom's waits for a completion (for tests).
	makeRooms, makeRoomWaits uint64
}

// spinAfterShortWaits is how many blocking waits in a row must end within
// SpinWait before the loop starts spinning again after a spin came up
// empty.
const spinAfterShortWaits = 2

// Operation kinds, in the top byte of user_data.
const (
	kindWake uint64 = iota + 1
	kindRecv
	kindSend
	kindAccept
	kindCancel
)

const (
	ringEntries    = 1024
	ringCQEntries  = 8192
	recvBufSize    = 16 * 1024
	recvBufEntries = 1024
	// trimAfter is how many receive buffers may cycle between two idle
	// trims before trimIdle releases the ring's pages.
	trimAfter    = 64
	recvBufGroup = 0
	pollIn       = 0x1 // POLLIN
)

func userData(kind uint64, gen uint32, fd int) uint64 {
	return kind<<56 | uint64(gen&0xffffff)<<32 | uint64(uint32(fd))
}

func splitUserData(u uint64) (kind uint64, gen uint32, fd int) {
	return u >> 56, uint32(u>>32) & 0xffffff, int(uint32(u))
}

func newUringBackend(l *Loop, opts Options) (*uringBackend, error) {
	entries, cqEntries, bufs := uint32(ringEntries), uint32(ringCQEntries), uint16(recvBufEntries)
	if opts.ringEntries > 0 {
		entries = opts.ringEntries
	}
	if opts.ringCQEntries > 0 {
		cqEntries = opts.ringCQEntries
	}
	if opts.recvBuffers > 0 {
		bufs = opts.recvBuffers
	}
	r, err := newUring(entries, cqEntries, setupCoopTaskrun|setupTaskrunFlag|setupSubmitAll)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrUnsupported, err)
	}
	if r.features&featNoDrop == 0 || r.features&featExtArg == 0 || !r.probe(opAccept, opRecv, opSend, opCancel) {
		r.close()
		return nil, fmt.Errorf("%w: io_uring lacks needed features (kernel too old)", ErrUnsupported)
	}
	br, err := r.newBufRing(recvBufGroup, bufs, recvBufSize)
	if err != nil {
		r.close()
		return nil, fmt.Errorf("%w: %w", ErrUnsupported, err)
	}
	return &uringBackend{l: l, r: r, br: br, spinFor: opts.SpinWait, wakefd: -1}, nil
}

// sqe returns a free submission entry. When the queue is full it submits
// and reaps until there is room; it never sleeps on the loop's thread.
func (b *uringBackend) sqe() *sqe {
	for {
		if s := b.r.getSQE(); s != nil {
			return s
		}
		b.makeRoom()
	}
}

// makeRoom submits the queued entries. The io_uring_enter also moves
// completions that overflowed back into the completion queue; every
// completion there is then moved to the backlog, unhandled (sqe is called
// from inside handlers, which must never be re-entered), so that the kernel
// has room to post more. If the kernel refused the submission and there was
// nothing to reap, it waits in the kernel for the next completion (bounded
// by makeRoomWait): an operation finishing is what frees the resources the
// kernel lacked, and the wait ends as soon as one does.
func (b *uringBackend) makeRoom() {
	b.makeRooms++
	_, err := b.r.enter(0, nil)
	if b.stash() > 0 || err == nil {
		return
	}
	b.makeRoomWaits++
	ts := unix.NsecToTimespec(int64(makeRoomWait))
	b.r.enter(1, &ts)
	b.stash()
}

// makeRoomWait bounds makeRoom's wait for a completion.
const makeRoomWait = time.Millisecond

// stash moves every completion in the queue to the backlog, which reap
// handles before the queue, and returns how many it moved.
func (b *uringBackend) stash() int {
	n := 0
	for c := b.r.peekCQE(); c != nil; c = b.r.peekCQE() {
		b.backlog = append(b.backlog, *c)
		b.r.advanceCQ(1)
		n++
	}
	return n
}

func (b *uringBackend) gen() uint32 {
	b.nextGen = (b.nextGen + 1) & 0xffffff
	return b.nextGen
}

func (b *uringBackend) growActive(fd int) {
	for fd >= len(b.active) {
		n := max(2*len(b.active), 64, fd+1)
		b.active = append(b.active, make([]*stream, n-len(b.active))...)
	}
}

// ---- the wake-up descriptor ----

func (b *uringBackend) watchWake(fd int) error {
	b.wakefd = fd
	b.armWake()
	return nil
}

// armWake asks the kernel to report when the wake-up eventfd is readable.
func (b *uringBackend) wake() { wakeFd(b.wakefd) }

func (b *uringBackend) armWake() {
	if b.wakeArmed || b.wakefd < 0 {
		return
	}
	s := b.sqe()
	s.opcode = opPollAdd
	s.fd = int32(b.wakefd)
	s.opFlags = pollIn
	s.userData = userData(kindWake, 0, b.wakefd)
	b.wakeArmed = true
}

func (b *uringBackend) onWake(res int32) {
	b.wakeArmed = false
	if res >= 0 {
		b.l.onWake(b.wakefd)
	}
	b.armWake()
}

// ---- acceptors ----

func (b *uringBackend) armAccept(a *acceptor) {
	if a.armed || a.paused || a.removed {
		return
	}
	s := b.sqe()
	s.opcode = opAccept
	s.fd = int32(a.fd)
	s.ioprio = acceptMultishot
	s.opFlags = unix.SOCK_NONBLOCK | unix.SOCK_CLOEXEC
	s.userData = userData(kindAccept, a.gen, a.fd)
	a.armed = true
	a.inflight++
}

func (b *uringBackend) cancel(target uint64, fd int) {
	s := b.sqe()
	s.opcode = opCancel
	s.fd = -1
	s.addr = target
	s.userData = userData(kindCancel, 0, fd)
}

func (b *uringBackend) addAcceptor(a *acceptor) error {
	a.gen = b.gen()
	b.armAccept(a)
	return nil
}

func (b *uringBackend) pauseAcceptor(a *acceptor, paused bool) error {
	a.paused = paused
	if paused {
		if a.armed {
			b.cancel(userData(kindAccept, a.gen, a.fd), a.fd)
		}
	} else {
		b.armAccept(a)
	}
	return nil
}

func (b *uringBackend) removeAcceptor(a *acceptor) {
	a.removed = true
	if a.armed {
		b.cancel(userData(kindAccept, a.gen, a.fd), a.fd)
	}
}

func (b *uringBackend) findAcceptor(gen uint32, fd int) *acceptor {
	for _, a := range b.l.acceptors {
		if a.fd == fd && a.gen == gen {
			return a
		}
	}
	return nil
}

func (b *uringBackend) onAccept(gen uint32, fd int, res int32, flags uint32) {
	a := b.findAcceptor(gen, fd)
	if flags&cqeFMore == 0 && a != nil {
		a.armed = false
		a.inflight--
	}
	if res >= 0 {
		if a == nil || a.removed {
			unix.Close(int(res))
			return
		}
		sa, err := unix.Getpeername(int(res))
		if err != nil {
			unix.Close(int(res))
			return
		}
		a.onAccept(int(res), sa)
	} else if a != nil && res != -int32(unix.ECANCELED) && res != -int32(unix.EAGAIN) && res != -int32(unix.ECONNABORTED) && a.onError != nil {
		a.onError(osSyscallError("accept", unix.Errno(-res)))
	}
	if a != nil && !a.armed {
		b.armAccept(a)
	}
}

// ---- streams ----

func (b *uringBackend) armRecv(s *stream) {
	if s.recvOn || s.closed || s.eof {
		return
	}
	q := b.sqe()
	q.opcode = opRecv
	q.fd = int32(s.fd)
	q.ioprio = recvMultishot
	q.flags = sqeBufferSelect
	q.bufIndex = recvBufGroup
	q.userData = userData(kindRecv, s.gen, s.fd)
	s.recvOn = true
	s.inflight++
}

func (b *uringBackend) addStream(s *stream) error {
	b.growActive(s.fd)
	if old := b.active[s.fd]; old != nil {
		return unix.EBUSY // the previous stream on this fd still has operations in flight
	}
	s.gen = b.gen()
	b.active[s.fd] = s
	b.armRecv(s)
	return nil
}

func (b *uringBackend) stream(gen uint32, fd int) *stream {
	if fd < len(b.active) {
		if s := b.active[fd]; s != nil && s.gen == gen {
			return s
		}
	}
	return nil
}

func (b *uringBackend) onRecv(gen uint32, fd int, res int32, flags uint32) {
	s := b.stream(gen, fd)
	if flags&cqeFBuffer != 0 {
		id := uint16(flags >> cqeBufferShift)
		if s != nil && !s.closed && res > 0 {
			s.h.OnData(b.br.buf(id)[:res])
		}
		b.br.add(id)
		b.taken++
		b.consumed++
		b.publish = true
	}
	if s == nil {
		return
	}
	if flags&cqeFMore == 0 {
		s.recvOn = false
		s.inflight--
	}
	switch {
	case s.closed:
	case res == 0:
		b.l.peerEOF(s)
	case res < 0 && res == -int32(unix.ENOBUFS):
		// Every provided buffer was in use: receive again once some are back.
		if !s.recvOn {
			b.starved = append(b.starved, s)
		}
		b.maybeFinish(s)
		return
	case res < 0 && res != -int32(unix.ECANCELED):
		b.l.endStream(s, osSyscallError("recv", unix.Errno(-res)))
	}
	if !s.closed && !s.recvOn && !s.eof {
		b.armRecv(s)
	}
	b.maybeFinish(s)
}

// trimIdle releases the pages of the receive buffers once the loop has
// received nothing since the last call, if more than trimAfter buffers
// were used since the last trim (a burst through one connection touches
// all of them): an idle server does not keep the whole ring resident.
//
// It runs on the loop's goroutine between completions, with none waiting
// in the completion queue or the backlog, so no buffer holds data not yet
// consumed. The kernel copies received data into a buffer only in this
// thread's task work (the ring is set up with cooperative task running,
// and socket receives complete through poll wake-ups queued as task work),
// which runs when the thread returns to user space: never during the
// madvise, so a buffer it picks afterwards is simply faulted in afresh.
func (b *uringBackend) trimIdle() {
	if b.consumed != b.trimSeen {
		b.trimSeen = b.consumed
		return
	}
	if b.consumed-b.trimmedAt <= trimAfter || b.backHead < len(b.backlog) || b.r.peekCQE() != nil {
		return
	}
	unix.Madvise(b.br.bufs, unix.MADV_DONTNEED)
	b.trimmedAt = b.consumed
}

func (b *uringBackend) stopReading(s *stream) {
	if s.recvOn {
		b.cancel(userData(kindRecv, s.gen, s.fd), s.fd)
	}
}

// submitSend prepares a send of out, which the kernel reads until the
// send completes: the stream holds on to it meanwhile.
func (b *uringBackend) submitSend(s *stream, out []byte) {
	q := b.sqe()
	q.opcode = opSend
	q.fd = int32(s.fd)
	q.addr = uint64(uintptr(unsafe.Pointer(&out[0])))
	q.len = uint32(min(len(out), 1<<30))
	q.opFlags = unix.MSG_NOSIGNAL
	q.userData = userData(kindSend, s.gen, s.fd)
	s.writing, s.held = true, out
	s.inflight++
}

// flush prepares a send of the output of every stream flushed this
// iteration; the wait's io_uring_enter submits them all at once.
func (b *uringBackend) flush(q []*stream) {
	for _, s := range q {
		if s.closed {
			continue
		}
		if out := s.h.Output(); len(out) > 0 {
			b.submitSend(s, out)
		}
	}
}

func (b *uringBackend) onSend(gen uint32, fd int, res int32) {
	s := b.stream(gen, fd)
	if s == nil {
		return
	}
	s.writing, s.held = false, nil
	s.inflight--
	switch {
	case s.closed:
	case res < 0:
		b.l.endStream(s, osSyscallError("send", unix.Errno(-res)))
	default:
		if res > 0 {
			s.h.OnWritten(int(res))
		}
		// The rest of a short send, or output added since, goes with the
		// next submission.
		if !s.closed {
			if out := s.h.Output(); len(out) > 0 {
				b.submitSend(s, out)
			}
		}
	}
	b.maybeFinish(s)
}

func (b *uringBackend) closeStream(s *stream) {
	s.closing = true
	if s.inflight > 0 {
		// Ask the kernel to finish every operation on the descriptor; the
		// descriptor is closed (and the send buffer released) when the last
		// completion arrives.
		q := b.sqe()
		q.opcode = opCancel
		q.fd = int32(s.fd)
		q.opFlags = asyncCancelFD | asyncCancelAll
		q.userData = userData(kindCancel, 0, s.fd)
		return
	}
	b.maybeFinish(s)
}

// maybeFinish closes a closing stream's descriptor once nothing is in flight.
func (b *uringBackend) maybeFinish(s *stream) {
	if !s.closing || s.inflight > 0 {
		return
	}
	if b.active[s.fd] == s {
		b.active[s.fd] = nil
	}
	unix.Close(s.fd)
	s.closing = false
}

// ---- waiting ----

func (b *uringBackend) wait(msec int) error {
	if b.publish {
		b.br.publish()
		b.publish = false
	}
	if len(b.starved) > 0 && b.br.published != b.taken {
		// An ENOBUFS may have been issued before buffers were published,
		// its completion seen after: retry unless the ring is known empty.
		for i, s := range b.starved {
			b.starved[i] = nil
			b.armRecv(s) // skips streams closed meanwhile
		}
		b.starved = b.starved[:0]
	}
	var ts *unix.Timespec
	minComplete := uint32(1)
	switch {
	case msec == 0:
		minComplete = 0
	case msec > 0:
		t := unix.NsecToTimespec(int64(msec) * 1e6)
		ts = &t
	}
	if b.r.peekCQE() != nil || b.backHead < len(b.backlog) {
		minComplete = 0
	}
	if minComplete == 0 || b.spinFor <= 0 {
		if err := b.enter(minComplete, ts); err != nil {
			return err
		}
	} else if err := b.idleWait(ts); err != nil {
		return err
	}
	for rounds := 0; rounds < 4; rounds++ {
		n := b.reap()
		if n == 0 && !b.r.needsFlush() {
			break
		}
		if b.r.needsFlush() {
			// Completions overflowed into the kernel or task work is
			// pending: enter again to collect them.
			if err := b.enter(0, nil); err != nil {
				return err
			}
		}
	}
	return nil
}

// enter submits what is queued and, with minComplete 1, waits for a
// completion or the timeout.
func (b *uringBackend) enter(minComplete uint32, ts *unix.Timespec) error {
	if _, err := b.r.enter(minComplete, ts); err != nil && !errors.Is(err, unix.ETIME) && !errors.Is(err, unix.EINTR) && !errors.Is(err, unix.EBUSY) {
		return fmt.Errorf("eventloop: %w", err)
	}
	return nil
}

// idleWait waits for a completion when none is ready, with spinning
// enabled. While recent waits have been short it submits what is queued,
// then watches the completion queue and the kernel's task-work flag for up
// to spinFor before it blocks; a spin that comes up empty turns spinning
// off until spinAfterShortWaits blocking waits in a row have again ended
// within spinFor. A blocking wait costs the thread that completes it a
// wake-up and this thread a sleep; a spin costs only the time spun.
func (b *uringBackend) idleWait(ts *unix.Timespec) error {
	if b.spinning {
		if err := b.enter(0, nil); err != nil {
			return err
		}
		deadline := time.Now().Add(b.spinFor)
		for {
			if b.r.peekCQE() != nil || b.r.needsFlush() {
				b.spinHits++
				return nil // wait's reaping enters the kernel if task work is pending
			}
			if time.Now().After(deadline) {
				break
			}
		}
		b.spinning, b.shortWaits = false, 0
		b.spinMisses++
	}
	start := time.Now()
	if err := b.enter(1, ts); err != nil {
		return err
	}
	if time.Since(start) < b.spinFor {
		b.shortWaits++
		b.spinning = b.shortWaits >= spinAfterShortWaits
	} else {
		b.shortWaits = 0
	}
	return nil
}

// reap handles every completion in the backlog and the queue, oldest
// first, and returns how many.
func (b *uringBackend) reap() int {
	n := 0
	for {
		var ud uint64
		var res int32
		var flags uint32
		if b.backHead < len(b.backlog) {
			c := &b.backlog[b.backHead]
			b.backHead++
			ud, res, flags = c.userData, c.res, c.flags
		} else {
			b.backlog, b.backHead = b.backlog[:0], 0
			c := b.r.peekCQE()
			if c == nil {
				return n
			}
			ud, res, flags = c.userData, c.res, c.flags
			b.r.advanceCQ(1)
		}
		n++
		kind, gen, fd := splitUserData(ud)
		switch kind {
		case kindWake:
			b.onWake(res)
		case kindRecv:
			b.onRecv(gen, fd, res, flags)
		case kindSend:
			b.onSend(gen, fd, res)
		case kindAccept:
			b.onAccept(gen, fd, res, flags)
		}
	}
}

func (b *uringBackend) close() error {
	for fd, s := range b.active {
		if s != nil {
			// Requests still in the ring hold the file until the kernel has
			// cancelled them, after close returns: shut the connection down
			// now so that the peer sees it closed at once.
			unix.Shutdown(fd, unix.SHUT_RDWR)
			unix.Close(fd)
			b.active[fd] = nil
		}
	}
	b.br.close()
	b.r.close()
	return nil
}
