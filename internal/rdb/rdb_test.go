package rdb

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"reflect"
	"strconv"
	"testing"

	"github.com/kvdserver/kvd/internal/crc64"
)

// ---- hand-built old encodings (for decoder tests and redis-server files) ----

// Ziplist builds a ziplist (Redis before 7.0) of the given elements: each
// a string, or an int64 written in the narrowest integer encoding.
func Ziplist(elems ...any) []byte {
	var body []byte
	prev, tail := 0, 10
	for _, e := range elems {
		start := len(body)
		tail = 10 + start
		if prev < 254 {
			body = append(body, byte(prev))
		} else {
			body = append(body, 0xfe)
			body = binary.LittleEndian.AppendUint32(body, uint32(prev))
		}
		switch v := e.(type) {
		case string:
			switch n := len(v); {
			case n < 64:
				body = append(body, byte(n))
			case n < 16384:
				body = append(body, 0x40|byte(n>>8), byte(n))
			default:
				body = append(body, 0x80)
				body = binary.BigEndian.AppendUint32(body, uint32(n))
			}
			body = append(body, v...)
		case int:
			x := int64(v)
			switch {
			case x >= 0 && x <= 12:
				body = append(body, 0xf1+byte(x))
			case x >= math.MinInt8 && x <= math.MaxInt8:
				body = append(body, 0xfe, byte(x))
			case x >= math.MinInt16 && x <= math.MaxInt16:
				body = append(body, 0xc0, byte(x), byte(x>>8))
			case x >= -1<<23 && x < 1<<23:
				body = append(body, 0xf0, byte(x), byte(x>>8), byte(x>>16))
			case x >= math.MinInt32 && x <= math.MaxInt32:
				body = append(body, 0xd0)
				body = binary.LittleEndian.AppendUint32(body, uint32(x))
			default:
				body = append(body, 0xe0)
				body = binary.LittleEndian.AppendUint64(body, uint64(x))
			}
		}
		prev = len(body) - start
	}
	out := make([]byte, 10, 11+len(body))
	binary.LittleEndian.PutUint32(out, uint32(11+len(body)))
	binary.LittleEndian.PutUint32(out[4:], uint32(tail))
	binary.LittleEndian.PutUint16(out[8:], uint16(len(elems)))
	out = append(out, body...)
	return append(out, 0xff)
}

// Zipmap builds a zipmap (hashes before Redis 2.6) of field/value pairs.
func Zipmap(pairs ...string) []byte {
	out := []byte{byte(len(pairs) / 2)}
	putLen := func(n int) {
		if n < 254 {
			out = append(out, byte(n))
		} else {
			out = append(out, 254)
			out = binary.LittleEndian.AppendUint32(out, uint32(n))
		}
	}
	for i := 0; i+1 < len(pairs); i += 2 {
		putLen(len(pairs[i]))
		out = append(out, pairs[i]...)
		putLen(len(pairs[i+1]))
		out = append(out, 0) // no free bytes
		out = append(out, pairs[i+1]...)
	}
	return append(out, 0xff)
}

// oldFile builds an RDB file of the given version whose body (after the
// header, before EOF) the callback writes with an Encoder's primitives.
func oldFile(version int, body func(e *Encoder)) []byte {
	var buf bytes.Buffer
	e := NewEncoder(&buf, Options{Checksum: true})
	e.buf = append(e.buf, fmt.Sprintf("REDIS%04d", version)...)
	body(e)
	e.Finish()
	return buf.Bytes()
}

type kv struct {
	db     int
	key    string
	expire int64
	kind   Kind
	elems  []string
	scores []float64
}

func readAll(t *testing.T, file []byte) ([]kv, error) {
	t.Helper()
	d := NewDecoder(bytes.NewReader(file))
	if _, err := d.ReadHeader(); err != nil {
		return nil, err
	}
	var out []kv
	var e Entry
	for {
		err := d.Next(&e)
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		x := kv{db: e.DB, key: string(e.Key), expire: e.Expire, kind: e.Kind}
		if e.Kind == KindString {
			x.elems = []string{string(e.Str)}
		}
		for _, el := range e.Elems {
			x.elems = append(x.elems, string(el))
		}
		x.scores = append(x.scores, e.Scores...)
		out = append(out, x)
	}
}

