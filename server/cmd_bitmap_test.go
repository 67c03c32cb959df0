package server

import (
	"strconv"
	"testing"
)

// TestBitmapCommands checks a few replies in-process; the differential
// suite in tests/ holds the bulk of the cases.
func TestBitmapCommands(t *testing.T) {
	tests := []struct {
		name  string
		steps []string
		want  string // reply to the last step
	}{
		{"setbit new", []string{"SETBIT k 9 1"}, ":0\r\n"},
		{"setbit old", []string{"SETBIT k 9 1", "SETBIT k 9 0"}, ":1\r\n"},
		{"getbit", []string{"SETBIT k 9 1", "GETBIT k 9"}, ":1\r\n"},
		{"bitcount", []string{"SETBIT k 9 1", "SETBIT k 200 1", "BITCOUNT k"}, ":2\r\n"},
		{"bitcount bits", []string{"SETBIT k 9 1", "SETBIT k 200 1", "BITCOUNT k 10 200 BIT"}, ":1\r\n"},
		{"bitpos", []string{"SETBIT k 200 1", "BITPOS k 1"}, ":200\r\n"},
		{"bitpos clear", []string{"SETBIT k 7 1", "BITPOS k 0 0 0"}, ":0\r\n"},
		{"bitop", []string{"SETBIT a 0 1", "SETBIT b 20 1", "BITOP OR d a b"}, ":3\r\n"},
		{"bitfield", []string{"BITFIELD k SET i8 0 -1 GET u8 0 OVERFLOW FAIL INCRBY u8 0 1"}, "*3\r\n:0\r\n:255\r\n$-1\r\n"},
		{"offset limit", []string{"SETBIT k 4294967296 1"}, "-" + errBitOffset + "\r\n"},
		{"hll", []string{"PFADD h a b c d", "PFCOUNT h"}, ":4\r\n"},
		{"hll not", []string{"SET h x", "PFCOUNT h"}, "-" + errNotHLL + "\r\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := testClient(t, nil)
			var got string
			for _, s := range tt.steps {
				got = testRun(c, s)
			}
			if got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

// TestBitOffsetFollowsProtoMaxBulkLen checks that the largest bit offset
// tracks proto-max-bulk-len.
func TestBitOffsetFollowsProtoMaxBulkLen(t *testing.T) {
	c := testClient(t, func(cfg *Config) { cfg.ProtoMaxBulkLen = 1 << 20 })
	if got := testRun(c, "GETBIT k 8388607"); got != ":0\r\n" {
		t.Errorf("GETBIT below the limit: %q", got)
	}
	if got := testRun(c, "GETBIT k 8388608"); got != "-"+errBitOffset+"\r\n" {
		t.Errorf("GETBIT at the limit: %q", got)
	}
}

func TestHLLSparseMaxBytesParam(t *testing.T) {
	cfg := DefaultConfig()
	if v, _ := cfg.Get("hll-sparse-max-bytes"); v != "3000" {
		t.Fatalf("default %q", v)
	}
	for _, tt := range []struct {
		in, want string
		ok       bool
	}{{"1kb", "1024", true}, {"0", "0", true}, {"-1", "", false}, {"x", "", false}} {
		err := cfg.Set("hll-sparse-max-bytes", tt.in)
		if (err == nil) != tt.ok {
			t.Errorf("Set(%q): %v", tt.in, err)
			continue
		}
		if v, _ := cfg.Get("hll-sparse-max-bytes"); tt.ok && v != tt.want {
			t.Errorf("Set(%q) then Get = %q", tt.in, v)
		}
	}
	// A lower limit makes PFADD turn dense sooner.
	c := testClient(t, func(cfg *Config) { cfg.HLLSparseMaxBytes = 0 })
	testRun(c, "PFADD h a")
	if got := testRun(c, "STRLEN h"); got != ":12304\r\n" {
		t.Errorf("STRLEN of a dense HyperLogLog: %q", got)
	}
}

func BenchmarkSetbit(b *testing.B) {
	c := testClient(b, nil)
	testRun(c, "SETBIT k 1000000 1")
	benchCommand(b, c, testArgv("SETBIT k 123456 1"))
}

func BenchmarkGetbit(b *testing.B) {
	c := testClient(b, nil)
	testRun(c, "SETBIT k 1000000 1")
	benchCommand(b, c, testArgv("GETBIT k 123456"))
}

func BenchmarkBitcount1MB(b *testing.B) {
	c := testClient(b, nil)
	testRun(c, "SETBIT k 8388607 1")
	b.SetBytes(1 << 20)
	benchCommand(b, c, testArgv("BITCOUNT k"))
}

func BenchmarkBitpos1MB(b *testing.B) {
	c := testClient(b, nil)
	testRun(c, "SETBIT k 8388607 1")
	b.SetBytes(1 << 20)
	benchCommand(b, c, testArgv("BITPOS k 1"))
}

func BenchmarkBitfield(b *testing.B) {
	c := testClient(b, nil)
	benchCommand(b, c, testArgv("BITFIELD k INCRBY u12 100 1 GET i7 3"))
}

// BenchmarkPfaddDense adds a new element per call to a dense HyperLogLog.
func BenchmarkPfaddDense(b *testing.B) {
	c := testClient(b, nil)
	for i := 0; i < 5000; i++ {
		testRun(c, "PFADD h "+strconv.Itoa(i))
	}
	argv := testArgv("PFADD h member:000000000")
	i := 0
	b.ReportAllocs()
	for b.Loop() {
		argv[2] = strconv.AppendInt(argv[2][:7], int64(i), 10)
		i++
		c.argv = argv
		c.out = c.out[:0]
		c.srv.execute(c)
	}
}

// BenchmarkPfaddSparse adds 100 elements to a fresh (sparse) HyperLogLog.
func BenchmarkPfaddSparse(b *testing.B) {
	c := testClient(b, nil)
	argv := testArgv("PFADD h")
	for i := 0; i < 100; i++ {
		argv = append(argv, []byte("member:"+strconv.Itoa(i)))
	}
	del := testArgv("DEL h")
	b.ReportAllocs()
	for b.Loop() {
		c.argv = argv
		c.out = c.out[:0]
		c.srv.execute(c)
		c.argv = del
		c.srv.execute(c)
	}
}

// BenchmarkPfcountStale adds a new element to a dense HyperLogLog and
// counts it, so every count runs the estimator over 16384 registers.
func BenchmarkPfcountStale(b *testing.B) {
	c := testClient(b, nil)
	for i := 0; i < 5000; i++ {
		testRun(c, "PFADD h "+strconv.Itoa(i))
	}
	add := testArgv("PFADD h member:000000000")
	count := testArgv("PFCOUNT h")
	i := 0
	b.ReportAllocs()
	for b.Loop() {
		add[2] = strconv.AppendInt(add[2][:7], int64(i), 10)
		i++
		c.argv = add
		c.out = c.out[:0]
		c.srv.execute(c)
		c.argv = count
		c.srv.execute(c)
	}
}

func BenchmarkPfcountCached(b *testing.B) {
	c := testClient(b, nil)
	for i := 0; i < 5000; i++ {
		testRun(c, "PFADD h "+strconv.Itoa(i))
	}
	benchCommand(b, c, testArgv("PFCOUNT h"))
}
