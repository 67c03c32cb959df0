// Package eventloop is kvd's event loop: one goroutine, locked to its OS
// thread, waits for I/O, runs handlers, fires timers, and runs before-sleep
// hooks before it waits again.
//
// It offers two styles of I/O over one API, on either of two backends:
//
//   - Readiness (the Reactor pattern): Register a descriptor and a Handler;
//     the loop reports when it is readable or writable and the handler does
//     the I/O itself. Level-triggered.
//   - Streams (the Proactor pattern): AddStream a connected socket and a
//     StreamHandler; the loop delivers received bytes (OnData), writes what
//     Send hands it and reports completion (OnSent), and reports the end of
//     the connection (OnClosed). AddAcceptor does the same for listening
//     sockets.
//
// The epoll backend (the default) implements readiness natively and streams
// on top of it, optionally fanning stream reads and writes out to I/O
// threads (SetParallel). The io_uring backend implements streams natively
// (multishot accept, multishot receive into a provided-buffer ring, sends
// submitted in one io_uring_enter per iteration) and readiness with poll
// requests. Callers choose with Options.Backend.
//
// It knows file descriptors, not clients or protocols. Every method except
// Wake, Submit and Stop must be called from the loop goroutine (or before Run
// starts); handlers, timers and hooks run on that goroutine.
package eventloop

import (
	"errors"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"
)

// Event is a set of readiness conditions.
type Event uint32

// Readiness conditions. HangUp and Error are always reported; a handler that
// gets them should read or write to learn what happened.
const (
	Readable Event = 1 << iota
	Writable
	HangUp
	Error
)

// Handler handles readiness of fd. ev holds what is ready.
type Handler func(fd int, ev Event)

// ErrClosed is returned by methods called after Close.
var ErrClosed = errors.New("eventloop: closed")

// Backend selects how the loop waits for and performs I/O.
type Backend int

// Backends.
const (
	// Epoll is the readiness-based reactor backend (the default).
	Epoll Backend = iota
	// IOUring is the completion-based proactor backend.
	IOUring
)

// String returns the backend's name.
func (b Backend) String() string {
	if b == IOUring {
		return "io_uring"
	}
	return "epoll"
}

// Options configure a loop.
type Options struct {
	// Backend is the I/O backend. New fails with an error wrapping
	// ErrUnsupported if IOUring is asked for and the kernel refuses it.
	Backend Backend

	// SpinWait, for the io_uring backend, is how long a busy loop watches
	// its completion queue (in user space, without sleeping) before it
	// blocks in the kernel; zero never spins. The loop spins only while
	// waits have been turning out shorter than SpinWait (see
	// uringBackend.idleWait), so an idle or lightly loaded loop sleeps at once.
	// Spinning spares the peer that wakes the loop a cross-CPU wake-up and
	// the loop's CPU a sleep and wake-up, for the CPU time spent spinning.
	SpinWait time.Duration

	// Ring sizes for the io_uring backend; zero means the default. Tests
	// shrink them to drive the backend into buffer exhaustion and
	// completion-queue overflow with few connections.
	ringEntries, ringCQEntries uint32
	recvBuffers                uint16
}

// ErrUnsupported is wrapped by New's error when the requested backend is
// not available on this system.
var ErrUnsupported = errors.New("eventloop: backend unsupported")

// backend is what a Loop needs from an I/O mechanism.
type backend interface {
	register(fd int, mask Event) error
	modify(fd int, mask Event) error
	unregister(fd int) error
	addStream(s *stream) error
	addAcceptor(a *acceptor) error
	pauseAcceptor(a *acceptor, paused bool) error
	removeAcceptor(a *acceptor)
	// send starts writing s.out[s.sent:]; flushSends is called once per
	// iteration to write (epoll) or submit (io_uring) what was sent.
	send(s *stream)
	flushSends()
	closeStream(s *stream)
	// stopReading stops receiving on s (after the peer's EOF).
	stopReading(s *stream)
	// wait waits up to msec milliseconds (-1: no limit, 0: poll) and
	// dispatches what happened.
	wait(msec int) error
	// wakeFd is written to by Wake.
	close() error
}

