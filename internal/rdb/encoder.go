package rdb

import (
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"strconv"

	"github.com/kvdserver/kvd/internal/crc64"
	"github.com/kvdserver/kvd/internal/lzf"
)

// Options say how an Encoder writes.
type Options struct {
	// Compress LZF-compresses strings longer than 20 bytes where that
	// saves space (rdbcompression).
	Compress bool
	// Checksum writes the CRC-64 of the file in its trailer; without it
	// the trailer is zero, which loaders take for "not checked"
	// (rdbchecksum).
	Checksum bool
}

// Aux is one AUX field of a file's header.
type Aux struct {
	Key, Value string
}

// Encoder writes an RDB file, or a DUMP payload, entry by entry:
//
//	e := rdb.NewEncoder(w, opts)
//	e.WriteHeader(aux)
//	e.SelectDB(0, keys, expires)
//	e.BeginEntry(rdb.TypeString, key, expireMs); e.String(value)
//	...
//	e.Finish()
//
// A value is written right after its BeginEntry with the primitives
// (String, Len, Double, Listpack, ...) or with WriteEntry's ready-made
// payload. Errors are sticky: after the first write error every call is a
// no-op and Finish returns it.
type Encoder struct {
	w    io.Writer
	opt  Options
	dump bool
	buf  []byte
	crc  uint64
	n    int64
	err  error
	lzf  lzf.Compressor
	cbuf []byte
	num  []byte
}

const flushAt = 64 << 10

// NewEncoder returns an Encoder that writes an RDB file to w. Output is
// buffered; Finish flushes it.
func NewEncoder(w io.Writer, opt Options) *Encoder {
	return &Encoder{w: w, opt: opt, buf: make([]byte, 0, flushAt+1024)}
}

// NewDumpEncoder returns an Encoder that writes one DUMP payload to w:
// BeginEntry writes only the type (no expiry, no key), and Finish writes
// the RDB version and the CRC-64 of the payload, as DUMP's footer.
func NewDumpEncoder(w io.Writer, opt Options) *Encoder {
	e := NewEncoder(w, opt)
	e.dump = true
	return e
}

// Written returns how many bytes have been handed to the writer or are
// buffered.
func (e *Encoder) Written() int64 { return e.n + int64(len(e.buf)) }

// Err returns the first write error.
func (e *Encoder) Err() error { return e.err }

func (e *Encoder) flush() {
	if e.err != nil || len(e.buf) == 0 {
		e.buf = e.buf[:0]
		return
	}
	e.crc = crc64.Update(e.crc, e.buf)
	n, err := e.w.Write(e.buf)
	e.n += int64(n)
	if err != nil {
		e.err = fmt.Errorf("rdb: writing: %w", err)
	}
	e.buf = e.buf[:0]
}

func (e *Encoder) maybeFlush() {
	if len(e.buf) >= flushAt {
		e.flush()
	}
}

// write appends raw bytes.
func (e *Encoder) write(p []byte) {
	if len(e.buf)+len(p) > flushAt {
		e.flush()
		if len(p) > flushAt {
			if e.err != nil {
				return
			}
			e.crc = crc64.Update(e.crc, p)
			n, err := e.w.Write(p)
			e.n += int64(n)
			if err != nil {
				e.err = fmt.Errorf("rdb: writing: %w", err)
			}
			return
		}
	}
	e.buf = append(e.buf, p...)
}

// WriteHeader writes the magic string with the version and the AUX fields.
func (e *Encoder) WriteHeader(aux []Aux) error {
	e.buf = append(e.buf, "REDIS"...)
	e.buf = append(e.buf, fmt.Sprintf("%04d", Version)...)
	for _, a := range aux {
		e.buf = append(e.buf, opAux)
		e.String([]byte(a.Key))
		e.String([]byte(a.Value))
	}
	return e.err
}

// SelectDB starts database n, with the sizes of its key and expiry tables
// (RESIZEDB hints for the loader).
func (e *Encoder) SelectDB(n int, keys, expires uint64) error {
	e.buf = append(e.buf, opSelectDB)
	e.Len(uint64(n))
	e.buf = append(e.buf, opResizeDB)
	e.Len(keys)
	e.Len(expires)
	e.maybeFlush()
	return e.err
}

// BeginEntry starts a key of value type typ (one of the Type constants)
// expiring at expireMs (unix milliseconds; negative: never). In a DUMP
// payload only the type is written.
func (e *Encoder) BeginEntry(typ byte, key []byte, expireMs int64) {
	if e.dump {
		e.buf = append(e.buf, typ)
		return
	}
	if expireMs >= 0 {
		e.buf = append(e.buf, opExpireTimeMs)
		e.buf = binary.LittleEndian.AppendUint64(e.buf, uint64(expireMs))
	}
	e.buf = append(e.buf, typ)
	e.String(key)
}

