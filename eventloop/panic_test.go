//go:build linux

package eventloop

import (
	"strings"
	"testing"
	"time"

	"github.com/kvdserver/kvd/iothreads"
	"golang.org/x/sys/unix"
)

// TestPanicsAreRecovered checks that a panic in a timer or a submitted
// function is reported with its stack and the loop goes on: the panicking
// timer keeps its schedule and other work still runs.
func TestPanicsAreRecovered(t *testing.T) {
	for _, tc := range []struct {
		name, where string
		inject      func(l *Loop)
	}{
		{"submitted function", "a submitted function", func(l *Loop) {
			l.Submit(func() { panic("injected") })
		}},
		{"one-shot timer", "a timer", func(l *Loop) {
			l.AddTimer(0, func() time.Duration { panic("injected") })
		}},
		{"periodic timer", "a timer", func(l *Loop) {
			l.AddTimer(time.Millisecond, func() time.Duration { panic("injected") })
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l := newLoop(t)
			var got []*PanicError
			l.SetPanicHandler(func(e *PanicError) { got = append(got, e) })
			tc.inject(l)
			ran := 0
			l.Submit(func() { ran++ })
			l.AddTimer(time.Millisecond, func() time.Duration { ran++; return 0 })
			runUntil(t, l, true, "the other work", func() bool { return ran == 2 && len(got) > 0 })
			e := got[0]
			if e.Where != tc.where || e.Value != "injected" || !strings.Contains(string(e.Stack), "panic_test.go") {
				t.Fatalf("reported %q %v, stack:\n%s", e.Where, e.Value, e.Stack)
			}
			if !strings.Contains(e.Error(), "injected") {
				t.Fatalf("Error() = %q", e.Error())
			}
			if strings.HasPrefix(tc.name, "periodic") {
				// It panics every time, and keeps firing every millisecond.
				runUntil(t, l, true, "the timer again", func() bool { return len(got) >= 3 })
			} else {
				for i := 0; i < 5; i++ {
					l.RunOnce(false)
				}
				if len(got) != 1 || len(l.timers) != 0 {
					t.Fatalf("%d panics, %d timers left; want 1 and 0", len(got), len(l.timers))
				}
			}
		})
	}
}

// TestPreparsePanicClosesOneStream checks that a panic in Preparse on an
// I/O thread closes that stream only, reports the panic, and leaves the
// other streams of the batch served.
func TestPreparsePanicClosesOneStream(t *testing.T) {
	l := newBackendLoop(t, Epoll)
	pool := iothreads.New(4)
	defer pool.Close()
	l.SetParallel(pool, 2, true)
	var reported []*PanicError
	l.SetPanicHandler(func(e *PanicError) { reported = append(reported, e) })
	const n = 8
	var hs []*echoHandler
	var peers []int
	for i := 0; i < n; i++ {
		a, b := socketpair(t)
		h := &echoHandler{l: l, fd: a, echo: true, prePanic: "boom"}
		if err := l.AddStream(a, h); err != nil {
			t.Fatal(err)
		}
		hs, peers = append(hs, h), append(peers, b)
	}
	write(t, peers[0], "boom")
	for _, p := range peers[1:] {
		write(t, p, "ok")
	}
	runUntil(t, l, false, "the batch", func() bool { return hs[0].closed })
	if len(reported) != 1 || reported[0].Where != "Preparse on an I/O thread" || !strings.Contains(string(reported[0].Stack), "Preparse") {
		t.Fatalf("reported %v", reported)
	}
	if hs[0].closeErr != reported[0] {
		t.Fatalf("OnClosed got %v, want the panic", hs[0].closeErr)
	}
	// The peer of the closed stream sees the end; every other one its echo.
	spinRead := func(fd int) (string, bool) {
		var got []byte
		buf := make([]byte, 64)
		deadline := time.Now().Add(10 * time.Second)
		for time.Now().Before(deadline) {
			l.RunOnce(false)
			k, err := unix.Read(fd, buf)
			if k > 0 {
				got = append(got, buf[:k]...)
				if len(got) >= 2 {
					return string(got), false
				}
			}
			if k == 0 && err == nil {
				return string(got), true
			}
		}
		t.Fatalf("fd %d: nothing read", fd)
		return "", false
	}
	if got, eof := spinRead(peers[0]); !eof || got != "" {
		t.Fatalf("panicking stream's peer read %q eof=%v, want EOF", got, eof)
	}
	for i, p := range peers[1:] {
		if got, eof := spinRead(p); eof || got != "ok" {
			t.Fatalf("stream %d: read %q eof=%v, want the echo", i+1, got, eof)
		}
		if hs[i+1].closed {
			t.Fatalf("stream %d closed", i+1)
		}
	}
}