// Loop is an event loop. Create one with New or NewWithOptions.
type Loop struct {
	be      backend
	backend Backend
	wakefd  int

	handlers  []Handler // readiness handlers, indexed by fd
	masks     []Event   // registered interest, indexed by fd
	streams   []*stream // indexed by fd
	acceptors []*acceptor

	timers      []*timer // unordered; there are few
	nextTimerID int64

	beforeSleep   []func()
	parallel      Parallel
	parallelMin   int
	parallelReads bool

	wakePending atomic.Bool
	stopping    atomic.Bool

	mu           sync.Mutex // guards submitted
	submitted    []func()
	hasSubmitted atomic.Bool
	running      []func() // the batch being run, reused

	closed     bool
	iterations uint64

	// yield is called by Run at least every yieldEvery (runtime.Gosched;
	// tests count the calls).
	yield      func()
	yieldEvery time.Duration
}

// yieldEvery is how often Run passes through the Go scheduler. The loop
// goroutine never blocks in the scheduler on its own (it waits in system
// calls), so without this the runtime's monitor thread (sysmon) sees it
// running the same time slice for ever: every 10 ms it sends it a
// preemption signal and takes its P away, and each time it drops back to
// checking every 20 µs for a millisecond or more. Those wake-ups run on the
// loop's core; measured on a 2-core VM at -c 50 -P 1 they cost 12-20% of
// the server's CPU (thousands of context switches a second). Yielding well
// inside the 10 ms keeps sysmon asleep, for two thread switches (the loop
// goroutine is locked to its thread) every few milliseconds.
const yieldEvery = 5 * time.Millisecond

type timer struct {
	id   int64
	when time.Time
	f    func() time.Duration
}

// New creates a loop on the epoll backend.
func New() (*Loop, error) { return NewWithOptions(Options{}) }

// NewWithOptions creates a loop with the given options.
func NewWithOptions(opts Options) (*Loop, error) {
	wakefd, err := unix.Eventfd(0, unix.EFD_NONBLOCK|unix.EFD_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("eventloop: %w", osSyscallError("eventfd", err))
	}
	l := &Loop{wakefd: wakefd, backend: opts.Backend, yield: runtime.Gosched, yieldEvery: yieldEvery}
	switch opts.Backend {
	case IOUring:
		l.be, err = newUringBackend(l, opts)
	default:
		l.be, err = newEpollBackend(l)
	}
	if err != nil {
		unix.Close(wakefd)
		return nil, err
	}
	if err := l.Register(wakefd, Readable, l.onWake); err != nil {
		l.be.close()
		unix.Close(wakefd)
		return nil, err
	}
	return l, nil
}

// Backend returns the loop's backend.
func (l *Loop) Backend() Backend { return l.backend }

// SpinWait returns how long the loop spins before it blocks (see
// Options.SpinWait): zero on the epoll backend, which never spins.
func (l *Loop) SpinWait() time.Duration {
	if b, ok := l.be.(*uringBackend); ok {
		return b.spinFor
	}
	return 0
}

func (l *Loop) growFdTables(fd int) {
	for fd >= len(l.handlers) {
		n := max(2*len(l.handlers), 64, fd+1)
		l.handlers = append(l.handlers, make([]Handler, n-len(l.handlers))...)
		l.masks = append(l.masks, make([]Event, n-len(l.masks))...)
		l.streams = append(l.streams, make([]*stream, n-len(l.streams))...)
	}
}

