package server

// bufPool recycles query and reply buffers in a few size classes, so that
// steady traffic (including replies bigger than one 16 KB buffer, such as
// pipelined reads of 1 KB values) allocates nothing. It is used on the loop
// goroutine only.
//
// Buffers the pool does not keep (bigger than its classes, or of a class
// that is full) are left to the garbage collector, and their bytes counted:
// the cron hands that memory back to the operating system once enough has
// been dropped (see takeDropped), since the runtime would otherwise keep a
// large client's buffers resident long after the client is gone.
type bufPool struct {
	classes [len(bufClasses)][][]byte
	dropped int // bytes of buffers dropped since the last release
}

// releaseShare is the fraction of the heap (1/releaseShare) that dropped
// buffers must reach before they are worth a release. A release is a full
// garbage collection, whose cost grows with the heap: on a large data set
// it waits for an eighth of the heap in dropped buffers, so that releases
// add at most eight collections per heap's worth of buffers dropped.
const releaseShare = 8

// bufClasses are the pooled capacities, and how many of each are kept
// (about 16 MB per class at most).
var bufClasses = [...]struct{ size, keep int }{
	{ioBufSize, 1024},
	{64 << 10, 256},
	{256 << 10, 64},
	{1 << 20, 16},
}

// getBuf returns an empty buffer with a capacity of at least n, from the
// pool when one of a class that fits is there.
func (s *Server) getBuf() []byte { return s.getBufCap(ioBufSize) }

func (s *Server) getBufCap(n int) []byte {
	for i, cl := range bufClasses {
		if n <= cl.size {
			stack := s.bufPool.classes[i]
			if k := len(stack); k > 0 {
				b := stack[k-1]
				s.bufPool.classes[i] = stack[:k-1]
				return b
			}
			return make([]byte, 0, cl.size)
		}
	}
	return make([]byte, 0, n)
}

// putBuf returns a buffer to the pool if its capacity is one of the classes
// and that class is not full, and drops it otherwise.
func (s *Server) putBuf(b []byte) {
	for i, cl := range bufClasses {
		if cap(b) == cl.size {
			if len(s.bufPool.classes[i]) < cl.keep {
				s.bufPool.classes[i] = append(s.bufPool.classes[i], b[:0])
				return
			}
			break
		}
	}
	s.dropBuf(b)
}

// dropBuf notes that b is left to the garbage collector. Buffers no bigger
// than a standard one are not counted: the collector's ordinary pacing
// handles them. A huge one may start a release (see releaseDropped) at once.
func (s *Server) dropBuf(b []byte) {
	if cap(b) > ioBufSize {
		s.bufPool.dropped += cap(b)
		if cap(b) >= hugeBuf {
			// Do not wait for the cron: a batch of replies may be
			// outgrowing one huge buffer after another right now.
			s.releaseDropped(readMemory().objects)
		}
	}
}

// hugeBuf is the size (four times the largest pooled class) from which a
// dropped buffer is considered for a release at once rather than at the next
// cron run: one batch of pipelined replies can outgrow buffer after buffer
// without returning to the loop, and the runtime would let the outgrown ones
// pile up to as much as is live before collecting them.
const hugeBuf = 4 << 20

// takeDropped returns the bytes of buffers dropped since the last call that
// returned them, once they are at least a releaseShare of heap bytes, and 0
// until then.
func (p *bufPool) takeDropped(heap uint64) int {
	if p.dropped == 0 || uint64(p.dropped) < heap/releaseShare {
		return 0
	}
	n := p.dropped
	p.dropped = 0
	return n
}