func TestRoundTrip(t *testing.T) {
	long := string(bytes.Repeat([]byte("compressible "), 100))
	for _, opt := range []Options{{}, {Compress: true, Checksum: true}} {
		var buf bytes.Buffer
		e := NewEncoder(&buf, opt)
		e.WriteHeader([]Aux{{"redis-ver", "7.0.15"}, {"redis-bits", "64"}})
		e.SelectDB(0, 5, 1)
		e.BeginEntry(TypeString, []byte("s"), -1)
		e.String([]byte("hello"))
		e.BeginEntry(TypeString, []byte("n"), 1700000000000)
		e.String([]byte("-123456"))
		e.BeginEntry(TypeString, []byte("big"), -1)
		e.String([]byte("12345678901234567890"))
		e.BeginEntry(TypeString, []byte("long"), -1)
		e.String([]byte(long))
		var lp Listpack
		for _, s := range []string{"a", "1", "-5000", "70000", "-9000000000", "", string(bytes.Repeat([]byte("x"), 100)), string(bytes.Repeat([]byte("y"), 5000))} {
			lp.Append([]byte(s))
		}
		e.BeginEntry(TypeListQuicklist2, []byte("l"), -1)
		e.Len(1)
		e.Len(containerPacked)
		e.String(lp.Bytes())
		e.SelectDB(3, 2, 0)
		e.BeginEntry(TypeZSet2, []byte("z"), -1)
		e.Len(2)
		e.String([]byte("m1"))
		e.Double(1.5)
		e.String([]byte("m2"))
		e.Double(math.Inf(-1))
		e.BeginEntry(TypeSetIntset, []byte("i"), -1)
		vals := []int64{-70000, 1, 5}
		e.String(Intset(nil, len(vals), func(i int) int64 { return vals[i] }))
		if err := e.Finish(); err != nil {
			t.Fatal(err)
		}
		got, err := readAll(t, buf.Bytes())
		if err != nil {
			t.Fatal(err)
		}
		want := []kv{
			{0, "s", -1, KindString, []string{"hello"}, nil},
			{0, "n", 1700000000000, KindString, []string{"-123456"}, nil},
			{0, "big", -1, KindString, []string{"12345678901234567890"}, nil},
			{0, "long", -1, KindString, []string{long}, nil},
			{0, "l", -1, KindList, []string{"a", "1", "-5000", "70000", "-9000000000", "", string(bytes.Repeat([]byte("x"), 100)), string(bytes.Repeat([]byte("y"), 5000))}, nil},
			{3, "z", -1, KindZSet, []string{"m1", "m2"}, []float64{1.5, math.Inf(-1)}},
			{3, "i", -1, KindSet, []string{"-70000", "1", "5"}, nil},
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("opts %+v:\n got %v\nwant %v", opt, got, want)
		}
		if opt.Compress && bytes.Contains(buf.Bytes(), []byte(long)) {
			t.Errorf("long string not compressed")
		}
	}
}