// Register starts watching fd for mask and calls h when it is ready.
func (l *Loop) Register(fd int, mask Event, h Handler) error {
	if l.closed {
		return ErrClosed
	}
	if fd < 0 {
		return fmt.Errorf("eventloop: register fd %d: %w", fd, unix.EBADF)
	}
	l.growFdTables(fd)
	if l.handlers[fd] != nil || l.streams[fd] != nil {
		return fmt.Errorf("eventloop: register fd %d: %w", fd, unix.EEXIST)
	}
	if err := l.be.register(fd, mask); err != nil {
		return fmt.Errorf("eventloop: register fd %d: %w", fd, err)
	}
	l.handlers[fd] = h
	l.masks[fd] = mask
	return nil
}

// Modify changes the conditions fd is watched for. It does nothing when the
// mask is unchanged, so callers may call it freely.
func (l *Loop) Modify(fd int, mask Event) error {
	if fd < 0 || fd >= len(l.handlers) || l.handlers[fd] == nil {
		return fmt.Errorf("eventloop: modify fd %d: %w", fd, unix.ENOENT)
	}
	if l.masks[fd] == mask {
		return nil
	}
	if err := l.be.modify(fd, mask); err != nil {
		return fmt.Errorf("eventloop: modify fd %d: %w", fd, err)
	}
	l.masks[fd] = mask
	return nil
}

// Mask returns the conditions fd is watched for (0 if it is not registered).
func (l *Loop) Mask(fd int) Event {
	if fd < 0 || fd >= len(l.masks) {
		return 0
	}
	return l.masks[fd]
}

// Unregister stops watching fd. It does not close fd. Events for fd already
// collected in the current iteration are dropped.
func (l *Loop) Unregister(fd int) error {
	if fd < 0 || fd >= len(l.handlers) || l.handlers[fd] == nil {
		return fmt.Errorf("eventloop: unregister fd %d: %w", fd, unix.ENOENT)
	}
	l.handlers[fd] = nil
	l.masks[fd] = 0
	if err := l.be.unregister(fd); err != nil {
		return fmt.Errorf("eventloop: unregister fd %d: %w", fd, err)
	}
	return nil
}

// dispatch runs fd's readiness handler, if it still has one.
func (l *Loop) dispatch(fd int, ev Event) {
	if fd < len(l.handlers) {
		if h := l.handlers[fd]; h != nil {
			h(fd, ev)
		}
	}
}

// AddTimer calls f after d, then again after each duration f returns, until
// f returns 0 or less or the timer is cancelled. It returns the timer's id.
func (l *Loop) AddTimer(d time.Duration, f func() time.Duration) int64 {
	l.nextTimerID++
	l.timers = append(l.timers, &timer{id: l.nextTimerID, when: time.Now().Add(d), f: f})
	return l.nextTimerID
}

// CancelTimer stops the timer with the given id. It reports whether one was found.
func (l *Loop) CancelTimer(id int64) bool {
	for i, t := range l.timers {
		if t.id == id {
			l.timers = append(l.timers[:i], l.timers[i+1:]...)
			return true
		}
	}
	return false
}

// BeforeSleep adds a hook run at the end of every iteration, just before
// the loop writes what streams were sent and waits for events. Hooks run in
// the order they were added.
func (l *Loop) BeforeSleep(f func()) {
	l.beforeSleep = append(l.beforeSleep, f)
}

// Wake makes a waiting loop return. It is safe to call from any goroutine
// and cheap to call often: wake-ups pending at once coalesce.
func (l *Loop) Wake() {
	if l.wakePending.CompareAndSwap(false, true) {
		var one = [8]byte{1}
		for {
			_, err := unix.Write(l.wakefd, one[:])
			if err != unix.EINTR {
				return
			}
		}
	}
}

// Submit queues f to run on the loop goroutine during the next iteration
// and wakes the loop. It is safe to call from any goroutine.
func (l *Loop) Submit(f func()) {
	l.mu.Lock()
	l.submitted = append(l.submitted, f)
	l.hasSubmitted.Store(true)
	l.mu.Unlock()
	l.Wake()
}

// Stop makes Run return after the current iteration. It is safe to call
// from any goroutine.
func (l *Loop) Stop() {
	l.stopping.Store(true)
	l.Wake()
}

