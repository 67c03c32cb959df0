//go:build linux

package server

import (
	"bufio"
	"bytes"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// lockedLog is a log destination safe to read while the server writes it.
type lockedLog struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (w *lockedLog) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}

func (w *lockedLog) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.String()
}

// panicStream is a stream handler whose Preparse panics: a stand-in for a
// defect in the code the server runs on I/O threads.
type panicStream struct{ closed chan error }

func (h *panicStream) Preparse([]byte)    { panic("injected: preparse") }
func (h *panicStream) OnData([]byte)      {}
func (h *panicStream) Output() []byte     { return nil }
func (h *panicStream) OnWritten(int)      {}
func (h *panicStream) OnEOF()             {}
func (h *panicStream) OnClosed(err error) { h.closed <- err }

// TestPanicOffTheLoopKeepsServing injects a panic in a function submitted
// to the loop, in a timer, and in a Preparse on an I/O thread, and checks
// that each is logged with its stack while the server keeps serving its
// clients (closing only the connection whose Preparse panicked).
func TestPanicOffTheLoopKeepsServing(t *testing.T) {
	for _, tc := range []struct {
		name, logged string
		threads      bool
		inject       func(t *testing.T, s *Server, clients []*bufio.ReadWriter)
	}{
		{"submitted function", "panic in a submitted function: injected: submit", false,
			func(t *testing.T, s *Server, _ []*bufio.ReadWriter) {
				s.loop.Submit(func() { panic("injected: submit") })
			}},
		{"timer", "panic in a timer: injected: timer", false,
			func(t *testing.T, s *Server, _ []*bufio.ReadWriter) {
				s.loop.Submit(func() {
					s.loop.AddTimer(0, func() time.Duration { panic("injected: timer") })
				})
			}},
		{"preparse on an I/O thread", "panic in Preparse on an I/O thread: injected: preparse", true,
			func(t *testing.T, s *Server, clients []*bufio.ReadWriter) {
				fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
				if err != nil {
					t.Fatal(err)
				}
				defer unix.Close(fds[1])
				h := &panicStream{closed: make(chan error, 1)}
				added := make(chan error, 1)
				s.loop.Submit(func() { added <- s.loop.AddStream(fds[0], h) })
				if err := <-added; err != nil {
					t.Fatal(err)
				}
				// Threads read only batches of ready streams: make the
				// clients ready together with the panicking stream until
				// a batch has carried it.
				deadline := time.Now().Add(10 * time.Second)
				for {
					unix.Write(fds[1], []byte("x"))
					for _, c := range clients {
						c.WriteString("*1\r\n$4\r\nPING\r\n")
						c.Flush()
					}
					for _, c := range clients {
						if line, err := c.ReadString('\n'); err != nil || line != "+PONG\r\n" {
							t.Fatalf("PING during injection: %q, %v", line, err)
						}
					}
					select {
					case err := <-h.closed:
						if err == nil || !strings.Contains(err.Error(), "injected: preparse") {
							t.Fatalf("stream closed with %v", err)
						}
						return
					default:
					}
					if time.Now().After(deadline) {
						t.Fatal("no threaded batch carried the panicking stream")
					}
				}
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			logs := &lockedLog{}
			cfg := DefaultConfig()
			cfg.Bind = []string{"127.0.0.1"}
			cfg.Port = 0
			cfg.LogOutput = logs
			if tc.threads {
				cfg.IOModel = "reactor"
				cfg.IOThreads, cfg.IOThreadsDoReads, cfg.IOThreadsAdaptive = 2, true, false
			}
			s, err := New(cfg)
			if err != nil {
				t.Fatal(err)
			}
			if err := s.Listen(); err != nil {
				t.Fatal(err)
			}
			go s.Serve()
			t.Cleanup(func() { s.Close() })
			var clients []*bufio.ReadWriter
			for i := 0; i < 8; i++ {
				conn, err := net.Dial("tcp", s.Addr().String())
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { conn.Close() })
				conn.SetDeadline(time.Now().Add(20 * time.Second))
				clients = append(clients, bufio.NewReadWriter(bufio.NewReader(conn), bufio.NewWriter(conn)))
			}
			ping := func(when string) {
				for i, c := range clients {
					c.WriteString("*1\r\n$4\r\nPING\r\n")
					c.Flush()
					if line, err := c.ReadString('\n'); err != nil || line != "+PONG\r\n" {
						t.Fatalf("%s: client %d: %q, %v", when, i, line, err)
					}
				}
			}
			ping("before")
			tc.inject(t, s, clients)
			deadline := time.Now().Add(10 * time.Second)
			for !strings.Contains(logs.String(), tc.logged) {
				if time.Now().After(deadline) {
					t.Fatalf("log lacks %q:\n%s", tc.logged, logs.String())
				}
				time.Sleep(time.Millisecond)
			}
			if !strings.Contains(logs.String(), "panic_test.go") {
				t.Fatalf("log lacks the stack:\n%s", logs.String())
			}
			ping("after")
		})
	}
}
