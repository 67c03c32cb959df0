//go:build linux

package eventloop

import (
	"testing"

	"golang.org/x/sys/unix"
)

// BenchmarkStreamEcho measures one request/response round trip through the
// loop on each backend: the peer writes a 32-byte request, the loop receives
// it, the handler echoes it and the loop writes it back before it sleeps.
// It reports allocations: the loop's own path must not allocate.
func BenchmarkStreamEcho(b *testing.B) {
	for _, be := range backends {
		b.Run(be.String(), func(b *testing.B) {
			l, err := NewWithOptions(Options{Backend: be})
			if err != nil {
				b.Skipf("%v: %v", be, err)
			}
			defer l.Close()
			fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
			if err != nil {
				b.Fatal(err)
			}
			defer unix.Close(fds[1])
			h := &benchEcho{l: l, fd: fds[0]}
			if err := l.AddStream(fds[0], h); err != nil {
				b.Fatal(err)
			}
			req := make([]byte, 32)
			resp := make([]byte, 64)
			b.ReportAllocs()
			for b.Loop() {
				if _, err := unix.Write(fds[1], req); err != nil {
					b.Fatal(err)
				}
				for got := 0; got < len(req); {
					if err := l.RunOnce(false); err != nil {
						b.Fatal(err)
					}
					if n, _ := unix.Read(fds[1], resp); n > 0 {
						got += n
					}
				}
			}
		})
	}
}

// benchEcho echoes what it receives through one reused output buffer.
type benchEcho struct {
	l    *Loop
	fd   int
	out  []byte
	wpos int
}

func (h *benchEcho) OnData(data []byte) {
	h.out = append(h.out, data...)
	h.l.Flush(h.fd)
}

func (h *benchEcho) Output() []byte { return h.out[h.wpos:] }

func (h *benchEcho) OnWritten(n int) {
	if h.wpos += n; h.wpos == len(h.out) && !h.l.Writing(h.fd) {
		h.out, h.wpos = h.out[:0], 0
	}
}

func (h *benchEcho) OnEOF()         { h.l.CloseStream(h.fd) }
func (h *benchEcho) OnClosed(error) {}
