//go:build !linux

package eventloop

// PollNested runs one iteration of I/O from inside a handler, without
// waiting (see nested.go, the Linux version). On the portable backend a
// connection's reader waits for its handler to return before it reads
// again, so the data of a handler on the stack stays intact.
func (l *Loop) PollNested() error {
	if l.closed {
		return ErrClosed
	}
	if len(l.flushQ) > 0 {
		l.flush()
	}
	return l.be.wait(0)
}
