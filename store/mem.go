package store

import (
	"unsafe"
)

// Memory accounting.
//
// Each database keeps a running total of the bytes its keys and values take
// (DB.Mem), the figure maxmemory is enforced against. It is maintained as
// the keyspace changes, never by walking it: a key adds its size when it is
// inserted and takes it away when it is removed. A collection (or a large
// string) that a command changes in place is found through a lookup for
// writing (LookupWith with NoStats); the database notes its size then, in a
// short list of pending objects, and settles the difference the next time
// the total is read (or the list fills). A key removed while pending takes
// away the size that was counted for it, so the total always equals the sum
// of the sizes counted for the keys present.
//
// The size of a value is an estimate of the heap it holds, computed in
// constant time from what each encoding already knows: its byte slices'
// capacities rounded up to Go's allocation size classes, plus a running
// count of the bytes of the separate allocations of a large hash, set or
// sorted set (maintained where those encodings add and remove elements),
// plus a per-element allowance for the nodes of their trees and tables.

// sizeClasses are the Go runtime's small-object size classes (runtime/sizeclasses.go).
var sizeClasses = [...]uint16{
	8, 16, 24, 32, 48, 64, 80, 96, 112, 128, 144, 160, 176, 192, 208, 224, 240, 256,
	288, 320, 352, 384, 416, 448, 480, 512, 576, 640, 704, 768, 896, 1024, 1152, 1280,
	1408, 1536, 1792, 2048, 2304, 2688, 3072, 3200, 3456, 4096, 4864, 5376, 6144, 6528,
	6784, 6912, 8192, 9472, 9728, 10240, 10880, 12288, 13568, 14336, 16384, 18432, 19072,
	20480, 21760, 24576, 27264, 28672, 32768,
}