func TestOldEncodings(t *testing.T) {
	file := oldFile(6, func(e *Encoder) {
		e.SelectDB(0, 0, 0)
		e.BeginEntry(TypeListZiplist, []byte("zl"), -1)
		e.String(Ziplist("a", 0, 12, 13, -100, 30000, 1<<20, 1<<30, 1<<40, string(bytes.Repeat([]byte("b"), 300))))
		e.BeginEntry(TypeHashZipmap, []byte("zm"), -1)
		e.String(Zipmap("f1", "v1", "f2", string(bytes.Repeat([]byte("v"), 300))))
		e.BeginEntry(TypeHashZiplist, []byte("hz"), -1)
		e.String(Ziplist("f", "v", "n", 7))
		e.BeginEntry(TypeZSetZiplist, []byte("zz"), -1)
		e.String(Ziplist("a", 1, "b", "2.5"))
		e.BeginEntry(TypeListQuicklist, []byte("ql"), -1)
		e.Len(2)
		e.String(Ziplist("x", "y"))
		e.String(Ziplist(3))
		e.BeginEntry(TypeZSet, []byte("oz"), -1)
		e.Len(2)
		e.String([]byte("a"))
		e.buf = append(e.buf, 3, '1', '.', '5')
		e.String([]byte("b"))
		e.buf = append(e.buf, 254)
		e.BeginEntry(TypeList, []byte("ll"), -1)
		e.Len(2)
		e.String([]byte("p"))
		e.String([]byte("q"))
		e.buf = append(e.buf, opExpireTime)
		e.buf = binary.LittleEndian.AppendUint32(e.buf, 2000000000)
		e.BeginEntry(TypeString, []byte("sec"), -1)
		e.String([]byte("v"))
	})
	got, err := readAll(t, file)
	if err != nil {
		t.Fatal(err)
	}
	want := []kv{
		{0, "zl", -1, KindList, []string{"a", "0", "12", "13", "-100", "30000", strconv.Itoa(1 << 20), strconv.Itoa(1 << 30), strconv.Itoa(1 << 40), string(bytes.Repeat([]byte("b"), 300))}, nil},
		{0, "zm", -1, KindHash, []string{"f1", "v1", "f2", string(bytes.Repeat([]byte("v"), 300))}, nil},
		{0, "hz", -1, KindHash, []string{"f", "v", "n", "7"}, nil},
		{0, "zz", -1, KindZSet, []string{"a", "b"}, []float64{1, 2.5}},
		{0, "ql", -1, KindList, []string{"x", "y", "3"}, nil},
		{0, "oz", -1, KindZSet, []string{"a", "b"}, []float64{1.5, math.Inf(1)}},
		{0, "ll", -1, KindList, []string{"p", "q"}, nil},
		{0, "sec", 2000000000000, KindString, []string{"v"}, nil},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("\n got %v\nwant %v", got, want)
	}
}

func TestDecodeErrors(t *testing.T) {
	var buf bytes.Buffer
	e := NewEncoder(&buf, Options{Checksum: true, Compress: true})
	e.WriteHeader(nil)
	e.SelectDB(0, 1, 0)
	e.BeginEntry(TypeString, []byte("k"), -1)
	e.String(bytes.Repeat([]byte("abc"), 50))
	e.Finish()
	good := buf.Bytes()
	if _, err := readAll(t, good); err != nil {
		t.Fatal(err)
	}
	// Every truncation is an error, never a panic.
	for n := 0; n < len(good); n++ {
		if _, err := readAll(t, good[:n]); err == nil {
			t.Errorf("truncated at %d: no error", n)
		}
	}
	bad := bytes.Clone(good)
	bad[len(bad)-12] ^= 1
	if _, err := readAll(t, bad); err == nil {
		t.Errorf("flipped byte: no error")
	}
	bad = bytes.Clone(good)
	bad[len(bad)-1] ^= 1
	if _, err := readAll(t, bad); !errors.Is(err, ErrChecksum) {
		t.Errorf("bad checksum: %v", err)
	}
	if _, err := readAll(t, []byte("REDIS0012")); err == nil {
		t.Errorf("version 12 accepted")
	}
	if _, err := readAll(t, []byte("RUDIS0009")); !errors.Is(err, ErrSignature) {
		t.Errorf("bad signature: %v", err)
	}
}

func TestDump(t *testing.T) {
	var buf bytes.Buffer
	e := NewDumpEncoder(&buf, Options{})
	e.BeginEntry(TypeString, nil, -1)
	e.String([]byte("hello"))
	e.Finish()
	p := buf.Bytes()
	// Redis 7.0: DUMP of SET k hello.
	want := []byte("\x00\x05hello\x0a\x00")
	if !bytes.Equal(p[:len(p)-8], want) || binary.LittleEndian.Uint64(p[len(p)-8:]) != crc64.Checksum(want) {
		t.Fatalf("payload %q", p)
	}
	if !VerifyDump(p) {
		t.Fatal("VerifyDump refused a good payload")
	}
	var v Value
	if err := DecodeDump(p, &v); err != nil || string(v.Str) != "hello" {
		t.Fatalf("DecodeDump: %q %v", v.Str, err)
	}
	p[0] = 200
	if VerifyDump(p) {
		t.Fatal("VerifyDump accepted a bad checksum")
	}
}

