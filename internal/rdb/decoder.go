package rdb

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"

	"github.com/kvdserver/kvd/internal/crc64"
	"github.com/kvdserver/kvd/internal/lzf"
)

// Value is a decoded value. Its slices point into the Decoder's memory and
// stay valid until the next call that decodes.
type Value struct {
	Kind Kind
	// Type is the RDB type the value was stored as.
	Type byte
	// Str is a string's value.
	Str []byte
	// Elems holds a list's elements in order, a set's members, a sorted
	// set's members (Scores holds their scores), or a hash's fields and
	// values, alternating.
	Elems  [][]byte
	Scores []float64
	// Stream is a stream's value (KindStream).
	Stream *StreamValue
}

// Len returns the number of elements of a collection (pairs for a hash),
// or 1 for a string or a stream.
func (v *Value) Len() int {
	switch v.Kind {
	case KindString:
		return 1
	case KindHash:
		return len(v.Elems) / 2
	case KindStream:
		return 1 // a stream is kept even when it has no entries
	}
	return len(v.Elems)
}

// Entry is one key read from a file.
type Entry struct {
	DB     int
	Key    []byte
	Expire int64 // unix milliseconds, or -1
	Idle   int64 // seconds since last access, from an IDLE opcode, or -1
	Freq   int   // LFU counter from a FREQ opcode, or -1
	Value
}

// Decoder reads an RDB file, or a DUMP payload, key by key.
type Decoder struct {
	r       *reader
	version int
	db      int
	arena   []byte
	cbuf    []byte

	// OnAux, if set, is called with each AUX field.
	OnAux func(key, value []byte) error
	// OnResizeDB, if set, is called with each RESIZEDB hint.
	OnResizeDB func(db int, keys, expires uint64)
	// OnFunction, if set, is called with the code of each function
	// library; without it a file with functions is refused.
	OnFunction func(code []byte) error
}

// NewDecoder returns a Decoder reading from r.
func NewDecoder(r io.Reader) *Decoder {
	return &Decoder{r: newReader(r), version: Version}
}

// Version returns the file's RDB version (after ReadHeader).
func (d *Decoder) Version() int { return d.version }

// Offset returns how many bytes were consumed.
func (d *Decoder) Offset() int64 { return d.r.offset() }

func (d *Decoder) corrupt(format string, args ...any) error {
	return &CorruptError{Offset: d.r.offset(), Reason: fmt.Sprintf(format, args...)}
}

// short turns the reader's errors into CorruptErrors where they mean the
// input ended early.
func (d *Decoder) short(err error) error {
	if err == errShort {
		return &CorruptError{Offset: d.r.offset(), Reason: "Unexpected EOF reading RDB file"}
	}
	return err
}

// ReadHeader reads the magic string and version.
func (d *Decoder) ReadHeader() (int, error) {
	var hdr [9]byte
	if err := d.r.readFull(hdr[:]); err != nil {
		return 0, d.short(err)
	}
	if !bytes.Equal(hdr[:5], []byte("REDIS")) {
		return 0, ErrSignature
	}
	v := 0
	for _, c := range hdr[5:] {
		if c < '0' || c > '9' {
			return 0, &VersionError{Version: v}
		}
		v = v*10 + int(c-'0')
	}
	if v < 1 || v > MaxVersion {
		return v, &VersionError{Version: v}
	}
	d.version = v
	return v, nil
}

