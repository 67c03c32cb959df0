package server

// bufPool recycles query and reply buffers in a few size classes, so that
// steady traffic (including replies bigger than one 16 KB buffer, such as
// pipelined reads of 1 KB values) allocates nothing. It is used on the loop
// goroutine only.
type bufPool struct {
	classes [len(bufClasses)][][]byte
}

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

// putBuf returns a buffer to the pool if its capacity is one of the classes.
func (s *Server) putBuf(b []byte) {
	for i, cl := range bufClasses {
		if cap(b) == cl.size {
			if len(s.bufPool.classes[i]) < cl.keep {
				s.bufPool.classes[i] = append(s.bufPool.classes[i], b[:0])
			}
			return
		}
	}
}
