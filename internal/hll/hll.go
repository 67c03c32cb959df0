// Package hll implements Redis's HyperLogLog as the string value Redis
// stores, byte for byte, so that a key written by kvd's PFADD reads back
// with GET exactly as Redis's would, and PFCOUNT estimates the same
// cardinality.
//
// A HyperLogLog is a string of a 16-byte header followed by 16384 registers:
//
//	"HYLL" | encoding (0 dense, 1 sparse) | 3 unused bytes | cached cardinality
//
// The cached cardinality is 8 bytes little-endian; the top bit of its last
// byte set means the cache is stale. Dense registers are 6 bits each,
// packed least significant bit first (12288 bytes). The sparse encoding is
// a run-length code of three opcodes:
//
//	ZERO   00xxxxxx           1..64 registers at zero
//	XZERO  01xxxxxx yyyyyyyy  1..16384 registers at zero (14 bits)
//	VAL    1vvvvvxx           1..4 registers at value 1..32
//
// Elements are hashed with MurmurHash64A (seed 0xadc83b19): the low 14 bits
// pick the register and the number of trailing zeros of the other 50 bits,
// plus one, is the candidate value. The estimator is Otmar Ertl's improved
// raw estimator ("New cardinality estimation algorithms for HyperLogLog
// sketches", arXiv:1702.01284), the one Redis 4 and later use.
//
// The functions work on the string in place; those that may resize it take
// a *[]byte and store the new slice through it.
package hll

import (
	"encoding/binary"
	"math"
	"math/bits"
)

// Layout constants.
const (
	// NumRegisters is the number of registers, 2^14.
	NumRegisters = 1 << precision
	// HeaderSize is the size of the header before the registers.
	HeaderSize = 16
	// DenseSize is the exact length of a dense HyperLogLog.
	DenseSize = HeaderSize + (NumRegisters*regBits+7)/8
	// DefaultSparseMaxBytes is Redis's default hll-sparse-max-bytes: the
	// largest a sparse HyperLogLog grows before it turns dense.
	DefaultSparseMaxBytes = 3000

	precision = 14
	hashBits  = 64 - precision // the hash bits left after the register index
	regBits   = 6
	regMax    = 1<<regBits - 1

	encOffset  = 4
	cardOffset = 8
	staleBit   = 0x80 // in the cardinality's last byte

	opXZero     = 0x40
	opVal       = 0x80
	valMaxValue = 32
	valMaxLen   = 4
	zeroMaxLen  = 64

	seed     = 0xadc83b19
	alphaInf = 0.721347520444481703680 // 0.5/ln(2)
)

// The encodings, as stored in the header's fifth byte.
const (
	Dense  = 0
	Sparse = 1
)

// New returns an empty HyperLogLog as PFADD creates it: sparse, one XZERO
// opcode covering every register, a cached cardinality of zero.
func New() []byte {
	b := make([]byte, HeaderSize+2)
	copy(b, "HYLL")
	b[encOffset] = Sparse
	putXZero(b[HeaderSize:], NumRegisters)
	return b
}

// Valid reports whether b passes Redis's check for a HyperLogLog value:
// the magic, a known encoding, and the exact size if dense. A sparse value
// that fails to decode is detected later, as Redis does.
func Valid(b []byte) bool {
	return len(b) >= HeaderSize && string(b[:4]) == "HYLL" && b[encOffset] <= Sparse &&
		(b[encOffset] != Dense || len(b) == DenseSize)
}

// IsDense reports whether a valid HyperLogLog uses the dense encoding.
func IsDense(b []byte) bool { return b[encOffset] == Dense }

// CachedCount returns the cached cardinality of a valid HyperLogLog, and
// whether it is current.
func CachedCount(b []byte) (uint64, bool) {
	if b[HeaderSize-1]&staleBit != 0 {
		return 0, false
	}
	return binary.LittleEndian.Uint64(b[cardOffset:]), true
}

// SetCachedCount stores card as the cached cardinality. A value with the
// top bit set stays marked stale, as in Redis.
func SetCachedCount(b []byte, card uint64) {
	binary.LittleEndian.PutUint64(b[cardOffset:], card)
}

// Invalidate marks the cached cardinality stale, keeping its other bits.
func Invalidate(b []byte) {
	b[HeaderSize-1] |= staleBit
}

// Hash is MurmurHash64A, the 64-bit hash Redis's HyperLogLog uses, with
// Redis's seed.
func Hash(data []byte) uint64 {
	const (
		m = 0xc6a4a7935bd1e995
		r = 47
	)
	h := seed ^ uint64(len(data))*m
	for len(data) >= 8 {
		k := binary.LittleEndian.Uint64(data)
		k *= m
		k ^= k >> r
		k *= m
		h ^= k
		h *= m
		data = data[8:]
	}
	if len(data) > 0 {
		for i := len(data) - 1; i >= 0; i-- {
			h ^= uint64(data[i]) << (8 * i)
		}
		h *= m
	}
	h ^= h >> r
	h *= m
	h ^= h >> r
	return h
}