// Next reads the next key into e, handling the opcodes before it. It
// returns io.EOF at the end of the file, once the checksum (if any) is
// verified. What e points to is valid until the next call.
func (d *Decoder) Next(e *Entry) error {
	d.arena = d.arena[:0]
	e.Expire, e.Idle, e.Freq = -1, -1, -1
	for {
		op, err := d.r.readByte()
		if err != nil {
			return d.short(err)
		}
		switch op {
		case opExpireTime:
			var b [4]byte
			if err := d.r.readFull(b[:]); err != nil {
				return d.short(err)
			}
			e.Expire = int64(int32(binary.LittleEndian.Uint32(b[:]))) * 1000
		case opExpireTimeMs:
			var b [8]byte
			if err := d.r.readFull(b[:]); err != nil {
				return d.short(err)
			}
			e.Expire = int64(binary.LittleEndian.Uint64(b[:]))
		case opIdle:
			n, err := d.readLen()
			if err != nil {
				return err
			}
			e.Idle = int64(min(n, math.MaxInt64))
		case opFreq:
			b, err := d.r.readByte()
			if err != nil {
				return d.short(err)
			}
			e.Freq = int(b)
		case opSelectDB:
			n, err := d.readLen()
			if err != nil {
				return err
			}
			if n > math.MaxInt32 {
				return d.corrupt("FATAL: Data file was created with a Redis server configured to handle more than %d databases. Exiting\n", n)
			}
			d.db = int(n)
		case opResizeDB:
			keys, err := d.readLen()
			if err != nil {
				return err
			}
			expires, err := d.readLen()
			if err != nil {
				return err
			}
			if d.OnResizeDB != nil {
				d.OnResizeDB(d.db, keys, expires)
			}
		case opAux:
			k, err := d.readString()
			if err != nil {
				return err
			}
			v, err := d.readString()
			if err != nil {
				return err
			}
			if d.OnAux != nil {
				if err := d.OnAux(k, v); err != nil {
					return err
				}
			}
			d.arena = d.arena[:0]
		case opModuleAux:
			id, err := d.readLen()
			if err != nil {
				return err
			}
			return &UnsupportedError{Reason: fmt.Sprintf("The RDB file contains AUX module data I can't load: no matching module '%s'", ModuleTypeName(id))}
		case opFunctionPre:
			return &UnsupportedError{Reason: "Pre-release function format not supported."}
		case opFunction2:
			code, err := d.readString()
			if err != nil {
				return err
			}
			if d.OnFunction == nil {
				return &UnsupportedError{Reason: "The RDB file contains functions, which kvd does not support"}
			}
			if err := d.OnFunction(code); err != nil {
				return err
			}
			d.arena = d.arena[:0]
		case opEOF:
			if d.version < 5 {
				return io.EOF
			}
			sum := d.r.sum()
			var b [8]byte
			if err := d.r.readFull(b[:]); err != nil {
				return d.short(err)
			}
			if stored := binary.LittleEndian.Uint64(b[:]); stored != 0 && stored != sum {
				return &ChecksumError{Expected: sum, Got: stored}
			}
			return io.EOF
		default:
			e.DB = d.db
			key, err := d.readString()
			if err != nil {
				return err
			}
			e.Key = key
			return d.readValue(op, &e.Value)
		}
	}
}

// ChecksumError reports a CRC-64 trailer that does not match the file:
// Expected is the CRC of the file, Got the trailer's.
type ChecksumError struct{ Expected, Got uint64 }

func (e *ChecksumError) Error() string {
	return fmt.Sprintf("Wrong RDB checksum expected: (%x) but got (%x). Aborting now.", e.Expected, e.Got)
}

// Is makes errors.Is(err, ErrChecksum) hold.
func (e *ChecksumError) Is(target error) bool { return target == ErrChecksum }

// VerifyDump checks a DUMP payload's footer: an RDB version this server
// writes (at most Version, as Redis 7.0 requires) and the CRC-64.
func VerifyDump(p []byte) bool {
	if len(p) < 10 {
		return false
	}
	footer := p[len(p)-10:]
	if binary.LittleEndian.Uint16(footer) > Version {
		return false
	}
	return crc64.Checksum(p[:len(p)-8]) == binary.LittleEndian.Uint64(footer[2:])
}

// DecodeDump decodes the value of a DUMP payload whose footer VerifyDump
// accepted. Like Redis it reads the value from the whole payload, footer
// included: a value cut short takes its last bytes from the footer. v's
// slices point into p or into memory of their own.
func DecodeDump(p []byte, v *Value) error {
	return NewDumpDecoder(p).ReadDumpValue(v)
}

// NewDumpDecoder returns a Decoder reading a value from body.
func NewDumpDecoder(body []byte) *Decoder {
	d := &Decoder{r: &reader{src: bytes.NewReader(nil), buf: body, w: len(body)}, version: Version}
	return d
}

// ReadDumpValue reads a type byte and the value after it.
func (d *Decoder) ReadDumpValue(v *Value) error {
	d.arena = d.arena[:0]
	t, err := d.r.readByte()
	if err != nil {
		return d.short(err)
	}
	return d.readValue(t, v)
}

