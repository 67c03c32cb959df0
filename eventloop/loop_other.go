//go:build !linux

package eventloop

import (
	"fmt"
	"time"
)

// sockaddr is a peer address as descriptor backends would report it;
// outside Linux there are none.
type sockaddr = struct{}

// DefaultBackend is the backend New uses: Portable outside Linux.
const DefaultBackend = Portable

// newBackend creates opts.Backend's backend: only Portable exists here.
func newBackend(l *Loop, opts Options) (backend, error) {
	if opts.Backend != Portable {
		return nil, fmt.Errorf("eventloop: %v: %w on this system", opts.Backend, ErrUnsupported)
	}
	return newPortableBackend(l), nil
}

func (l *Loop) closeWake() error { return nil }

// SpinWait returns how long the loop spins before it blocks: zero, since
// only the io_uring backend spins.
func (l *Loop) SpinWait() time.Duration { return 0 }
