package server

// lzfCompressedLen returns how many bytes liblzf's compressor (as built
// into Redis: a 2^16-slot hash table, "very fast" mode) makes of in when
// its output may take at most max bytes, or 0 when it does not fit. DEBUG
// OBJECT needs it: Redis's serializedlength counts a string over 20 bytes
// in its compressed form when compression saves at least 4 bytes, so the
// length depends on the exact choices the compressor makes. This is an
// independent implementation of the same greedy algorithm; it computes the
// output's length only.
//
// The format: literal runs (a control byte of length-1 below 32, then the
// bytes) and back references (3 bits of length and 5 of offset, a length
// byte when the length is 7 or more, then 8 more bits of offset).
//
// t is the hash table, reused across calls (nil for a new one).
func lzfCompressedLen(in []byte, max int, t *lzfTable) int {
	const (
		hashLog = 16
		maxLit  = 1 << 5
		maxOff  = 1 << 13
		maxRef  = 1<<8 + 1<<3
	)
	n := len(in)
	if n == 0 {
		return 0
	}
	if t == nil {
		t = new(lzfTable)
	}
	t.clear()
	idx := func(h uint32) uint32 { return ((h >> (3*8 - hashLog)) - h*5) & (1<<hashLog - 1) }

	op := 1 // output length so far, with room for the open run's control byte
	lit := 0
	ip := 0
	var hval uint32
	if n >= 2 {
		hval = uint32(in[0])<<8 | uint32(in[1])
	}
	for ip < n-2 {
		hval = hval<<8 | uint32(in[ip+2])
		slot := idx(hval)
		ref := int(t.slots[slot])
		t.set(slot, ip)
		off := ip - ref - 1
		if ref > 0 && off >= 0 && off < maxOff && in[ref+2] == in[ip+2] && in[ref] == in[ip] && in[ref+1] == in[ip+1] {
			length := 2
			maxlen := min(n-ip-length, maxRef)
			if op+3+1 >= max {
				extra := 0
				if lit == 0 {
					extra = 1
				}
				if op-extra+3+1 >= max {
					return 0
				}
			}
			if lit == 0 {
				op-- // no literal run to close
			}
			if maxlen > 16 {
				// Sixteen bytes compared one by one first, as liblzf
				// unrolls them: the match may end past maxlen here.
				matched := true
				for i := 0; i < 16; i++ {
					length++
					if in[ref+length] != in[ip+length] {
						matched = false
						break
					}
				}
				if matched {
					for {
						length++
						if !(length < maxlen && in[ref+length] == in[ip+length]) {
							break
						}
					}
				}
			} else {
				for {
					length++
					if !(length < maxlen && in[ref+length] == in[ip+length]) {
						break
					}
				}
			}
			length -= 2
			ip++
			if length < 7 {
				op++
			} else {
				op += 2
			}
			op++ // low offset byte
			lit = 0
			op++ // the next run's control byte
			ip += length + 1
			if ip >= n-2 {
				break
			}
			// Hash the last two positions the match covered.
			ip -= 2
			hval = uint32(in[ip])<<8 | uint32(in[ip+1])
			hval = hval<<8 | uint32(in[ip+2])
			t.set(idx(hval), ip)
			ip++
			hval = hval<<8 | uint32(in[ip+2])
			t.set(idx(hval), ip)
			ip++
			continue
		}
		if op >= max {
			return 0
		}
		lit++
		op++
		ip++
		if lit == maxLit {
			lit = 0
			op++
		}
	}
	if op+3 > max {
		return 0
	}
	for ip < n {
		lit++
		op++
		ip++
		if lit == maxLit {
			lit = 0
			op++
		}
	}
	if lit == 0 {
		op--
	}
	return op
}

// lzfTable is lzfCompressedLen's hash table: per hash of three bytes, the
// last position where they were seen. Like liblzf's, a position of 0 never
// matches, so a zero slot means none. It remembers the slots it set, so
// that clearing it for the next input costs what that input did.
type lzfTable struct {
	slots   []int32
	touched []uint32
}

func (t *lzfTable) set(slot uint32, pos int) {
	if t.slots[slot] == 0 {
		t.touched = append(t.touched, slot)
	}
	t.slots[slot] = int32(pos)
}

func (t *lzfTable) clear() {
	if t.slots == nil {
		t.slots = make([]int32, 1<<16)
	}
	for _, s := range t.touched {
		t.slots[s] = 0
	}
	t.touched = t.touched[:0]
}