// readLen reads a length that must not be a special encoding.
func (d *Decoder) readLen() (uint64, error) {
	n, enc, err := d.readLenEnc()
	if err != nil {
		return 0, err
	}
	if enc {
		return 0, d.corrupt("Unknown length encoding %d in rdbLoadLen()", n)
	}
	return n, nil
}

// readLenEnc reads a length, or (enc true) a special string encoding.
func (d *Decoder) readLenEnc() (n uint64, enc bool, err error) {
	b, err := d.r.readByte()
	if err != nil {
		return 0, false, d.short(err)
	}
	switch b >> 6 {
	case len6bit:
		return uint64(b & 0x3f), false, nil
	case len14bit:
		c, err := d.r.readByte()
		if err != nil {
			return 0, false, d.short(err)
		}
		return uint64(b&0x3f)<<8 | uint64(c), false, nil
	case lenEnc:
		return uint64(b & 0x3f), true, nil
	}
	switch b {
	case len32bit:
		var x [4]byte
		if err := d.r.readFull(x[:]); err != nil {
			return 0, false, d.short(err)
		}
		return uint64(binary.BigEndian.Uint32(x[:])), false, nil
	case len64bit:
		var x [8]byte
		if err := d.r.readFull(x[:]); err != nil {
			return 0, false, d.short(err)
		}
		return binary.BigEndian.Uint64(x[:]), false, nil
	}
	return 0, false, d.corrupt("Unknown length encoding %d in rdbLoadLen()", b)
}

// readN reads n bytes into the arena, growing it only as the bytes arrive
// (a corrupt length cannot make it allocate much more than the input).
func (d *Decoder) readN(n uint64) ([]byte, error) {
	start := len(d.arena)
	for n > 0 {
		chunk := int(min(n, 1<<20))
		d.arena = slices.Grow(d.arena, chunk)
		l := len(d.arena)
		d.arena = d.arena[:l+chunk]
		if err := d.r.readFull(d.arena[l:]); err != nil {
			d.arena = d.arena[:start]
			return nil, d.short(err)
		}
		n -= uint64(chunk)
	}
	return d.arena[start:len(d.arena):len(d.arena)], nil
}

// readString reads a string in any encoding into the arena.
func (d *Decoder) readString() ([]byte, error) {
	n, enc, err := d.readLenEnc()
	if err != nil {
		return nil, err
	}
	if !enc {
		return d.readN(n)
	}
	var v int64
	switch n {
	case encInt8:
		b, err := d.r.readByte()
		if err != nil {
			return nil, d.short(err)
		}
		v = int64(int8(b))
	case encInt16:
		var x [2]byte
		if err := d.r.readFull(x[:]); err != nil {
			return nil, d.short(err)
		}
		v = int64(int16(binary.LittleEndian.Uint16(x[:])))
	case encInt32:
		var x [4]byte
		if err := d.r.readFull(x[:]); err != nil {
			return nil, d.short(err)
		}
		v = int64(int32(binary.LittleEndian.Uint32(x[:])))
	case encLZF:
		return d.readLZF()
	default:
		return nil, d.corrupt("Unknown RDB string encoding type %d", n)
	}
	return d.appendInt(v), nil
}

func (d *Decoder) appendInt(v int64) []byte {
	start := len(d.arena)
	d.arena = strconv.AppendInt(d.arena, v, 10)
	return d.arena[start:len(d.arena):len(d.arena)]
}

// readLZF reads an LZF-compressed string.
func (d *Decoder) readLZF() ([]byte, error) {
	clen, err := d.readLen()
	if err != nil {
		return nil, err
	}
	ulen, err := d.readLen()
	if err != nil {
		return nil, err
	}
	// LZF expands at most 88 times (a 3-byte reference to 264 bytes).
	if ulen > clen*88+32 {
		return nil, d.corrupt("Invalid LZF compressed string")
	}
	start := len(d.arena)
	comp, err := d.readN(clen)
	if err != nil {
		return nil, err
	}
	d.cbuf = append(d.cbuf[:0], comp...)
	d.arena = d.arena[:start]
	if ulen == 0 {
		return d.arena[start:start:start], nil
	}
	d.arena = slices.Grow(d.arena, int(ulen))
	out := d.arena[start : start+int(ulen)]
	if lzf.Decompress(out, d.cbuf) != nil {
		return nil, d.corrupt("Invalid LZF compressed string")
	}
	d.arena = d.arena[:start+int(ulen)]
	return out[:len(out):len(out)], nil
}