// position returns the register elem maps to and the value it proposes.
func position(elem []byte) (index int, count uint8) {
	h := Hash(elem)
	index = int(h & (NumRegisters - 1))
	h = h>>precision | 1<<hashBits
	return index, uint8(bits.TrailingZeros64(h) + 1)
}

// Add adds elem to the HyperLogLog *hp (dense or sparse). It returns 1 if
// a register changed, 0 if none did, and -1 if *hp is not a valid
// HyperLogLog. A sparse value grows up to sparseMax bytes
// (hll-sparse-max-bytes) and turns dense beyond.
func Add(hp *[]byte, elem []byte, sparseMax int) int {
	index, count := position(elem)
	return Set(hp, index, count, sparseMax)
}

// Set raises register index of *hp to count if it is lower, with Add's
// results.
func Set(hp *[]byte, index int, count uint8, sparseMax int) int {
	switch (*hp)[encOffset] {
	case Dense:
		if denseSetMax((*hp)[HeaderSize:], index, count) {
			return 1
		}
		return 0
	case Sparse:
		return sparseSet(hp, index, count, sparseMax)
	}
	return -1
}

// Count estimates the cardinality from the registers of a valid
// HyperLogLog, ignoring the cache. ok is false if a sparse encoding does
// not describe exactly NumRegisters registers.
func Count(b []byte) (card uint64, ok bool) {
	var histo [64]int
	if b[encOffset] == Dense {
		denseHisto(b[HeaderSize:], &histo)
	} else if !sparseHisto(b[HeaderSize:], &histo) {
		return 0, false
	}
	return estimate(&histo), true
}

// ---- dense registers ----

func denseGet(regs []byte, i int) uint8 {
	bit := i * regBits
	j, fb := bit>>3, uint(bit&7)
	if fb <= 8-regBits {
		return regs[j] >> fb & regMax
	}
	return (regs[j]>>fb | regs[j+1]<<(8-fb)) & regMax
}

func denseSet(regs []byte, i int, v uint8) {
	bit := i * regBits
	j, fb := bit>>3, uint(bit&7)
	regs[j] = regs[j]&^byte(regMax<<fb) | v<<fb
	if fb > 8-regBits {
		regs[j+1] = regs[j+1]&^(regMax>>(8-fb)) | v>>(8-fb)
	}
}

// denseSetMax raises register i to v if it is lower, reporting whether it did.
func denseSetMax(regs []byte, i int, v uint8) bool {
	if denseGet(regs, i) >= v {
		return false
	}
	denseSet(regs, i, v)
	return true
}

// denseHisto counts the registers of each value, four registers (three
// bytes) at a time.
func denseHisto(regs []byte, histo *[64]int) {
	for i := 0; i+3 <= len(regs); i += 3 {
		v := uint32(regs[i]) | uint32(regs[i+1])<<8 | uint32(regs[i+2])<<16
		histo[v&regMax]++
		histo[v>>6&regMax]++
		histo[v>>12&regMax]++
		histo[v>>18&regMax]++
	}
}

// ---- sparse opcodes ----

func isZero(op byte) bool  { return op&0xc0 == 0 }
func isXZero(op byte) bool { return op&0xc0 == opXZero }
func isVal(op byte) bool   { return op&opVal != 0 }

func zeroLen(op byte) int  { return int(op&0x3f) + 1 }
func valValue(op byte) int { return int(op>>2&0x1f) + 1 }
func valLen(op byte) int   { return int(op&3) + 1 }

// xzeroLen decodes the XZERO opcode at s[i]. A second byte past the end of
// s reads as zero, like the terminating NUL Redis's strings carry.
func xzeroLen(s []byte, i int) int {
	var lo byte
	if i+1 < len(s) {
		lo = s[i+1]
	}
	return (int(s[i]&0x3f)<<8 | int(lo)) + 1
}

func valOp(val, n int) byte { return byte((val-1)<<2|(n-1)) | opVal }
func zeroOp(n int) byte     { return byte(n - 1) }

func putXZero(dst []byte, n int) {
	dst[0] = byte((n-1)>>8) | opXZero
	dst[1] = byte(n - 1)
}

// putZeros appends the shortest opcode for n (1..16384) zero registers.
func putZeros(dst []byte, n int) int {
	if n > zeroMaxLen {
		putXZero(dst, n)
		return 2
	}
	dst[0] = zeroOp(n)
	return 1
}

