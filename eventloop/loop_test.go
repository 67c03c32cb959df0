//go:build linux

package eventloop

import (
	"errors"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

func newLoop(t *testing.T) *Loop {
	t.Helper()
	l, err := New()
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}

// socketpair returns two connected non-blocking Unix stream sockets, closed
// when the test ends (closing one twice is harmless here).
func socketpair(t *testing.T) (int, int) {
	t.Helper()
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatalf("socketpair: %v", err)
	}
	t.Cleanup(func() { unix.Close(fds[0]); unix.Close(fds[1]) })
	return fds[0], fds[1]
}

func write(t *testing.T, fd int, s string) {
	t.Helper()
	if _, err := unix.Write(fd, []byte(s)); err != nil {
		t.Fatalf("write: %v", err)
	}
}

// runUntil runs iterations (blocking ones if block) until cond holds,
// failing after a generous deadline.
func runUntil(t *testing.T, l *Loop, block bool, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		if block {
			// Never block for ever: a helper timer bounds each wait.
			id := l.AddTimer(50*time.Millisecond, func() time.Duration { return 0 })
			if err := l.RunOnce(true); err != nil {
				t.Fatalf("RunOnce: %v", err)
			}
			l.CancelTimer(id)
		} else if err := l.RunOnce(false); err != nil {
			t.Fatalf("RunOnce: %v", err)
		}
	}
}

func TestAddStreamErrors(t *testing.T) {
	l := newLoop(t)
	a, _ := socketpair(t)
	h := &echoHandler{l: l, fd: a}

	// A closed descriptor: the syscall error is wrapped.
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM, 0)
	if err != nil {
		t.Fatal(err)
	}
	unix.Close(fds[0])
	unix.Close(fds[1])
	err = l.AddStream(fds[0], h)
	var se *os.SyscallError
	if !errors.Is(err, unix.EBADF) || !errors.As(err, &se) || se.Syscall != "epoll_ctl" {
		t.Fatalf("add closed fd: %v (%T), want a wrapped epoll_ctl EBADF", err, err)
	}
	if err := l.AddStream(-1, h); !errors.Is(err, unix.EBADF) {
		t.Fatalf("add -1: %v", err)
	}
	if err := l.AddStream(a, h); err != nil {
		t.Fatal(err)
	}
	if err := l.AddStream(a, h); !errors.Is(err, unix.EEXIST) {
		t.Fatalf("add twice: %v, want EEXIST", err)
	}
	if err := l.AddAcceptor(a, nil, nil); !errors.Is(err, unix.EEXIST) {
		t.Fatalf("acceptor on a stream: %v, want EEXIST", err)
	}
	if err := l.AddStream(l.wakefd, h); !errors.Is(err, unix.EEXIST) {
		t.Fatalf("add the wake-up fd: %v, want EEXIST", err)
	}
	// A regular file cannot be watched by epoll.
	f, err := os.CreateTemp(t.TempDir(), "f")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := l.AddStream(int(f.Fd()), h); !errors.Is(err, unix.EPERM) {
		t.Fatalf("add a file: %v, want EPERM", err)
	}
}

// The events buffer grows when many streams are ready at once, and every
// one of them is served.
func TestManyReadyStreams(t *testing.T) {
	l := newLoop(t)
	const n = 300
	var hs []*echoHandler
	for i := 0; i < n; i++ {
		a, b := socketpair(t)
		h := &echoHandler{l: l, fd: a}
		if err := l.AddStream(a, h); err != nil {
			t.Fatal(err)
		}
		hs = append(hs, h)
		write(t, b, "x")
	}
	runUntil(t, l, false, "every stream", func() bool {
		for _, h := range hs {
			if len(h.got) == 0 {
				return false
			}
		}
		return true
	})
}

func TestTimerOnce(t *testing.T) {
	l := newLoop(t)
	start := time.Now()
	var fired []time.Duration
	l.AddTimer(20*time.Millisecond, func() time.Duration {
		fired = append(fired, time.Since(start))
		return 0
	})
	runUntil(t, l, true, "timer", func() bool { return len(fired) > 0 })
	if fired[0] < 20*time.Millisecond {
		t.Fatalf("timer fired after %v, want at least 20ms", fired[0])
	}
	// Returning 0 removed it: with no timers left, a poll fires nothing.
	for i := 0; i < 5; i++ {
		l.RunOnce(false)
	}
	if len(fired) != 1 {
		t.Fatalf("timer fired %d times", len(fired))
	}
	if l.timeout(time.Now()) != -1 {
		t.Fatalf("timeout with no timers = %d, want -1", l.timeout(time.Now()))
	}
}

