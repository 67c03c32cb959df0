//go:build linux

package eventloop

import (
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// nestedHandler polls nested iterations from inside its OnData until the
// other stream has received its data, the way a server serves clients while
// one command runs long.
type nestedHandler struct {
	echoHandler
	other   *echoHandler
	inside  []byte // the data OnData was handed, copied when the nested polls are done
	handed  []byte
	pollErr error
}

func (h *nestedHandler) OnData(data []byte) {
	if h.handed != nil {
		h.echoHandler.OnData(data) // data delivered while nested: just recorded
		return
	}
	h.handed = data
	deadline := time.Now().Add(5 * time.Second)
	for len(h.other.got) == 0 && time.Now().Before(deadline) {
		if err := h.l.PollNested(); err != nil {
			h.pollErr = err
			return
		}
	}
	h.inside = append([]byte(nil), data...)
}

func TestPollNested(t *testing.T) {
	for _, be := range backends {
		t.Run(be.String(), func(t *testing.T) {
			l := newBackendLoop(t, be)
			pair := func() [2]int {
				fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { unix.Close(fds[1]) })
				return [2]int{fds[0], fds[1]}
			}
			p1, p2 := pair(), pair()
			other := &echoHandler{l: l, fd: p2[0], echo: true}
			h := &nestedHandler{echoHandler: echoHandler{l: l, fd: p1[0]}, other: other}
			if err := l.AddStream(p1[0], h); err != nil {
				t.Fatal(err)
			}
			if err := l.AddStream(p2[0], other); err != nil {
				t.Fatal(err)
			}
			unix.Write(p1[1], []byte("first stream's data"))
			go func() {
				time.Sleep(50 * time.Millisecond)
				unix.Write(p2[1], []byte("other"))
				unix.Write(p1[1], []byte("more for the first"))
			}()
			spin(t, l, "nested polls", func() bool { return h.inside != nil || h.pollErr != nil })
			if h.pollErr != nil {
				t.Fatal(h.pollErr)
			}
			if string(h.inside) != "first stream's data" {
				t.Fatalf("the outer handler's data changed under it: %q", h.inside)
			}
			// The other stream was served (its echo written) while nested.
			buf := make([]byte, 64)
			spin(t, l, "echo", func() bool {
				n, _ := unix.Read(p2[1], buf)
				return n == 5
			})
			spin(t, l, "more data", func() bool { return string(h.got) == "more for the first" })
		})
	}
}