// readOldDouble reads a score of ZSET's (type 3) text format.
func (d *Decoder) readOldDouble() (float64, error) {
	n, err := d.r.readByte()
	if err != nil {
		return 0, d.short(err)
	}
	switch n {
	case 253:
		return math.NaN(), nil
	case 254:
		return math.Inf(1), nil
	case 255:
		return math.Inf(-1), nil
	}
	var buf [256]byte
	if err := d.r.readFull(buf[:n]); err != nil {
		return 0, d.short(err)
	}
	f, err := strconv.ParseFloat(string(buf[:n]), 64)
	if err != nil {
		if ne, ok := err.(*strconv.NumError); !ok || ne.Err != strconv.ErrRange {
			return 0, d.corrupt("Invalid double value")
		}
	}
	return f, nil
}

func (d *Decoder) readBinaryDouble() (float64, error) {
	var x [8]byte
	if err := d.r.readFull(x[:]); err != nil {
		return 0, d.short(err)
	}
	return math.Float64frombits(binary.LittleEndian.Uint64(x[:])), nil
}

// parseScore parses a score kept as a string in a ziplist or listpack.
func parseScore(s []byte) (float64, bool) {
	f, err := strconv.ParseFloat(string(s), 64)
	if err != nil {
		if ne, ok := err.(*strconv.NumError); ok && ne.Err == strconv.ErrRange {
			return f, true
		}
		return 0, false
	}
	return f, true
}

// capFor is how many elements to reserve for a declared count: never more
// than a small number, since the count may be corrupt.
func capFor(n uint64) int { return int(min(n, 1024)) }

// readValue reads a value of RDB type t.
func (d *Decoder) readValue(t byte, v *Value) error {
	v.Type = t
	v.Str = nil
	v.Elems = v.Elems[:0]
	v.Scores = v.Scores[:0]
	v.Stream = nil
	switch t {
	case TypeString:
		v.Kind = KindString
		s, err := d.readString()
		v.Str = s
		return err
	case TypeList, TypeSet, TypeHash:
		v.Kind = KindList
		if t == TypeSet {
			v.Kind = KindSet
		} else if t == TypeHash {
			v.Kind = KindHash
		}
		n, err := d.readLen()
		if err != nil {
			return err
		}
		if t == TypeHash {
			if n > math.MaxUint64/2 {
				return d.corrupt("Hash length overflow")
			}
			n *= 2
		}
		v.Elems = slices.Grow(v.Elems, capFor(n))
		for i := uint64(0); i < n; i++ {
			s, err := d.readString()
			if err != nil {
				return err
			}
			v.Elems = append(v.Elems, s)
		}
		return nil
	case TypeZSet, TypeZSet2:
		v.Kind = KindZSet
		n, err := d.readLen()
		if err != nil {
			return err
		}
		v.Elems = slices.Grow(v.Elems, capFor(n))
		v.Scores = slices.Grow(v.Scores, capFor(n))
		for i := uint64(0); i < n; i++ {
			s, err := d.readString()
			if err != nil {
				return err
			}
			var f float64
			if t == TypeZSet2 {
				f, err = d.readBinaryDouble()
			} else {
				f, err = d.readOldDouble()
			}
			if err != nil {
				return err
			}
			if f != f {
				return d.corrupt("Zset with NAN score detected")
			}
			v.Elems = append(v.Elems, s)
			v.Scores = append(v.Scores, f)
		}
		return nil
	case TypeModule, TypeModule2:
		id, err := d.readLen()
		if err != nil {
			return err
		}
		return &UnsupportedError{Reason: fmt.Sprintf("The RDB file contains module data I can't load: no matching module type '%s'", ModuleTypeName(id))}
	case TypeStreamListpacks, TypeStreamListpack2, TypeStreamListpack3:
		return d.readStream(t, v)
	case TypeHashZipmap:
		v.Kind = KindHash
		blob, err := d.readString()
		if err != nil {
			return err
		}
		if !d.zipmapPairs(blob, v) {
			return d.corrupt("Zipmap integrity check failed.")
		}
		return nil
	case TypeListZiplist, TypeHashZiplist, TypeZSetZiplist:
		blob, err := d.readString()
		if err != nil {
			return err
		}
		if !d.ziplistElems(blob, v) {
			return d.corrupt("Ziplist integrity check failed.")
		}
		return d.finishPairs(t, v)
	case TypeSetIntset:
		v.Kind = KindSet
		blob, err := d.readString()
		if err != nil {
			return err
		}
		if !d.intsetElems(blob, v) {
			return d.corrupt("Intset integrity check failed.")
		}
		return nil
	case TypeHashListpack, TypeZSetListpack, TypeSetListpack:
		blob, err := d.readString()
		if err != nil {
			return err
		}
		if !d.listpackElems(blob, v) {
			return d.corrupt("Listpack integrity check failed.")
		}
		return d.finishPairs(t, v)
	case TypeListQuicklist, TypeListQuicklist2:
		v.Kind = KindList
		n, err := d.readLen()
		if err != nil {
			return err
		}
		for i := uint64(0); i < n; i++ {
			container := uint64(containerPacked)
			if t == TypeListQuicklist2 {
				if container, err = d.readLen(); err != nil {
					return err
				}
				if container != containerPlain && container != containerPacked {
					return d.corrupt("Quicklist integrity check failed.")
				}
			}
			blob, err := d.readString()
			if err != nil {
				return err
			}
			switch {
			case container == containerPlain:
				v.Elems = append(v.Elems, blob)
			case t == TypeListQuicklist:
				if !d.ziplistElems(blob, v) {
					return d.corrupt("Ziplist integrity check failed.")
				}
			default:
				if !d.listpackElems(blob, v) {
					return d.corrupt("Listpack integrity check failed.")
				}
			}
		}
		return nil
	}
	return d.corrupt("Unknown RDB encoding type %d", t)
}

