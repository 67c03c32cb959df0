// Package eventloop is kvd's reactor: one goroutine, locked to its OS thread,
// waits in epoll_wait for file descriptors to become ready and runs their
// handlers, fires timers, and runs before-sleep hooks before it waits again.
//
// It knows file descriptors, not sockets, clients or protocols. Every method
// except Wake, Submit and Stop must be called from the loop goroutine (or
// before Run starts); handlers, timers and hooks run on that goroutine, so
// they need no locks among themselves.
//
// Descriptors are level-triggered: a handler that leaves data unread is called
// again on the next iteration.
package eventloop

import (
	"errors"
	"fmt"
	"os"
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

// maxEvents is how many ready descriptors one epoll_wait returns at most.
const maxEvents = 1024

// Loop is a reactor. Create one with New.
type Loop struct {
	epfd   int
	wakefd int

	handlers []Handler // indexed by fd
	masks    []Event   // registered interest, indexed by fd
	events   []unix.EpollEvent

	timers      []*timer // unordered; there are few
	nextTimerID int64

	beforeSleep []func()

	wakePending atomic.Bool
	stopping    atomic.Bool

	mu        sync.Mutex // guards submitted
	submitted []func()
	running   []func() // the batch being run, reused

	closed bool
	// Iterations counts completed loop iterations; readable by the loop goroutine.
	iterations uint64
}

type timer struct {
	id   int64
	when time.Time
	f    func() time.Duration
}

// New creates a loop with its epoll instance and wake-up eventfd.
func New() (*Loop, error) {
	epfd, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		return nil, os.NewSyscallError("epoll_create1", err)
	}
	wakefd, err := unix.Eventfd(0, unix.EFD_NONBLOCK|unix.EFD_CLOEXEC)
	if err != nil {
		unix.Close(epfd)
		return nil, os.NewSyscallError("eventfd", err)
	}
	l := &Loop{
		epfd:   epfd,
		wakefd: wakefd,
		events: make([]unix.EpollEvent, 64),
	}
	if err := l.Register(wakefd, Readable, l.onWake); err != nil {
		unix.Close(wakefd)
		unix.Close(epfd)
		return nil, err
	}
	return l, nil
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

// Register starts watching fd for mask and calls h when it is ready.
func (l *Loop) Register(fd int, mask Event, h Handler) error {
	if l.closed {
		return ErrClosed
	}
	if fd < 0 {
		return fmt.Errorf("eventloop: register fd %d: %w", fd, unix.EBADF)
	}
	ev := unix.EpollEvent{Events: toEpoll(mask), Fd: int32(fd)}
	if err := unix.EpollCtl(l.epfd, unix.EPOLL_CTL_ADD, fd, &ev); err != nil {
		return fmt.Errorf("eventloop: register fd %d: %w", fd, os.NewSyscallError("epoll_ctl", err))
	}
	for fd >= len(l.handlers) {
		n := max(2*len(l.handlers), 64, fd+1)
		l.handlers = append(l.handlers, make([]Handler, n-len(l.handlers))...)
		l.masks = append(l.masks, make([]Event, n-len(l.masks))...)
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
	ev := unix.EpollEvent{Events: toEpoll(mask), Fd: int32(fd)}
	if err := unix.EpollCtl(l.epfd, unix.EPOLL_CTL_MOD, fd, &ev); err != nil {
		return fmt.Errorf("eventloop: modify fd %d: %w", fd, os.NewSyscallError("epoll_ctl", err))
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
// returned by the current epoll_wait are dropped.
func (l *Loop) Unregister(fd int) error {
	if fd < 0 || fd >= len(l.handlers) || l.handlers[fd] == nil {
		return fmt.Errorf("eventloop: unregister fd %d: %w", fd, unix.ENOENT)
	}
	l.handlers[fd] = nil
	l.masks[fd] = 0
	if err := unix.EpollCtl(l.epfd, unix.EPOLL_CTL_DEL, fd, nil); err != nil {
		return fmt.Errorf("eventloop: unregister fd %d: %w", fd, os.NewSyscallError("epoll_ctl", err))
	}
	return nil
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
// the loop waits for events. Hooks run in the order they were added.
func (l *Loop) BeforeSleep(f func()) {
	l.beforeSleep = append(l.beforeSleep, f)
}

// Wake makes a waiting loop return from epoll_wait. It is safe to call from
// any goroutine and cheap to call often: wake-ups pending at once coalesce.
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
	l.mu.Lock()
	l.running, l.submitted = l.submitted, l.running[:0]
	l.mu.Unlock()
	for i, f := range l.running {
		f()
		l.running[i] = nil
	}
}

// timeout returns the epoll_wait timeout in milliseconds: -1 to wait for
// ever, 0 to poll, or the time to the nearest timer rounded up.
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
// Stop is called. It returns nil after Stop, or the error that ended it.
func (l *Loop) Run() error {
	if l.closed {
		return ErrClosed
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	for !l.stopping.Load() {
		if err := l.RunOnce(true); err != nil {
			return err
		}
	}
	l.stopping.Store(false)
	return nil
}

// RunOnce runs one iteration: before-sleep hooks, one epoll_wait (blocking
// until an event or the nearest timer when block is true, polling otherwise),
// the ready handlers, submitted functions and due timers.
func (l *Loop) RunOnce(block bool) error {
	for _, f := range l.beforeSleep {
		f()
	}
	msec := 0
	if block && !l.stopping.Load() {
		msec = l.timeout(time.Now())
	}
	n, err := unix.EpollWait(l.epfd, l.events, msec)
	if err != nil {
		if err == unix.EINTR {
			return nil
		}
		return fmt.Errorf("eventloop: %w", os.NewSyscallError("epoll_wait", err))
	}
	for i := 0; i < n; i++ {
		ev := &l.events[i]
		fd := int(ev.Fd)
		if fd < len(l.handlers) {
			if h := l.handlers[fd]; h != nil {
				h(fd, fromEpoll(ev.Events))
			}
		}
	}
	if n == len(l.events) && n < maxEvents {
		l.events = make([]unix.EpollEvent, 2*n)
	}
	l.runSubmitted()
	l.runTimers()
	l.iterations++
	return nil
}

// Iterations returns how many iterations the loop has completed. Call it
// from the loop goroutine.
func (l *Loop) Iterations() uint64 { return l.iterations }

// Close releases the epoll instance and the eventfd. Call it after Run has
// returned. Registered descriptors are not closed.
func (l *Loop) Close() error {
	if l.closed {
		return nil
	}
	l.closed = true
	err1 := unix.Close(l.wakefd)
	err2 := unix.Close(l.epfd)
	if err1 != nil {
		return os.NewSyscallError("close", err1)
	}
	if err2 != nil {
		return os.NewSyscallError("close", err2)
	}
	return nil
}