// sparseSet is Set for the sparse encoding. It finds the opcode covering
// register index, splits it around the register when its value must rise
// (promoting the value to dense if the result would outgrow sparseMax or
// the value exceeds what VAL holds), and then merges adjacent VAL opcodes
// of equal value near the change, scanning at most five opcodes from the
// one before it. Every step is Redis's, so the bytes come out the same.
func sparseSet(hp *[]byte, index int, count uint8, sparseMax int) int {
	if count > valMaxValue {
		return promote(hp, index, count)
	}
	b := *hp
	end := len(b)

	// Find the opcode covering index: it starts at pos and covers
	// registers first..first+span-1; prev is the opcode before it.
	pos, prev := HeaderSize, -1
	first, span, oplen := 0, 0, 1
	for pos < end {
		op := b[pos]
		oplen = 1
		switch {
		case isZero(op):
			span = zeroLen(op)
		case isVal(op):
			span = valLen(op)
		default:
			span = xzeroLen(b, pos)
			oplen = 2
		}
		if index <= first+span-1 {
			break
		}
		prev = pos
		pos += oplen
		first += span
	}
	if span == 0 || pos >= end {
		return -1
	}

	op := b[pos]
	switch {
	case isVal(op):
		if valValue(op) >= int(count) {
			return 0
		}
		if valLen(op) == 1 {
			b[pos] = valOp(int(count), 1)
			return mergeVals(hp, b, prev, end)
		}
	case isZero(op) && span == 1:
		b[pos] = valOp(int(count), 1)
		return mergeVals(hp, b, prev, end)
	}

	// Split the opcode into up to three: what precedes the register, the
	// register, what follows it.
	var seq [5]byte
	n := 0
	last := first + span - 1
	if isVal(op) {
		cur := valValue(op)
		if index != first {
			seq[n] = valOp(cur, index-first)
			n++
		}
		seq[n] = valOp(int(count), 1)
		n++
		if index != last {
			seq[n] = valOp(cur, last-index)
			n++
		}
	} else {
		if index != first {
			n += putZeros(seq[n:], index-first)
		}
		seq[n] = valOp(int(count), 1)
		n++
		if index != last {
			n += putZeros(seq[n:], last-index)
		}
	}

	delta := n - oplen
	if delta > 0 && end+delta > sparseMax {
		return promote(hp, index, count)
	}
	newEnd := end + delta
	if need := max(newEnd, pos+n); need > len(b) {
		if need > cap(b) {
			nb := make([]byte, need, max(2*need, 64))
			copy(nb, b)
			b = nb
		} else {
			b = b[:need]
		}
	}
	if next := pos + oplen; next < end && delta != 0 {
		copy(b[next+delta:], b[next:end])
	}
	copy(b[pos:], seq[:n])
	b = b[:newEnd]
	return mergeVals(hp, b, prev, newEnd)
}

// mergeVals finishes sparseSet: starting at the opcode prev (or the first
// one), it scans up to five opcodes, joining two adjacent VAL opcodes of
// the same value when their lengths fit one opcode. It stores b through hp,
// marks the cache stale and returns 1.
func mergeVals(hp *[]byte, b []byte, prev, end int) int {
	q := HeaderSize
	if prev >= 0 {
		q = prev
	}
	for scan := 5; q < end && scan > 0; scan-- {
		op := b[q]
		if isXZero(op) {
			q += 2
			continue
		}
		if isZero(op) {
			q++
			continue
		}
		if q+1 < end && isVal(b[q+1]) && valValue(op) == valValue(b[q+1]) {
			if n := valLen(op) + valLen(b[q+1]); n <= valMaxLen {
				b[q+1] = valOp(valValue(op), n)
				copy(b[q:], b[q+1:end])
				end--
				b = b[:end]
				continue
			}
		}
		q++
	}
	Invalidate(b)
	*hp = b
	return 1
}

// promote turns the sparse *hp dense and sets the register there.
func promote(hp *[]byte, index int, count uint8) int {
	if !SparseToDense(hp) {
		return -1
	}
	denseSetMax((*hp)[HeaderSize:], index, count)
	return 1
}

// SparseToDense converts the HyperLogLog *hp to the dense encoding if it
// is sparse, keeping the header (and so the cached cardinality). It
// reports false, leaving *hp alone, if the sparse encoding does not
// describe exactly NumRegisters registers.
func SparseToDense(hp *[]byte) bool {
	b := *hp
	if b[encOffset] == Dense {
		return true
	}
	d := make([]byte, DenseSize)
	copy(d, b[:HeaderSize])
	d[encOffset] = Dense
	regs := d[HeaderSize:]
	ok := walkSparse(b[HeaderSize:], func(i, n, v int) {
		for ; n > 0; n-- {
			denseSet(regs, i, uint8(v))
			i++
		}
	})
	if !ok {
		return false
	}
	*hp = d
	return true
}