// finishPairs sets the kind of a value read from a flat ziplist or
// listpack and, for sorted sets, splits members from scores.
func (d *Decoder) finishPairs(t byte, v *Value) error {
	switch t {
	case TypeListZiplist:
		v.Kind = KindList
	case TypeSetListpack:
		v.Kind = KindSet
	case TypeHashZiplist, TypeHashListpack:
		v.Kind = KindHash
		if len(v.Elems)%2 != 0 {
			return d.corrupt("Hash ziplist/listpack with an odd number of elements")
		}
	case TypeZSetZiplist, TypeZSetListpack:
		v.Kind = KindZSet
		if len(v.Elems)%2 != 0 {
			return d.corrupt("Zset ziplist/listpack with an odd number of elements")
		}
		n := len(v.Elems) / 2
		for i := 0; i < n; i++ {
			f, ok := parseScore(v.Elems[2*i+1])
			if !ok || f != f {
				return d.corrupt("Zset ziplist/listpack with an invalid score")
			}
			v.Elems[i] = v.Elems[2*i]
			v.Scores = append(v.Scores, f)
		}
		v.Elems = v.Elems[:n]
	}
	return nil
}

func (d *Decoder) listpackElems(b []byte, v *Value) bool {
	it, count, ok := newLPIter(b)
	if !ok {
		return false
	}
	got := 0
	for {
		s, n, isInt, done, ok := it.next()
		if !ok {
			return false
		}
		if done {
			break
		}
		if isInt {
			s = d.appendInt(n)
		}
		v.Elems = append(v.Elems, s)
		got++
	}
	return count == 65535 || count == got
}

