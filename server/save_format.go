package server

import (
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"strconv"

	"github.com/kvdserver/kvd/internal/crc64"
	"github.com/kvdserver/kvd/store"
)

// rdbStream writes an RDB file (version 10) for a background save: a
// header of AUX fields, then keys in any order under SELECTDB opcodes, then
// the EOF opcode and the CRC-64. Values use the plain encodings every
// Redis since 2.x loads (strings, lists of strings, sets, sorted sets with
// binary scores, hashes of field-value pairs); redis-server converts them
// to its compact encodings as it loads. Output is buffered and handed to
// w in blocks of about 64 KB.
type rdbStream struct {
	w        io.Writer
	buf      []byte
	crc      uint64
	checksum bool
	err      error
	n        int64 // bytes handed to w
}

// RDB opcodes and value types.
const (
	rdbVersion      = 10
	rdbOpAux        = 0xFA
	rdbOpResizeDB   = 0xFB
	rdbOpExpireMs   = 0xFC
	rdbOpSelectDB   = 0xFE
	rdbOpEOF        = 0xFF
	rdbTypeString   = 0
	rdbTypeList     = 1
	rdbTypeSet      = 2
	rdbTypeHash     = 4
	rdbTypeZSet2    = 5
	rdbStreamFlush  = 64 << 10
	rdbStreamBufCap = rdbStreamFlush + 4096
)

func newRDBStream(w io.Writer, checksum bool) *rdbStream {
	return &rdbStream{w: w, checksum: checksum, buf: make([]byte, 0, rdbStreamBufCap)}
}

func (r *rdbStream) flush() {
	if len(r.buf) == 0 {
		return
	}
	if r.checksum {
		r.crc = crc64.Update(r.crc, r.buf)
	}
	if r.err == nil {
		n, err := r.w.Write(r.buf)
		r.n += int64(n)
		if err != nil {
			r.err = fmt.Errorf("writing the RDB file: %w", err)
		}
	}
	r.buf = r.buf[:0]
}

func (r *rdbStream) maybeFlush() {
	if len(r.buf) >= rdbStreamFlush {
		r.flush()
	}
}

func (r *rdbStream) length(n uint64) {
	switch {
	case n < 1<<6:
		r.buf = append(r.buf, byte(n))
	case n < 1<<14:
		r.buf = append(r.buf, byte(n>>8)|0x40, byte(n))
	case n <= math.MaxUint32:
		r.buf = append(r.buf, 0x80)
		r.buf = binary.BigEndian.AppendUint32(r.buf, uint32(n))
	default:
		r.buf = append(r.buf, 0x81)
		r.buf = binary.BigEndian.AppendUint64(r.buf, n)
	}
}

func (r *rdbStream) str(s []byte) {
	r.length(uint64(len(s)))
	if len(s) > rdbStreamFlush {
		r.flush()
		if r.checksum {
			r.crc = crc64.Update(r.crc, s)
		}
		if r.err == nil {
			n, err := r.w.Write(s)
			r.n += int64(n)
			if err != nil {
				r.err = fmt.Errorf("writing the RDB file: %w", err)
			}
		}
		return
	}
	r.buf = append(r.buf, s...)
	r.maybeFlush()
}

// header writes the magic string and the AUX fields.
func (r *rdbStream) header(aux [][2]string) {
	r.buf = append(r.buf, "REDIS"...)
	r.buf = append(r.buf, fmt.Sprintf("%04d", rdbVersion)...)
	for _, a := range aux {
		r.buf = append(r.buf, rdbOpAux)
		r.str([]byte(a[0]))
		r.str([]byte(a[1]))
	}
}

// selectDB switches to database db; with resize, it also gives the
// loader the sizes of its tables.
func (r *rdbStream) selectDB(db int, resize bool, keys, expires int) {
	r.buf = append(r.buf, rdbOpSelectDB)
	r.length(uint64(db))
	if resize {
		r.buf = append(r.buf, rdbOpResizeDB)
		r.length(uint64(keys))
		r.length(uint64(expires))
	}
}

// entry writes one key with its deadline and value.
func (r *rdbStream) entry(e store.Entry) {
	if d := e.Deadline(); d >= 0 {
		r.buf = append(r.buf, rdbOpExpireMs)
		r.buf = binary.LittleEndian.AppendUint64(r.buf, uint64(d))
	}
	switch e.Type() {
	case store.TypeString:
		r.buf = append(r.buf, rdbTypeString)
		r.str(e.Key())
		r.str(e.Str())
	case store.TypeList:
		l := e.List()
		r.buf = append(r.buf, rdbTypeList)
		r.str(e.Key())
		r.length(uint64(l.Len()))
		it := l.Iter(0, false)
		for v, ok := it.Next(); ok; v, ok = it.Next() {
			r.str(v)
		}
	case store.TypeSet:
		s := e.Set()
		r.buf = append(r.buf, rdbTypeSet)
		r.str(e.Key())
		r.length(uint64(s.Len()))
		if s.IsIntset() {
			var num [20]byte
			for i := range s.Len() {
				r.str(strconv.AppendInt(num[:0], s.IntAt(i), 10))
			}
		} else {
			s.Range(func(m []byte) bool {
				r.str(m)
				return true
			})
		}
	case store.TypeZSet:
		z := e.ZSet()
		r.buf = append(r.buf, rdbTypeZSet2)
		r.str(e.Key())
		r.length(uint64(z.Len()))
		z.Ascend(0, func(m []byte, score float64) bool {
			r.str(m)
			r.buf = binary.LittleEndian.AppendUint64(r.buf, math.Float64bits(score))
			return true
		})
	case store.TypeHash:
		h := e.Hash()
		r.buf = append(r.buf, rdbTypeHash)
		r.str(e.Key())
		r.length(uint64(h.Len()))
		h.Range(func(f, v []byte) bool {
			r.str(f)
			r.str(v)
			return true
		})
	default:
		r.err = fmt.Errorf("saving a value of type %s", e.Type())
	}
	r.maybeFlush()
}

// finish writes the EOF opcode and the checksum (zero without
// rdbchecksum, which loaders take for "not checked") and flushes.
func (r *rdbStream) finish() error {
	r.buf = append(r.buf, rdbOpEOF)
	r.flush()
	sum := r.crc
	if !r.checksum {
		sum = 0
	}
	r.buf = binary.LittleEndian.AppendUint64(r.buf, sum)
	if r.err == nil {
		n, err := r.w.Write(r.buf)
		r.n += int64(n)
		if err != nil {
			r.err = fmt.Errorf("writing the RDB file: %w", err)
		}
	}
	r.buf = r.buf[:0]
	return r.err
}