func (l *Loop) onWake(fd int, _ Event) {
	var buf [8]byte
	for {
		_, err := unix.Read(fd, buf[:])
		if err != unix.EINTR {
			break
		}
	}
	l.wakePending.Store(false)
}

func (l *Loop) runSubmitted() {
	if !l.hasSubmitted.Load() {
		return
	}
	l.mu.Lock()
	l.running, l.submitted = l.submitted, l.running[:0]
	l.hasSubmitted.Store(false)
	l.mu.Unlock()
	for i, f := range l.running {
		f()
		l.running[i] = nil
	}
}

// timeout returns the wait timeout in milliseconds: -1 to wait for ever, 0
// to poll, or the time to the nearest timer rounded up.
func (l *Loop) timeout(now time.Time) int {
	if len(l.timers) == 0 {
		return -1
	}
	nearest := l.timers[0].when
	for _, t := range l.timers[1:] {
		if t.when.Before(nearest) {
			nearest = t.when
		}
	}
	d := nearest.Sub(now)
	if d <= 0 {
		return 0
	}
	return int((d + time.Millisecond - 1) / time.Millisecond)
}

func (l *Loop) runTimers() {
	if len(l.timers) == 0 {
		return
	}
	now := time.Now()
	// Index-based: a timer may add or cancel timers.
	for i := 0; i < len(l.timers); i++ {
		t := l.timers[i]
		if t.when.After(now) {
			continue
		}
		next := t.f()
		// Find t again: f may have changed the slice.
		j := i
		if j >= len(l.timers) || l.timers[j] != t {
			j = -1
			for k, u := range l.timers {
				if u == t {
					j = k
					break
				}
			}
		}
		if j < 0 {
			continue // cancelled by its own callback
		}
		if next <= 0 {
			l.timers = append(l.timers[:j], l.timers[j+1:]...)
			i = j - 1
			continue
		}
		t.when = now.Add(next)
	}
}

// Run runs the loop on the calling goroutine, locked to its OS thread, until
// Stop is called. It passes through the Go scheduler every few milliseconds
// (see yieldEvery). It returns nil after Stop, or the error that ended it.
func (l *Loop) Run() error {
	if l.closed {
		return ErrClosed
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	lastYield := time.Now()
	for !l.stopping.Load() {
		if err := l.RunOnce(true); err != nil {
			return err
		}
		if now := time.Now(); now.Sub(lastYield) >= l.yieldEvery {
			l.yield()
			lastYield = now
		}
	}
	l.stopping.Store(false)
	return nil
}

// RunOnce runs one iteration: before-sleep hooks, the writes of streams
// that were sent, one wait (blocking until an event or the nearest timer
// when block is true, polling otherwise), the ready handlers, submitted
// functions and due timers.
func (l *Loop) RunOnce(block bool) error {
	if l.closed {
		return ErrClosed
	}
	for _, f := range l.beforeSleep {
		f()
	}
	l.be.flushSends()
	msec := 0
	if block && !l.stopping.Load() && !l.hasSubmitted.Load() {
		msec = l.timeout(time.Now())
	}
	if err := l.be.wait(msec); err != nil {
		return err
	}
	l.runSubmitted()
	l.runTimers()
	l.iterations++
	return nil
}

// Iterations returns how many iterations the loop has completed. Call it
// from the loop goroutine.
func (l *Loop) Iterations() uint64 { return l.iterations }

// Close releases the backend and the wake-up eventfd. Call it after Run has
// returned. Registered descriptors are not closed; streams are.
func (l *Loop) Close() error {
	if l.closed {
		return nil
	}
	for _, s := range l.streams {
		if s != nil {
			l.CloseStream(s.fd)
		}
	}
	l.closed = true
	err1 := l.be.close()
	err2 := unix.Close(l.wakefd)
	if err1 != nil {
		return err1
	}
	if err2 != nil {
		return osSyscallError("close", err2)
	}
	return nil
}