func TestTimerRepeat(t *testing.T) {
	l := newLoop(t)
	var times []time.Time
	l.AddTimer(time.Millisecond, func() time.Duration {
		times = append(times, time.Now())
		if len(times) == 4 {
			return -1 // negative stops it too
		}
		return 10 * time.Millisecond
	})
	runUntil(t, l, true, "4 firings", func() bool { return len(times) == 4 })
	for i := 1; i < len(times); i++ {
		if d := times[i].Sub(times[i-1]); d < 10*time.Millisecond {
			t.Errorf("firing %d came %v after the previous, want >= 10ms", i, d)
		}
	}
	if len(l.timers) != 0 {
		t.Fatalf("%d timers left", len(l.timers))
	}
}

func TestTimerCancel(t *testing.T) {
	l := newLoop(t)
	cancelled := false
	id := l.AddTimer(5*time.Millisecond, func() time.Duration { cancelled = true; return 0 })
	done := false
	l.AddTimer(40*time.Millisecond, func() time.Duration { done = true; return 0 })
	if !l.CancelTimer(id) {
		t.Fatal("CancelTimer found no timer")
	}
	if l.CancelTimer(id) {
		t.Fatal("CancelTimer found a cancelled timer")
	}
	if l.CancelTimer(999) {
		t.Fatal("CancelTimer found an unknown id")
	}
	runUntil(t, l, true, "the later timer", func() bool { return done })
	if cancelled {
		t.Fatal("cancelled timer fired")
	}
}

// Timers may add and cancel timers, their own included.
func TestTimerCallbacksChangeTimers(t *testing.T) {
	l := newLoop(t)
	var order []string
	var self int64
	var victim int64
	self = l.AddTimer(0, func() time.Duration {
		order = append(order, "self")
		l.CancelTimer(self)
		l.CancelTimer(victim)
		l.AddTimer(0, func() time.Duration { order = append(order, "child"); return 0 })
		return time.Millisecond // ignored: cancelled by its own callback
	})
	victim = l.AddTimer(30*time.Millisecond, func() time.Duration { order = append(order, "victim"); return 0 })
	runUntil(t, l, true, "child timer", func() bool { return len(order) >= 2 })
	for i := 0; i < 3; i++ {
		l.RunOnce(false)
	}
	if len(order) != 2 || order[0] != "self" || order[1] != "child" {
		t.Fatalf("order %v, want [self child]", order)
	}
	if len(l.timers) != 0 {
		t.Fatalf("%d timers left", len(l.timers))
	}
}

func TestTimeoutRoundsUp(t *testing.T) {
	l := newLoop(t)
	now := time.Now()
	l.timers = append(l.timers, &timer{id: 1, when: now.Add(1500 * time.Microsecond)})
	if got := l.timeout(now); got != 2 {
		t.Fatalf("timeout = %d ms, want 2", got)
	}
	l.timers = append(l.timers, &timer{id: 2, when: now.Add(-time.Second)})
	if got := l.timeout(now); got != 0 {
		t.Fatalf("timeout with an overdue timer = %d, want 0", got)
	}
}

func TestBeforeSleep(t *testing.T) {
	l := newLoop(t)
	var order []int
	l.BeforeSleep(func() { order = append(order, 1) })
	l.BeforeSleep(func() { order = append(order, 2) })
	a, b := socketpair(t)
	h := &echoHandler{l: l, fd: a, onData: func() { order = append(order, 0) }}
	if err := l.AddStream(a, h); err != nil {
		t.Fatal(err)
	}
	write(t, b, "x")
	l.RunOnce(false)
	l.RunOnce(false)
	want := []int{1, 2, 0, 1, 2}
	if len(order) != len(want) {
		t.Fatalf("order %v, want %v", order, want)
	}
	for i := range want {
		if order[i] != want[i] {
			t.Fatalf("order %v, want %v", order, want)
		}
	}
}

// runLoop runs l.Run on its own goroutine and returns a channel with its result.
func runLoop(l *Loop) <-chan error {
	done := make(chan error, 1)
	go func() { done <- l.Run() }()
	return done
}

func waitDone(t *testing.T, done <-chan error) {
	t.Helper()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Run: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return")
	}
}

