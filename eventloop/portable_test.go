package eventloop

import (
	"bufio"
	"errors"
	"io"
	"net"
	"runtime"
	"strings"
	"testing"
	"time"
)

// upperHandler echoes what it receives, upper-cased, and closes its stream
// at the peer's EOF once its output is written.
type upperHandler struct {
	l      *Loop
	id     int
	out    []byte
	eof    bool
	closed chan error
}

func (h *upperHandler) OnData(data []byte) {
	h.out = append(h.out, strings.ToUpper(string(data))...)
	h.l.Flush(h.id)
}
func (h *upperHandler) Output() []byte { return h.out }
func (h *upperHandler) OnWritten(n int) {
	h.out = h.out[n:]
	if h.eof && len(h.out) == 0 {
		h.l.CloseStream(h.id)
		h.closed <- nil
	}
}
func (h *upperHandler) OnEOF() {
	h.eof = true
	if len(h.out) == 0 && !h.l.Writing(h.id) {
		h.l.CloseStream(h.id)
		h.closed <- nil
	}
}
func (h *upperHandler) OnClosed(err error) { h.closed <- err }

// TestPortableEcho runs the portable backend with a listener: pipelined
// input comes back whole and in order, EOF is reported, the loop's timers
// and Submit work, and Close leaves no goroutine behind.
func TestPortableEcho(t *testing.T) {
	before := runtime.NumGoroutine()
	l, err := NewWithOptions(Options{Backend: Portable})
	if err != nil {
		t.Fatal(err)
	}
	if l.Backend().String() != "portable" {
		t.Fatalf("backend %v", l.Backend())
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := make(chan error, 4)
	var peers []net.Addr
	if _, err := l.AddListener(ln, func(id int, peer net.Addr) {
		peers = append(peers, peer)
		h := &upperHandler{l: l, id: id, closed: closed}
		if err := l.AddStream(id, h); err != nil {
			t.Error(err)
		}
		l.TuneTCP(id, 60)
		if l.LocalAddr(id).String() != ln.Addr().String() {
			t.Errorf("local address %v, want %v", l.LocalAddr(id), ln.Addr())
		}
	}, func(err error) { t.Error(err) }); err != nil {
		t.Fatal(err)
	}
	fired := make(chan struct{})
	l.AddTimer(time.Millisecond, func() time.Duration { close(fired); return 0 })
	done := make(chan error)
	go func() { done <- l.Run() }()

	conn, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	var in, want strings.Builder
	for i := 0; i < 20000; i++ {
		line := strings.Repeat("x", i%100) + "ab\n"
		in.WriteString(line)
		want.WriteString(strings.ToUpper(line))
	}
	go func() {
		// Pipelined: all of it at once, the peer reading meanwhile.
		conn.Write([]byte(in.String()))
		conn.(*net.TCPConn).CloseWrite()
	}()
	got, err := io.ReadAll(bufio.NewReader(conn))
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != want.String() {
		t.Fatalf("echoed %d bytes, want %d (or out of order)", len(got), want.Len())
	}
	if err := <-closed; err != nil {
		t.Fatalf("stream ended with %v", err)
	}
	conn.Close()
	<-fired
	ran := make(chan struct{})
	l.Submit(func() { close(ran) })
	<-ran
	l.Stop()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if len(peers) != 1 {
		t.Fatalf("%d connections accepted", len(peers))
	}
	deadline := time.Now().Add(2 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		t.Fatalf("%d goroutines before, %d after Close", before, n)
	}
}

// TestPortableOrderAndReject checks that sequential writes come back in
// order and that Reject answers and closes a connection never added.
func TestPortableOrderAndReject(t *testing.T) {
	l, err := NewWithOptions(Options{Backend: Portable})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := make(chan error, 4)
	n := 0
	l.AddListener(ln, func(id int, peer net.Addr) {
		n++
		if n == 2 {
			l.Reject(id, []byte("-ERR go away\r\n"))
			return
		}
		l.AddStream(id, &upperHandler{l: l, id: id, closed: closed})
	}, nil)
	done := make(chan error)
	go func() { done <- l.Run() }()
	defer func() {
		l.Stop()
		<-done
		l.Close()
	}()
	c1, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c1.Close()
	r := bufio.NewReader(c1)
	for i := 0; i < 200; i++ {
		msg := strings.Repeat("q", i) + "\n"
		c1.Write([]byte(msg))
		line, err := r.ReadString('\n')
		if err != nil || line != strings.ToUpper(msg) {
			t.Fatalf("round %d: %q %v", i, line, err)
		}
	}
	c2, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	c2.SetReadDeadline(time.Now().Add(5 * time.Second))
	got, err := io.ReadAll(c2)
	if string(got) != "-ERR go away\r\n" || (err != nil && !errors.Is(err, io.EOF)) {
		t.Fatalf("rejected connection got %q, %v", got, err)
	}
}
