//go:build linux

package eventloop

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kvdserver/kvd/iothreads"
	"golang.org/x/sys/unix"
)

// backends lists the backends to test; io_uring must work on the kernels
// kvd's CI runs on, so its absence is a failure, not a skip.
var backends = []Backend{Epoll, IOUring}

func newBackendLoop(t *testing.T, b Backend) *Loop {
	t.Helper()
	l, err := NewWithOptions(Options{Backend: b})
	if err != nil {
		t.Fatalf("NewWithOptions(%v): %v", b, err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}

// spin runs blocking iterations (bounded by a helper timer) until cond holds.
func spin(t *testing.T, l *Loop, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		id := l.AddTimer(20*time.Millisecond, func() time.Duration { return 0 })
		if err := l.RunOnce(true); err != nil {
			t.Fatalf("RunOnce: %v", err)
		}
		l.CancelTimer(id)
	}
}

// echoHandler records what a stream receives and, if echo is set, sends it
// back. It owns its output like kvd's clients do: one buffer, out[wpos:]
// not yet written.
type echoHandler struct {
	l        *Loop
	fd       int
	got      []byte
	out      []byte
	wpos     int
	writes   int // OnWritten calls
	sent     int // times the output was written entirely
	closed   bool
	eof      bool
	closeErr error
	preparse atomic.Int64
	echo     bool
	onData   func()
	// prePanic makes Preparse panic when the data begins with it.
	prePanic string
}

func (h *echoHandler) OnData(data []byte) {
	if h.onData != nil {
		h.onData()
	}
	h.got = append(h.got, data...)
	if h.echo {
		h.send(data)
	}
}

// send appends b to the output and flushes it.
func (h *echoHandler) send(b []byte) {
	h.out = append(h.out, b...)
	h.l.Flush(h.fd)
}

func (h *echoHandler) Output() []byte { return h.out[h.wpos:] }

func (h *echoHandler) OnWritten(n int) {
	h.writes++
	h.wpos += n
	if h.wpos < len(h.out) {
		return
	}
	h.sent++
	if !h.l.Writing(h.fd) {
		h.out, h.wpos = h.out[:0], 0
	}
	if h.eof && !h.closed {
		h.l.CloseStream(h.fd)
		h.closed = true
	}
}

func (h *echoHandler) OnClosed(err error) { h.closed, h.closeErr = true, err }

func (h *echoHandler) OnEOF() {
	h.eof = true
	if len(h.Output()) == 0 {
		h.l.CloseStream(h.fd)
		h.closed = true
	}
}

func (h *echoHandler) Preparse(data []byte) {
	h.preparse.Add(1)
	if h.prePanic != "" && bytes.HasPrefix(data, []byte(h.prePanic)) {
		panic("preparse: " + h.prePanic)
	}
}

func TestStreamEcho(t *testing.T) {
	for _, be := range backends {
		t.Run(be.String(), func(t *testing.T) {
			l := newBackendLoop(t, be)
			fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
			if err != nil {
				t.Fatal(err)
			}
			defer unix.Close(fds[1])
			h := &echoHandler{l: l, fd: fds[0], echo: true}
			if err := l.AddStream(fds[0], h); err != nil {
				t.Fatal(err)
			}
			if err := l.AddStream(fds[0], h); !errors.Is(err, unix.EEXIST) {
				t.Fatalf("second AddStream: %v, want EEXIST", err)
			}
			var back []byte
			for _, msg := range []string{"ping", "hello world", string(bytes.Repeat([]byte("x"), 5000))} {
				if _, err := unix.Write(fds[1], []byte(msg)); err != nil {
					t.Fatal(err)
				}
				want := len(back) + len(msg)
				spin(t, l, "echo", func() bool {
					buf := make([]byte, 8192)
					if n, _ := unix.Read(fds[1], buf); n > 0 {
						back = append(back, buf[:n]...)
					}
					return len(back) >= want
				})
			}
			if string(back) != string(h.got) || len(back) != 4+11+5000 {
				t.Fatalf("echoed %d bytes, received %d", len(back), len(h.got))
			}
			unix.Close(fds[1])
			spin(t, l, "close", func() bool { return h.closed })
			if !h.eof || h.closeErr != nil {
				t.Fatalf("orderly close: eof=%v err=%v", h.eof, h.closeErr)
			}
			l.Flush(fds[0]) // a closed stream: nothing happens
			if l.Writing(fds[0]) {
				t.Fatal("a closed stream is writing")
			}
		})
	}
}

func TestStreamLargeSendWithSlowReader(t *testing.T) {
	for _, be := range backends {
		t.Run(be.String(), func(t *testing.T) {
			l := newBackendLoop(t, be)
			fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
			if err != nil {
				t.Fatal(err)
			}
			defer unix.Close(fds[1])
			h := &echoHandler{l: l, fd: fds[0]}
			if err := l.AddStream(fds[0], h); err != nil {
				t.Fatal(err)
			}
			payload := make([]byte, 8<<20)
			for i := range payload {
				payload[i] = byte(i * 7)
			}
			h.send(payload[:1000])
			if err := l.RunOnce(false); err != nil {
				t.Fatal(err)
			}
			// A write the socket took whole leaves nothing watched or in flight.
			spin(t, l, "small write", func() bool { return h.sent == 1 })
			if l.Writing(fds[0]) {
				t.Fatal("writing after a complete write")
			}
			h.send(payload[1000:])
			if err := l.RunOnce(false); err != nil {
				t.Fatal(err)
			}
			// The socket takes far less than 8 MB: the write is unfinished.
			if !l.Writing(fds[0]) {
				t.Fatal("not writing after a short write")
			}
			var got []byte
			buf := make([]byte, 64*1024)
			spin(t, l, "large send", func() bool {
				for i := 0; i < 4; i++ {
					n, _ := unix.Read(fds[1], buf)
					if n <= 0 {
						break
					}
					got = append(got, buf[:n]...)
				}
				return h.sent == 2 && len(got) == len(payload)
			})
			if !bytes.Equal(got, payload) {
				t.Fatal("payload corrupted in transit")
			}
		})
	}
}

func TestStreamCloseStreamStopsCallbacks(t *testing.T) {
	for _, be := range backends {
		t.Run(be.String(), func(t *testing.T) {
			l := newBackendLoop(t, be)
			fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
			if err != nil {
				t.Fatal(err)
			}
			defer unix.Close(fds[1])
			h := &echoHandler{l: l, fd: fds[0]}
			if err := l.AddStream(fds[0], h); err != nil {
				t.Fatal(err)
			}
			// A send that cannot finish: nobody reads the peer.
			h.send(make([]byte, 16<<20))
			if err := l.RunOnce(false); err != nil {
				t.Fatal(err)
			}
			l.CloseStream(fds[0])
			unix.Write(fds[1], []byte("late"))
			// The peer sees the close once the loop has released the descriptor.
			spin(t, l, "peer sees EOF", func() bool {
				buf := make([]byte, 1<<20)
				for {
					n, err := unix.Read(fds[1], buf)
					if n == 0 && err == nil {
						return true
					}
					if n <= 0 {
						return false
					}
				}
			})
			if h.closed || len(h.got) > 0 || h.sent > 0 {
				t.Fatalf("callbacks after CloseStream: closed=%v got=%q sent=%d", h.closed, h.got, h.sent)
			}
		})
	}
}

func TestAcceptor(t *testing.T) {
	for _, be := range backends {
		t.Run(be.String(), func(t *testing.T) {
			l := newBackendLoop(t, be)
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			defer ln.Close()
			f, err := ln.(*net.TCPListener).File()
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			lfd := int(f.Fd())
			unix.SetNonblock(lfd, true)
			var accepted []int
			var peers []string
			if err := l.AddAcceptor(lfd, func(fd int, sa unix.Sockaddr) {
				accepted = append(accepted, fd)
				if a, ok := sa.(*unix.SockaddrInet4); ok {
					peers = append(peers, fmt.Sprintf("%v:%d", net.IP(a.Addr[:]), a.Port))
				}
			}, func(err error) { t.Errorf("accept error: %v", err) }); err != nil {
				t.Fatal(err)
			}
			var conns []net.Conn
			for i := 0; i < 3; i++ {
				c, err := net.Dial("tcp", ln.Addr().String())
				if err != nil {
					t.Fatal(err)
				}
				defer c.Close()
				conns = append(conns, c)
			}
			spin(t, l, "three accepts", func() bool { return len(accepted) == 3 })
			for i, fd := range accepted {
				if peers[i] != conns[i].LocalAddr().String() {
					t.Errorf("peer %d = %s, want %s", i, peers[i], conns[i].LocalAddr())
				}
				unix.Close(fd)
			}
			// Paused: connections wait in the backlog until resumed.
			if err := l.PauseAcceptor(lfd, true); err != nil {
				t.Fatal(err)
			}
			for i := 0; i < 3; i++ {
				l.RunOnce(false)
			}
			c, err := net.Dial("tcp", ln.Addr().String())
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			for i := 0; i < 5; i++ {
				l.RunOnce(false)
				time.Sleep(5 * time.Millisecond)
			}
			if len(accepted) != 3 {
				t.Fatalf("accepted while paused: %d", len(accepted))
			}
			if err := l.PauseAcceptor(lfd, false); err != nil {
				t.Fatal(err)
			}
			spin(t, l, "accept after resume", func() bool { return len(accepted) == 4 })
			unix.Close(accepted[3])
			l.RemoveAcceptor(lfd)
		})
	}
}

// Submit from another goroutine ends a blocking wait on both backends.
func TestSubmitWakesBothBackends(t *testing.T) {
	for _, be := range backends {
		t.Run(be.String(), func(t *testing.T) {
			l := newBackendLoop(t, be)
			for round := 0; round < 3; round++ {
				var ran atomic.Bool
				go func() {
					time.Sleep(10 * time.Millisecond)
					l.Submit(func() { ran.Store(true) })
				}()
				start := time.Now()
				for !ran.Load() {
					if err := l.RunOnce(true); err != nil {
						t.Fatal(err)
					}
					if time.Since(start) > 10*time.Second {
						t.Fatalf("round %d: Submit did not wake the loop", round)
					}
				}
			}
		})
	}
}

func TestParallelStreamIO(t *testing.T) {
	l := newBackendLoop(t, Epoll)
	pool := iothreads.New(4)
	defer pool.Close()
	l.SetParallel(pool, 2, true)
	const n = 50
	var hs []*echoHandler
	var peers []int
	for i := 0; i < n; i++ {
		fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
		if err != nil {
			t.Fatal(err)
		}
		defer unix.Close(fds[1])
		h := &echoHandler{l: l, fd: fds[0], echo: true}
		if err := l.AddStream(fds[0], h); err != nil {
			t.Fatal(err)
		}
		hs = append(hs, h)
		peers = append(peers, fds[1])
	}
	var mu sync.Mutex
	for round := 0; round < 20; round++ {
		for i, p := range peers {
			unix.Write(p, []byte(fmt.Sprintf("r%d-c%d;", round, i)))
		}
		got := make([][]byte, n)
		spin(t, l, "all echoes", func() bool {
			done := 0
			for i, p := range peers {
				buf := make([]byte, 256)
				if k, _ := unix.Read(p, buf); k > 0 {
					mu.Lock()
					got[i] = append(got[i], buf[:k]...)
					mu.Unlock()
				}
				if string(got[i]) == fmt.Sprintf("r%d-c%d;", round, i) {
					done++
				}
			}
			return done == n
		})
	}
	var pre int64
	for _, h := range hs {
		pre += h.preparse.Load()
	}
	if pre == 0 {
		t.Fatal("Preparse never ran on an I/O thread")
	}
}

// TestStreamHalfClose: a peer that writes and then shuts down its sending
// side still gets the echo before the stream closes, on both backends
// (io_uring can report the data and the EOF in one batch).
func TestStreamHalfClose(t *testing.T) {
	for _, be := range backends {
		t.Run(be.String(), func(t *testing.T) {
			l := newBackendLoop(t, be)
			fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
			if err != nil {
				t.Fatal(err)
			}
			defer unix.Close(fds[1])
			h := &echoHandler{l: l, fd: fds[0], echo: true}
			if err := l.AddStream(fds[0], h); err != nil {
				t.Fatal(err)
			}
			unix.Write(fds[1], []byte("last words"))
			unix.Shutdown(fds[1], unix.SHUT_WR)
			var back []byte
			eof := false
			spin(t, l, "echo then EOF", func() bool {
				buf := make([]byte, 64)
				n, err := unix.Read(fds[1], buf)
				if n > 0 {
					back = append(back, buf[:n]...)
				}
				if n == 0 && err == nil {
					eof = true
				}
				return eof
			})
			if string(back) != "last words" || !h.eof {
				t.Fatalf("got %q (eof reported: %v)", back, h.eof)
			}
		})
	}
}
