// Package eventloop is kvd's event loop: one goroutine, locked to its OS
// thread, waits for I/O, runs handlers, fires timers, and runs before-sleep
// hooks before it waits again.
//
// It drives two kinds of sockets, in the Proactor style: streams (AddStream
// a connected socket and a StreamHandler; the loop delivers received bytes
// (OnData), writes the output the handler keeps once Flush marks it
// (Output, OnWritten), and reports the end of the connection (OnEOF,
// OnClosed)) and acceptors (AddAcceptor a listening socket; the loop hands
// over each accepted connection). Besides I/O it runs timers (AddTimer),
// functions submitted from other goroutines (Submit, Wake) and before-sleep
// hooks (BeforeSleep).
//
// Output has one owner, the handler: it appends to its own buffer and calls
// Flush; the loop keeps one list of flushed streams and drains it once per
// iteration, after the before-sleep hooks and before it waits (like Redis's
// clients_pending_write). A socket that takes only part of a write is
// watched for writability (epoll) or sent the rest (io_uring) until it has
// taken everything; nothing is watched for writing otherwise.
//
// Three backends implement it. The epoll backend (the reactor) reads and
// writes with plain system calls, optionally fanning the reads and writes
// of many streams out to I/O threads (SetParallel). The io_uring backend
// (the proactor) lets the kernel accept (multishot accept), receive
// (multishot receive into a provided-buffer ring) and send (one
// io_uring_enter per iteration submits every send). Callers choose with
// Options.Backend.
//
// It knows file descriptors, not clients or protocols. A panic in a timer,
// a submitted function or a Preparse on an I/O thread is recovered and
// reported (SetPanicHandler); the loop goes on. Every method except Wake,
// Submit and Stop must be called from the loop goroutine (or before Run
// starts); handlers, timers and hooks run on that goroutine.
package eventloop

import (
	"errors"
	"fmt"
	"net"
	"os"
	"runtime"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"
)

// event is a set of readiness conditions, as the backends report them.
type event uint32

// Readiness conditions. hangUp and errorEv are always reported.
const (
	readable event = 1 << iota
	writable
	hangUp
	errorEv
)

// ErrClosed is returned by methods called after Close.
var ErrClosed = errors.New("eventloop: closed")

// Backend selects how the loop waits for and performs I/O.
type Backend int

// Backends.
const (
	// Epoll is the readiness-based reactor backend (the zero value of
	// Options.Backend; kvd's server asks for IOUring and falls back to Epoll).
	Epoll Backend = iota
	// IOUring is the completion-based proactor backend.
	IOUring
	// Portable is the backend on Go's netpoller (goroutines per
	// connection), available on every system; the only one outside Linux.
	Portable
)