// AllocSize returns the bytes the Go allocator takes for an object of n
// bytes: its size class, or whole 8 KB pages beyond the largest class.
func AllocSize(n int) int {
	if n <= 0 {
		return 0
	}
	if n > 32768 {
		return (n + 8191) &^ 8191
	}
	lo, hi := 0, len(sizeClasses)-1
	for lo < hi {
		mid := (lo + hi) / 2
		if int(sizeClasses[mid]) < n {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	return int(sizeClasses[lo])
}

// Per-element allowances for the structures of large encodings, beyond the
// element's own allocation (counted exactly): a B-tree item of 16 bytes in
// nodes kept about 70% full, and a sorted set's two trees.
const (
	hashFieldOverhead  = 24
	zsetMemberOverhead = 48
	// expireOverhead is what a deadline costs besides the 8 bytes in the
	// key's allocation: an item in the expiry B-tree and its key's copy
	// (measured: about 20 to 40 bytes for short keys).
	expireOverhead = 32
	sliceHeader    = int(unsafe.Sizeof([]byte(nil)))
)

// memSize returns the bytes key e and its value take.
func (e *entry) memSize() int {
	hdr := lruSize
	if e.hasTTL() {
		hdr += deadlineSize
	}
	n := AllocSize(hdr + int(e.kl) + int(e.vlen))
	if e.hasTTL() {
		n += expireOverhead
	}
	if e.obj == nil {
		return n
	}
	switch e.typ() {
	case TypeString:
		return n + AllocSize(sliceHeader) + AllocSize(cap(*(*[]byte)(e.obj)))
	case TypeHash:
		return n + (*Hash)(e.obj).MemUsage()
	case TypeList:
		return n + (*List)(e.obj).MemUsage()
	case TypeSet:
		return n + (*Set)(e.obj).MemUsage()
	case TypeZSet:
		return n + (*ZSet)(e.obj).MemUsage()
	}
	return n
}

// MemUsage returns the bytes the key and its value take, as counted in the
// database's total (MEMORY USAGE).
func (x Entry) MemUsage() int { return x.e.memSize() }

// MemUsage estimates the bytes the hash holds.
func (h *Hash) MemUsage() int {
	n := int(unsafe.Sizeof(*h)) + AllocSize(int(h.lpCap))
	if t := h.t; t != nil {
		n += int(unsafe.Sizeof(*t)) + t.data + t.tree.Len()*hashFieldOverhead
	}
	return n
}

func (f hashField) allocBytes() int {
	return AllocSize(int(f.flen) + lenPrefixedSize(len(f.value())))
}

// MemUsage estimates the bytes the list holds: its chunk ring and the
// buffers of its chunks (all of them for a short list, an even sample of
// them for a long one).
func (l *List) MemUsage() int {
	n := int(unsafe.Sizeof(*l)) + AllocSize(cap(l.ring)*int(unsafe.Sizeof(listChunk{})))
	if l.spare != nil {
		n += listChunkMax
	}
	nch := int(l.nch)
	const sampled = 16
	if nch <= sampled {
		for i := range nch {
			n += AllocSize(cap(l.at(i).buf))
		}
		return n
	}
	sum := 0
	for k := range sampled {
		sum += AllocSize(cap(l.at(k * (nch - 1) / (sampled - 1)).buf))
	}
	return n + sum*nch/sampled
}

// MemUsage estimates the bytes the set holds.
func (s *Set) MemUsage() int {
	n := int(unsafe.Sizeof(*s)) + AllocSize(cap(s.ints))
	if t := s.table; t != nil {
		n += int(unsafe.Sizeof(*t)) + t.data +
			AllocSize((len(t.cur.slots)+len(t.old.slots))*int(unsafe.Sizeof(slot{})))
	}
	return n
}

// MemUsage estimates the bytes the sorted set holds.
func (z *ZSet) MemUsage() int {
	n := int(unsafe.Sizeof(*z)) + AllocSize(cap(z.lp))
	if b := z.big; b != nil {
		n += int(unsafe.Sizeof(*b)) + b.data + b.byScore.len()*zsetMemberOverhead
	}
	return n
}

// pendingMem is an object changed in place whose size is being settled.
type pendingMem struct {
	e   entry
	pre int // the size counted for it
}

// maxPending is how many objects wait to be settled before a new one
// makes the database settle them all.
const maxPending = 32

// Mem returns the bytes the database's keys and values take (its share of
// used_memory), settling objects changed in place first.
func (db *DB) Mem() int {
	if len(db.pending) > 0 {
		db.settle()
	}
	return db.mem
}

// OverheadMem returns the bytes of the database's own structures: the
// keyspace tables and the expiry index.
func (db *DB) OverheadMem() (main, expires int) {
	return db.keys.tableBytes(), db.expires.Len() * 16
}

func (db *DB) settle() {
	for i := range db.pending {
		p := &db.pending[i]
		db.mem += p.e.memSize() - p.pre
		p.e = entry{}
	}
	db.pending = db.pending[:0]
}

// noteWrite records that e's value may be changed in place.
func (db *DB) noteWrite(e entry) {
	if e.obj == nil {
		return
	}
	for i := range db.pending {
		if db.pending[i].e.obj == e.obj {
			return
		}
	}
	if len(db.pending) >= maxPending {
		db.settle()
	}
	db.pending = append(db.pending, pendingMem{e: e, pre: e.memSize()})
}

// memAdd counts an inserted entry.
func (db *DB) memAdd(e entry) {
	db.mem += e.memSize()
	if e.obj != nil {
		// The caller may go on filling the object it just stored.
		db.noteWrite(e)
	}
}

// memRemove uncounts a removed entry.
func (db *DB) memRemove(e entry) {
	if e.obj != nil {
		for i := range db.pending {
			if db.pending[i].e.obj == e.obj {
				db.mem -= db.pending[i].pre
				last := len(db.pending) - 1
				db.pending[i] = db.pending[last]
				db.pending[last] = pendingMem{}
				db.pending = db.pending[:last]
				return
			}
		}
	}
	db.mem -= e.memSize()
}