// walkSparse decodes sparse opcodes, calling fn(first, n, value) for each
// run of non-zero registers. It stops at a run that would pass the last
// register, and reports whether the opcodes cover exactly NumRegisters.
func walkSparse(s []byte, fn func(first, n, value int)) bool {
	idx := 0
	for i := 0; i < len(s); {
		op := s[i]
		var n int
		switch {
		case isZero(op):
			n = zeroLen(op)
			i++
		case isXZero(op):
			n = xzeroLen(s, i)
			i += 2
		default:
			n = valLen(op)
			if idx+n > NumRegisters {
				return false
			}
			fn(idx, n, valValue(op))
			i++
		}
		idx += n
		if idx > NumRegisters {
			return false
		}
	}
	return idx == NumRegisters
}

// sparseHisto counts the registers of each value of a sparse encoding, as
// Redis's hllSparseRegHisto does, and reports whether the encoding covers
// exactly NumRegisters registers.
func sparseHisto(s []byte, histo *[64]int) bool {
	idx := 0
	for i := 0; i < len(s); {
		op := s[i]
		switch {
		case isZero(op):
			n := zeroLen(op)
			idx += n
			histo[0] += n
			i++
		case isXZero(op):
			n := xzeroLen(s, i)
			idx += n
			histo[0] += n
			i += 2
		default:
			n := valLen(op)
			idx += n
			histo[valValue(op)] += n
			i++
		}
	}
	return idx == NumRegisters
}

// ---- many HyperLogLogs at once ----

// Registers holds one byte per register: the union of several
// HyperLogLogs (PFCOUNT of many keys, PFMERGE).
type Registers [NumRegisters]uint8

// Merge raises each register to the matching register of the valid
// HyperLogLog b. It reports false if b's sparse encoding is corrupt; the
// registers may then have been partly raised.
func (r *Registers) Merge(b []byte) bool {
	if b[encOffset] == Dense {
		regs := b[HeaderSize:]
		for i, j := 0, 0; i+3 <= len(regs); i, j = i+3, j+4 {
			v := uint32(regs[i]) | uint32(regs[i+1])<<8 | uint32(regs[i+2])<<16
			r[j] = max(r[j], uint8(v&regMax))
			r[j+1] = max(r[j+1], uint8(v>>6&regMax))
			r[j+2] = max(r[j+2], uint8(v>>12&regMax))
			r[j+3] = max(r[j+3], uint8(v>>18&regMax))
		}
		return true
	}
	return walkSparse(b[HeaderSize:], func(i, n, v int) {
		for ; n > 0; n-- {
			r[i] = max(r[i], uint8(v))
			i++
		}
	})
}

// Count estimates the cardinality of the union.
func (r *Registers) Count() uint64 {
	var histo [64]int
	for _, v := range r {
		histo[v]++
	}
	return estimate(&histo)
}

// ---- the estimator ----

// estimate is Ertl's improved raw estimator over the register histogram,
// computed in the same order as Redis's hllCount so the result rounds the
// same. Registers above hashBits+1 cannot come from a hash and do not
// count, as in Redis. Explicit float64 conversions keep products from
// being fused into multiply-adds.
func estimate(histo *[64]int) uint64 {
	m := float64(NumRegisters)
	z := float64(m * tau((m-float64(histo[hashBits+1]))/m))
	for j := hashBits; j >= 1; j-- {
		z += float64(histo[j])
		z *= 0.5
	}
	z += float64(m * sigma(float64(histo[0])/m))
	return llround(alphaInf * m * m / z)
}

// sigma is Ertl's σ(x) = x + Σ x^(2^k)·2^(k-1), summed until it stops changing.
func sigma(x float64) float64 {
	if x == 1 {
		return math.Inf(1)
	}
	y, z := 1.0, x
	for {
		x *= x
		prev := z
		z += float64(x * y)
		y += y
		if z == prev {
			return z
		}
	}
}

// tau is Ertl's τ(x) = (1 - x - Σ (1-x^(2^-k))²·2^-k) / 3.
func tau(x float64) float64 {
	if x == 0 || x == 1 {
		return 0
	}
	y, z := 1.0, 1-x
	for {
		x = math.Sqrt(x)
		prev := z
		y *= 0.5
		d := 1 - x
		z -= float64(float64(d*d) * y)
		if z == prev {
			return z / 3
		}
	}
}

// llround rounds half away from zero like C's llroundl, and converts the
// result to uint64 the way Redis's (uint64_t)(double) cast does on x86-64:
// a value out of the int64 range (an infinite estimate when every register
// is at its maximum) becomes 1<<63.
func llround(x float64) uint64 {
	if !(x > -(1<<63) && x < 1<<63) {
		return 1 << 63
	}
	return uint64(int64(math.Round(x)))
}