// String returns the backend's name.
func (b Backend) String() string {
	switch b {
	case IOUring:
		return "io_uring"
	case Portable:
		return "portable"
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

// backend is what a Loop needs from an I/O mechanism: a way to watch the
// wake-up descriptor, streams, acceptors, and a wait that dispatches what
// happened.
type backend interface {
	addStream(s *stream) error
	// flush writes (epoll) or prepares the sends of (io_uring) the output
	// of q's streams, none closed or with a write unfinished.
	flush(q []*stream)
	// stopReading stops receiving on s (after the peer's EOF).
	stopReading(s *stream)
	closeStream(s *stream)
	addAcceptor(a *acceptor) error
	pauseAcceptor(a *acceptor, paused bool) error
	removeAcceptor(a *acceptor)
	// wait waits up to msec milliseconds (-1: no limit, 0: poll) and
	// dispatches what happened.
	wait(msec int) error
	close() error
	// wake makes a wait in progress (or the next one) return.
	wake()

	// Connection operations outside the stream machinery (see the Loop
	// methods of the same names).
	writeNow(fd int, b []byte) (int, error)
	reject(fd int, msg []byte)
	tuneTCP(fd int, keepAliveSecs int)
	localAddr(fd int) net.Addr
}

// TrimIdle lets the backend give memory it holds for receiving back to the
// operating system if the loop has been idle since the last call (the
// io_uring proactor's receive buffers); a periodic timer calls it. It must
// be called on the loop's goroutine, outside any handler.
func (l *Loop) TrimIdle() {
	if t, ok := l.be.(interface{ trimIdle() }); ok {
		t.trimIdle()
	}
}

// Loop is an event loop. Create one with New or NewWithOptions.
type Loop struct {
	be      backend
	backend Backend
	wakefd  int

	streams   []*stream // indexed by fd
	acceptors []*acceptor

	flushQ, flushSpare []*stream // streams with output to write (see Flush)

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

	closed bool

	onPanic func(*PanicError) // see SetPanicHandler

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
	id     int64
	when   time.Time
	period time.Duration // the last interval, kept if f panics
	f      func() time.Duration
}

// New creates a loop on the system's default backend: epoll on Linux,
// Portable elsewhere.
func New() (*Loop, error) { return NewWithOptions(Options{Backend: DefaultBackend}) }

// NewWithOptions creates a loop with the given options. Asking for a
// backend the system lacks (epoll or io_uring outside Linux) fails with an
// error wrapping ErrUnsupported.
func NewWithOptions(opts Options) (*Loop, error) {
	l := &Loop{wakefd: -1, backend: opts.Backend, yield: runtime.Gosched, yieldEvery: yieldEvery}
	be, err := newBackend(l, opts)
	if err != nil {
		return nil, err
	}
	l.be = be
	return l, nil
}

// Backend returns the loop's backend.
func (l *Loop) Backend() Backend { return l.backend }

func (l *Loop) growFdTables(fd int) {
	for fd >= len(l.streams) {
		n := max(2*len(l.streams), 64, fd+1)
		l.streams = append(l.streams, make([]*stream, n-len(l.streams))...)
	}
}

// inUse reports whether fd is the wake-up descriptor, a stream or an acceptor.
func (l *Loop) inUse(fd int) bool {
	if fd == l.wakefd || (fd < len(l.streams) && l.streams[fd] != nil) {
		return true
	}
	for _, a := range l.acceptors {
		if a.fd == fd {
			return true
		}
	}
	return false
}

// AddTimer calls f after d, then again after each duration f returns, until
// f returns 0 or less or the timer is cancelled. It returns the timer's id.
func (l *Loop) AddTimer(d time.Duration, f func() time.Duration) int64 {
	l.nextTimerID++
	l.timers = append(l.timers, &timer{id: l.nextTimerID, when: time.Now().Add(d), period: d, f: f})
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
// the loop writes the streams that were flushed and waits for events. Hooks run in
// the order they were added.
func (l *Loop) BeforeSleep(f func()) {
	l.beforeSleep = append(l.beforeSleep, f)
}

// Wake makes a waiting loop return. It is safe to call from any goroutine
// and cheap to call often: wake-ups pending at once coalesce.
func (l *Loop) Wake() {
	if l.wakePending.CompareAndSwap(false, true) {
		l.be.wake()
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

func (l *Loop) runSubmitted() {
	if !l.hasSubmitted.Load() {
		return
	}
	l.mu.Lock()
	l.running, l.submitted = l.submitted, l.running[:0]
	l.hasSubmitted.Store(false)
	l.mu.Unlock()
	for i, f := range l.running {
		l.runGuarded("a submitted function", f)
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
		next := l.fireTimer(t)
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
		t.when, t.period = now.Add(next), next
	}
}

// fireTimer calls t's function. If it panics, the panic is reported and
// the timer keeps its last interval, so that a periodic task (the server's
// cron) goes on.
func (l *Loop) fireTimer(t *timer) (next time.Duration) {
	defer func() {
		if r := recover(); r != nil {
			l.reportPanic("a timer", r)
			next = t.period
		}
	}()
	return t.f()
}

// runGuarded calls f, reporting a panic instead of letting it end the process.
func (l *Loop) runGuarded(what string, f func()) {
	defer func() {
		if r := recover(); r != nil {
			l.reportPanic(what, r)
		}
	}()
	f()
}

// Run runs the loop on the calling goroutine, locked to its OS thread, until
// Stop is called. It passes through the Go scheduler every few milliseconds
// (see yieldEvery). It returns nil after Stop, or the error that ended it.
func (l *Loop) Run() error {
	if l.closed {
		return ErrClosed
	}
	if l.backend != Portable {
		// The portable backend waits on channels, where a locked thread
		// would cost a thread hand-off at every wake-up.
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
	}
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
// that were flushed, one wait (blocking until an event or the nearest timer
// when block is true, polling otherwise), the ready handlers, submitted
// functions and due timers.
func (l *Loop) RunOnce(block bool) error {
	if l.closed {
		return ErrClosed
	}
	for _, f := range l.beforeSleep {
		f()
	}
	if len(l.flushQ) > 0 {
		l.flush()
	}
	msec := 0
	if block && !l.stopping.Load() && !l.hasSubmitted.Load() {
		msec = l.timeout(time.Now())
	}
	if err := l.be.wait(msec); err != nil {
		return err
	}
	l.runSubmitted()
	l.runTimers()
	return nil
}

// Close releases the backend and the wake-up eventfd. Call it after Run has
// returned. Streams are closed; acceptors' listening sockets are not.
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
	err2 := l.closeWake()
	if err1 != nil {
		return err1
	}
	return err2
}

// WriteNow writes b to stream fd at once, best effort and without waiting
// for room (for a last reply at shutdown), and returns how much it wrote.
// It writes nothing while a write of the stream is unfinished.
func (l *Loop) WriteNow(fd int, b []byte) (int, error) {
	s := l.stream(fd)
	if s == nil || s.writing {
		return 0, ErrClosed
	}
	return l.be.writeNow(fd, b)
}

// Reject writes msg to connection fd, which an acceptor handed over and
// which was never added as a stream, reads and drops what the peer already
// sent (closing a socket with unread input sends a reset, which can destroy
// msg before it is read), and closes it.
func (l *Loop) Reject(fd int, msg []byte) { l.be.reject(fd, msg) }

// TuneTCP disables Nagle's algorithm on TCP connection fd and, if
// keepAliveSecs > 0, turns on keep-alive probes after that idle time.
func (l *Loop) TuneTCP(fd int, keepAliveSecs int) { l.be.tuneTCP(fd, keepAliveSecs) }

// LocalAddr returns the local address of connection fd, or nil.
func (l *Loop) LocalAddr(fd int) net.Addr { return l.be.localAddr(fd) }

// PanicError describes a panic the loop recovered: in a timer, a submitted
// function, or a Preparse on an I/O thread.
type PanicError struct {
	Where string // what panicked, e.g. "a timer"
	Value any    // the value passed to panic
	Stack []byte // the panicking goroutine's stack
}

// Error returns a one-line description (the stack is in Stack).
func (e *PanicError) Error() string {
	return fmt.Sprintf("eventloop: panic in %s: %v", e.Where, e.Value)
}

// SetPanicHandler sets the function told of every panic the loop recovers,
// on the loop goroutine (for a panic on an I/O thread, after the batch).
// Without one, the panic and its stack are written to standard error. Call
// it before Run.
func (l *Loop) SetPanicHandler(f func(*PanicError)) { l.onPanic = f }

// reportPanic reports a panic recovered on the loop goroutine.
func (l *Loop) reportPanic(where string, v any) {
	l.panicked(&PanicError{Where: where, Value: v, Stack: debug.Stack()})
}

func (l *Loop) panicked(e *PanicError) {
	if l.onPanic != nil {
		l.onPanic(e)
		return
	}
	fmt.Fprintf(os.Stderr, "%v\n%s", e, e.Stack)
}