func TestStopFromAnotherGoroutine(t *testing.T) {
	l := newLoop(t)
	var iterations atomic.Int64
	l.BeforeSleep(func() { iterations.Add(1) })
	done := runLoop(l)
	// Wait until the loop is asleep in epoll_wait with nothing to do.
	deadline := time.Now().Add(10 * time.Second)
	for iterations.Load() == 0 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	l.Stop()
	waitDone(t, done)
	// The loop can run again after Stop.
	done = runLoop(l)
	l.Stop()
	waitDone(t, done)
}

func TestWake(t *testing.T) {
	l := newLoop(t)
	var iterations atomic.Int64
	l.BeforeSleep(func() { iterations.Add(1) })
	done := runLoop(l)
	defer func() { l.Stop(); waitDone(t, done) }()
	for i := int64(1); i <= 3; i++ {
		before := iterations.Load()
		l.Wake()
		deadline := time.Now().Add(10 * time.Second)
		for iterations.Load() <= before {
			if time.Now().After(deadline) {
				t.Fatalf("wake %d: the loop did not iterate", i)
			}
			time.Sleep(time.Millisecond)
		}
	}
}

func TestSubmitFromManyGoroutines(t *testing.T) {
	l := newLoop(t)
	done := runLoop(l)
	defer func() { l.Stop(); waitDone(t, done) }()
	const goroutines, each = 8, 500
	count := 0 // only touched on the loop goroutine
	finished := make(chan struct{})
	var wg sync.WaitGroup
	for g := 0; g < goroutines; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < each; i++ {
				l.Submit(func() {
					count++
					if count == goroutines*each {
						close(finished)
					}
				})
			}
		}()
	}
	wg.Wait()
	select {
	case <-finished:
	case <-time.After(10 * time.Second):
		t.Fatal("submitted functions did not all run")
	}
}

// A function submitted while the loop is stopped runs on the next iteration.
func TestSubmitBeforeRun(t *testing.T) {
	l := newLoop(t)
	ran := false
	l.Submit(func() { ran = true })
	if err := l.RunOnce(false); err != nil {
		t.Fatal(err)
	}
	if !ran {
		t.Fatal("submitted function did not run")
	}
}

func TestClose(t *testing.T) {
	l, err := New()
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := l.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if err := l.AddStream(0, &echoHandler{l: l}); !errors.Is(err, ErrClosed) {
		t.Fatalf("AddStream after Close: %v", err)
	}
	if err := l.Run(); !errors.Is(err, ErrClosed) {
		t.Fatalf("Run after Close: %v", err)
	}
}

// New and Close leave no descriptor behind.
func TestNoDescriptorLeak(t *testing.T) {
	count := func() int {
		ents, err := os.ReadDir("/proc/self/fd")
		if err != nil {
			t.Fatalf("counting descriptors: %v", err) // kvd is Linux-only: /proc is there
		}
		return len(ents)
	}
	before := count()
	for i := 0; i < 50; i++ {
		l, err := New()
		if err != nil {
			t.Fatal(err)
		}
		l.Close()
	}
	if after := count(); after > before {
		t.Fatalf("%d descriptors before, %d after", before, after)
	}
}

// TestRunYields checks that Run passes through the scheduler regularly
// while it is kept busy (here by a timer every millisecond), and not on
// every iteration.
func TestRunYields(t *testing.T) {
	for _, b := range backends {
		t.Run(b.String(), func(t *testing.T) {
			l := newBackendLoop(t, b)
			var yields atomic.Int64
			l.yieldEvery = 10 * time.Millisecond
			l.yield = func() { yields.Add(1) }
			var ticks int
			start := time.Now()
			var elapsed time.Duration
			l.AddTimer(time.Millisecond, func() time.Duration {
				ticks++
				if elapsed = time.Since(start); elapsed >= 200*time.Millisecond {
					l.Stop()
					return 0
				}
				return time.Millisecond
			})
			if err := l.Run(); err != nil {
				t.Fatal(err)
			}
			n := yields.Load()
			if max := int64(elapsed/l.yieldEvery) + 1; n < 5 || n > max {
				t.Fatalf("%d yields in %v (%d timer ticks), want 5..%d", n, elapsed, ticks, max)
			}
			if int64(ticks) <= n {
				t.Fatalf("%d yields for %d iterations with a tick: yielding on every iteration", n, ticks)
			}
		})
	}
}