// Ziplists (before Redis 7):
//
//	[total bytes u32][tail offset u32][count u16][entries...][0xFF]
//
// each entry being [prevlen: 1 byte, or 0xFE and 4 bytes][encoding][data].
func (d *Decoder) ziplistElems(b []byte, v *Value) bool {
	if len(b) < 11 || int(binary.LittleEndian.Uint32(b)) != len(b) || b[len(b)-1] != 0xff ||
		int(binary.LittleEndian.Uint32(b[4:])) >= len(b) {
		return false
	}
	count := int(binary.LittleEndian.Uint16(b[8:]))
	end := len(b) - 1
	p := 10
	got := 0
	for p < end {
		if b[p] == 0xfe {
			p += 5
		} else if b[p] == 0xff {
			return false
		} else {
			p++
		}
		if p >= end {
			return false
		}
		c := b[p]
		var n int
		var iv int64
		isInt := true
		switch {
		case c>>6 == 0:
			n, isInt, p = int(c&0x3f), false, p+1
		case c>>6 == 1:
			if p+2 > end {
				return false
			}
			n, isInt, p = int(c&0x3f)<<8|int(b[p+1]), false, p+2
		case c == 0x80:
			if p+5 > end {
				return false
			}
			n, isInt, p = int(binary.BigEndian.Uint32(b[p+1:])), false, p+5
		case c >= 0xf1 && c <= 0xfd:
			iv, p = int64(c&0x0f)-1, p+1
		default:
			w := 0
			switch c {
			case 0xc0:
				w = 2
			case 0xd0:
				w = 4
			case 0xe0:
				w = 8
			case 0xf0:
				w = 3
			case 0xfe:
				w = 1
			}
			if w == 0 || p+1+w > end {
				return false
			}
			var u uint64
			for i := w - 1; i >= 0; i-- {
				u = u<<8 | uint64(b[p+1+i])
			}
			shift := 64 - 8*w
			iv, p = int64(u<<shift)>>shift, p+1+w
		}
		if isInt {
			v.Elems = append(v.Elems, d.appendInt(iv))
		} else {
			if n < 0 || n > end-p {
				return false
			}
			v.Elems = append(v.Elems, b[p:p+n:p+n])
			p += n
		}
		got++
	}
	return p == end && (count == 65535 || count == got)
}

// Zipmaps (hashes before Redis 2.6):
//
//	[count byte][len][key][len][free byte][value][free bytes]...[0xFF]
//
// a len being one byte below 254, or 254 and 4 bytes.
func (d *Decoder) zipmapPairs(b []byte, v *Value) bool {
	if len(b) < 2 || b[len(b)-1] != 0xff {
		return false
	}
	p := 1
	readLen := func() (int, bool) {
		if p >= len(b) {
			return 0, false
		}
		c := b[p]
		switch {
		case c < 254:
			p++
			return int(c), true
		case c == 254:
			if p+5 > len(b) {
				return 0, false
			}
			n := int(binary.LittleEndian.Uint32(b[p+1:]))
			p += 5
			return n, true
		}
		return 0, false
	}
	for p < len(b) && b[p] != 0xff {
		kl, ok := readLen()
		if !ok || kl > len(b)-p {
			return false
		}
		key := b[p : p+kl : p+kl]
		p += kl
		vl, ok := readLen()
		if !ok || p >= len(b) {
			return false
		}
		free := int(b[p])
		p++
		if vl > len(b)-p || free > len(b)-p-vl {
			return false
		}
		v.Elems = append(v.Elems, key, b[p:p+vl:p+vl])
		p += vl + free
	}
	v.Kind = KindHash
	return p == len(b)-1
}

// Intsets: [width u32: 2, 4 or 8][count u32][count integers, ascending].
func (d *Decoder) intsetElems(b []byte, v *Value) bool {
	if len(b) < 8 {
		return false
	}
	w := int(binary.LittleEndian.Uint32(b))
	n := uint64(binary.LittleEndian.Uint32(b[4:]))
	if w != 2 && w != 4 && w != 8 || uint64(len(b)-8) != n*uint64(w) {
		return false
	}
	prev := int64(math.MinInt64)
	for i := 0; i < int(n); i++ {
		p := b[8+i*w:]
		var x int64
		switch w {
		case 2:
			x = int64(int16(binary.LittleEndian.Uint16(p)))
		case 4:
			x = int64(int32(binary.LittleEndian.Uint32(p)))
		default:
			x = int64(binary.LittleEndian.Uint64(p))
		}
		if i > 0 && x <= prev {
			return false
		}
		prev = x
		v.Elems = append(v.Elems, d.appendInt(x))
	}
	return true
}