func TestModuleTypeName(t *testing.T) {
	// The id of ReJSON's "ReJSON-RL" type, encoding version 3.
	const set = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	var id uint64
	for _, c := range "ReJSON-RL" {
		id = id<<6 | uint64(bytes.IndexRune([]byte(set), c))
	}
	id = id<<10 | 3
	if got := ModuleTypeName(id); got != "ReJSON-RL" {
		t.Fatalf("got %q", got)
	}
}

// FuzzDecoder feeds arbitrary files to the decoder: errors, never panics,
// and no allocation beyond a small multiple of the input.
func FuzzDecoder(f *testing.F) {
	var buf bytes.Buffer
	e := NewEncoder(&buf, Options{Checksum: false, Compress: true})
	e.WriteHeader([]Aux{{"redis-ver", "7.0.15"}})
	e.SelectDB(0, 3, 0)
	e.BeginEntry(TypeString, []byte("k"), 5)
	e.String(bytes.Repeat([]byte("abc"), 50))
	var lp Listpack
	lp.Append([]byte("x"))
	lp.AppendInt(-3)
	e.BeginEntry(TypeHashListpack, []byte("h"), -1)
	e.String(lp.Bytes())
	e.BeginEntry(TypeListZiplist, []byte("z"), -1)
	e.String(Ziplist("a", 1, 1<<40))
	e.BeginEntry(TypeHashZipmap, []byte("m"), -1)
	e.String(Zipmap("a", "b"))
	e.Finish()
	f.Add(buf.Bytes())
	f.Fuzz(func(t *testing.T, data []byte) {
		d := NewDecoder(bytes.NewReader(data))
		if _, err := d.ReadHeader(); err != nil {
			return
		}
		var e Entry
		for i := 0; i < 1000; i++ {
			if err := d.Next(&e); err != nil {
				return
			}
		}
	})
}

func FuzzDump(f *testing.F) {
	for _, s := range []string{"hello", "12", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"} {
		var buf bytes.Buffer
		e := NewDumpEncoder(&buf, Options{Compress: true})
		e.BeginEntry(TypeString, nil, -1)
		e.String([]byte(s))
		e.Finish()
		f.Add(buf.Bytes())
	}
	f.Fuzz(func(t *testing.T, p []byte) {
		var v Value
		_ = DecodeDump(p, &v)
	})
}

func TestVersion11AndUnsupported(t *testing.T) {
	file := oldFile(11, func(e *Encoder) {
		e.SelectDB(0, 1, 0)
		var lp Listpack
		lp.Append([]byte("a"))
		lp.AppendInt(7)
		e.BeginEntry(TypeSetListpack, []byte("s"), -1)
		e.String(lp.Bytes())
	})
	got, err := readAll(t, file)
	if err != nil || len(got) != 1 || got[0].kind != KindSet || !reflect.DeepEqual(got[0].elems, []string{"a", "7"}) {
		t.Fatalf("listpack set: %v %v", got, err)
	}
	for _, tc := range []struct {
		body func(e *Encoder)
		want string
	}{
		{func(e *Encoder) { e.Byte(opFunction2); e.String([]byte("#!lua name=f")) }, "functions"},
		{func(e *Encoder) { e.Byte(opFunctionPre) }, "Pre-release function format not supported."},
		{func(e *Encoder) { e.Byte(opModuleAux); e.Len(0x2bad4b0c7d3f5003) }, "AUX module data"},
	} {
		_, err := readAll(t, oldFile(10, tc.body))
		var ue *UnsupportedError
		if !errors.As(err, &ue) || !bytes.Contains([]byte(ue.Reason), []byte(tc.want)) {
			t.Errorf("got %v, want an UnsupportedError about %q", err, tc.want)
		}
	}
}