// WriteEntry writes a whole key: value is a type byte followed by the
// value's serialisation (what DUMP returns, without its footer).
func (e *Encoder) WriteEntry(key, value []byte, expireMs int64) error {
	if len(value) == 0 {
		return fmt.Errorf("rdb: empty value for key %q", key)
	}
	e.BeginEntry(value[0], key, expireMs)
	e.write(value[1:])
	e.maybeFlush()
	return e.err
}

// Len writes a length.
func (e *Encoder) Len(n uint64) {
	switch {
	case n < 1<<6:
		e.buf = append(e.buf, byte(n))
	case n < 1<<14:
		e.buf = append(e.buf, byte(n>>8)|len14bit<<6, byte(n))
	case n <= math.MaxUint32:
		e.buf = append(e.buf, len32bit)
		e.buf = binary.BigEndian.AppendUint32(e.buf, uint32(n))
	default:
		e.buf = append(e.buf, len64bit)
		e.buf = binary.BigEndian.AppendUint64(e.buf, n)
	}
}

// String writes a string: as an integer when it is one that fits 32 bits
// (in canonical form), LZF-compressed when compression is on and saves
// space, else as it is.
func (e *Encoder) String(s []byte) {
	if len(s) <= 11 {
		if v, ok := parseCanonicalInt(s); ok && v >= math.MinInt32 && v <= math.MaxInt32 {
			e.Int(v)
			return
		}
	}
	if e.opt.Compress && len(s) > 20 {
		if cap(e.cbuf) < len(s) {
			e.cbuf = make([]byte, len(s))
		}
		// Like Redis: only a result at least 5 bytes shorter is kept.
		if n := e.lzf.Compress(e.cbuf[:len(s)-4], s); n > 0 {
			e.buf = append(e.buf, lenEnc<<6|encLZF)
			e.Len(uint64(n))
			e.Len(uint64(len(s)))
			e.write(e.cbuf[:n])
			e.maybeFlush()
			return
		}
	}
	e.Len(uint64(len(s)))
	e.write(s)
	e.maybeFlush()
}

// Int writes an integer-encoded string; v must fit 32 bits.
func (e *Encoder) Int(v int64) {
	switch {
	case v >= math.MinInt8 && v <= math.MaxInt8:
		e.buf = append(e.buf, lenEnc<<6|encInt8, byte(v))
	case v >= math.MinInt16 && v <= math.MaxInt16:
		e.buf = append(e.buf, lenEnc<<6|encInt16, byte(v), byte(v>>8))
	case v >= math.MinInt32 && v <= math.MaxInt32:
		e.buf = append(e.buf, lenEnc<<6|encInt32, byte(v), byte(v>>8), byte(v>>16), byte(v>>24))
	default:
		e.num = strconv.AppendInt(e.num[:0], v, 10)
		e.Len(uint64(len(e.num)))
		e.buf = append(e.buf, e.num...)
	}
}

// Double writes a sorted-set score in binary (ZSET_2's format).
func (e *Encoder) Double(f float64) {
	e.buf = binary.LittleEndian.AppendUint64(e.buf, math.Float64bits(f))
}

// Byte writes one raw byte (a quicklist node's container).
func (e *Encoder) Byte(b byte) { e.buf = append(e.buf, b) }

// Finish ends the file with the EOF opcode and the checksum (or, for a
// DUMP payload, with the version and checksum footer) and flushes.
func (e *Encoder) Finish() error {
	if e.dump {
		e.buf = binary.LittleEndian.AppendUint16(e.buf, Version)
	} else {
		e.buf = append(e.buf, opEOF)
	}
	e.crc = crc64.Update(e.crc, e.buf)
	sum := e.crc
	if !e.opt.Checksum && !e.dump {
		sum = 0
	}
	e.buf = binary.LittleEndian.AppendUint64(e.buf, sum)
	// The trailer is not part of the checksum: write it directly.
	if e.err == nil {
		n, err := e.w.Write(e.buf)
		e.n += int64(n)
		if err != nil {
			e.err = fmt.Errorf("rdb: writing: %w", err)
		}
	}
	e.buf = e.buf[:0]
	return e.err
}

// Intset builds an intset of n integers given in ascending order by at,
// with the narrowest width that holds them all, into dst.
func Intset(dst []byte, n int, at func(i int) int64) []byte {
	w := 2
	for i := 0; i < n; i++ {
		v := at(i)
		switch {
		case v < math.MinInt32 || v > math.MaxInt32:
			w = 8
		case (v < math.MinInt16 || v > math.MaxInt16) && w < 4:
			w = 4
		}
	}
	dst = binary.LittleEndian.AppendUint32(dst[:0], uint32(w))
	dst = binary.LittleEndian.AppendUint32(dst, uint32(n))
	for i := 0; i < n; i++ {
		v := uint64(at(i))
		for k := 0; k < w; k++ {
			dst = append(dst, byte(v>>(8*k)))
		}
	}
	return dst
}
