package tests

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"

	"github.com/kvdserver/kvd/server"
)

// Differential tests of the bitmap commands: SETBIT GETBIT BITCOUNT BITPOS
// BITOP BITFIELD BITFIELD_RO.

// wrongTypeMakers are commands that make a key of a type other than
// string, tried in order; {wrong} in a step becomes the first one kvd has.
var wrongTypeMakers = [][]string{{"SADD", "x"}, {"LPUSH", "x"}, {"HSET", "f", "v"}, {"ZADD", "1", "x"}}

// wrongTypeMaker returns the command (less its key) that makes a key of
// another type on kvd, or nil if kvd has no collection type yet.
func wrongTypeMaker(t *testing.T) []string {
	t.Helper()
	cn := dial(t, env.kvdAddr)
	defer cn.nc.Close()
	for _, m := range wrongTypeMakers {
		args := append([]string{m[0], "bits:probe"}, m[1:]...)
		r := cn.do(args...)
		cn.do("DEL", "bits:probe")
		if !strings.HasPrefix(r, "-ERR unknown command") {
			return m
		}
	}
	return nil
}

// diffBitCases is diffCases with {wrong} in a step (as in "{wrong} k")
// replaced by a command that makes k a non-string key. Cases that need
// one are skipped while kvd has no collection type.
func diffBitCases(t *testing.T, cases []dcase) {
	t.Helper()
	needRedis(t)
	maker := wrongTypeMaker(t)
	var run []dcase
	for _, c := range cases {
		uses := false
		for _, s := range c.steps {
			uses = uses || strings.Contains(s, "{wrong}")
		}
		if !uses {
			run = append(run, c)
			continue
		}
		if maker == nil {
			t.Logf("case %q skipped: kvd has no collection type to make a WRONGTYPE key", c.name)
			continue
		}
		c.steps = append([]step(nil), c.steps...)
		for i, s := range c.steps {
			if strings.HasPrefix(s, "{wrong} ") {
				key := strings.TrimPrefix(s, "{wrong} ")
				c.steps[i] = strings.Join(append([]string{maker[0], key}, maker[1:]...), " ")
			}
		}
		run = append(run, c)
	}
	diffCases(t, run)
}

func TestDiffBitSetGet(t *testing.T) {
	diffBitCases(t, []dcase{
		{name: "setbit basic", steps: []step{
			"SETBIT k 7 1", "GET k", "SETBIT k 7 1", "SETBIT k 7 0", "GET k", "SETBIT k 0 1", "GET k",
			"SETBIT k 100 1", "STRLEN k", "GET k", "GETBIT k 100", "GETBIT k 99", "GETBIT k 101",
			"OBJECT ENCODING k", "SETBIT k 100 0", "GET k", "STRLEN k",
		}},
		{name: "setbit grows with zeros", steps: []step{
			"SET k ab", "SETBIT k 23 1", "GET k", "SETBIT k 8 0", "GET k", "SETBIT k 63 1", "GET k", "STRLEN k",
			"SETBIT k 1000 0", "STRLEN k", "GETBIT k 1000", "BITCOUNT k",
		}},
		{name: "setbit on int and embstr", steps: []step{
			"SET k 12", "OBJECT ENCODING k", "SETBIT k 6 1", "GET k", "OBJECT ENCODING k",
			"SET e hello", "OBJECT ENCODING e", "SETBIT e 0 0", "OBJECT ENCODING e", "GET e",
			"SET n 255", "GETBIT n 0", "GETBIT n 2", "GETBIT n 3", "GETBIT n 23", "GETBIT n 24",
		}},
		{name: "setbit keeps ttl", steps: []step{
			"SET k abc EX 100", "SETBIT k 100 1", "!approx TTL k", "SETBIT k 0 1", "!approx TTL k", "GET k",
		}},
		{name: "setbit offset errors", steps: []step{
			"SETBIT k -1 1", "SETBIT k abc 1", "SETBIT k 1.5 1", `SETBIT k "" 1`, `SETBIT k " 1" 1`,
			"SETBIT k +1 1", "SETBIT k 01 1", `SETBIT k "1\x00" 1`, "SETBIT k 4294967296 1",
			"SETBIT k 9223372036854775807 1", "SETBIT k 99999999999999999999 1", "SETBIT k -9223372036854775808 0",
			"SETBIT k 4294967296 x", "EXISTS k",
		}},
		{name: "setbit value errors", steps: []step{
			"SETBIT k 0 2", "SETBIT k 0 -1", "SETBIT k 0 abc", `SETBIT k 0 ""`, "SETBIT k 0 01",
			"SETBIT k 0 1.0", "SETBIT k 0 9223372036854775808", "SETBIT k 0 +1", "EXISTS k",
		}},
		{name: "setbit arity", steps: []step{"SETBIT", "SETBIT k", "SETBIT k 0", "SETBIT k 0 1 1", "GETBIT", "GETBIT k", "GETBIT k 0 1"}},
		{name: "getbit", steps: []step{
			"GETBIT missing 0", "GETBIT missing 4294967295", "GETBIT missing 4294967296", "GETBIT missing -1",
			"GETBIT missing x", `SET k "\x80\x01"`, "GETBIT k 0", "GETBIT k 1", "GETBIT k 15", "GETBIT k 14",
			"GETBIT k 16", "GETBIT k 4294967295", "EXISTS missing",
		}},
		{name: "setbit wrongtype", steps: []step{
			"{wrong} w", "SETBIT w 0 1", "GETBIT w 0", "SETBIT w -1 1", "SETBIT w 0 5", "GETBIT w x",
		}},
		{name: "offsets near 2^32", steps: []step{
			"SET k abc", "GETBIT k 4294967295", "GETBIT k 4294967296", "SETBIT k 4294967296 0",
			"BITFIELD k GET u8 4294967288 GET i64 4294967231 GET u1 4294967295", "BITFIELD k GET u1 4294967296",
			"BITFIELD k SET u8 4294967296 1", "BITFIELD_RO k GET i64 #67108863", "BITFIELD_RO k GET i64 #67108864", "STRLEN k",
		}},
		{name: "bitmap of 8 MB", steps: []step{
			"SETBIT k 67108863 1", "STRLEN k", "BITCOUNT k", "BITPOS k 1", "BITPOS k 0", "BITPOS k 1 100 -1",
			"SETBIT k 67108863 0", "BITCOUNT k", "BITPOS k 1", "BITPOS k 0 -3 -1", "BITOP NOT d k", "BITCOUNT d",
			"BITPOS d 0", "BITPOS d 1 8388607", "DEL k d",
		}},
	})
}

// TestDiffBitHuge sets the highest bit an offset may address, making a
// 512 MB string on both servers. No command scans all of it, to spare
// time under -race.
func TestDiffBitHuge(t *testing.T) {
	diffBitCases(t, []dcase{
		{name: "setbit at 2^32-1", resp2Only: true, steps: []step{
			"SETBIT big 4294967295 1", "STRLEN big", "GETBIT big 4294967295", "GETBIT big 4294967294",
			"BITPOS big 1 -1", "BITCOUNT big -1 -1", "BITCOUNT big -8 -1 BIT", "BITPOS big 1 -8 -1 BIT",
			"BITCOUNT big 536870900 -1", "SETBIT big 4294967295 0", "BITCOUNT big -1 -1", "BITPOS big 0 -2",
			"BITPOS big 1 -2", "BITFIELD big GET u8 4294967288 GET i64 4294967230", "DEL big",
		}},
	})
}

// TestDiffBitLimit runs a private pair of servers with the smallest
// proto-max-bulk-len (1 MB), so the offset limit it sets (8388607) is
// tested with writes that reach it.
func TestDiffBitLimit(t *testing.T) {
	s := privateServers(t, func(c *server.Config) { c.ProtoMaxBulkLen = 1 << 20 }, "--proto-max-bulk-len", "1mb")
	diffCmds(t, s, [][]string{
		{"SETBIT", "k", "8388608", "1"}, {"EXISTS", "k"}, {"SETBIT", "k", "8388607", "1"}, {"STRLEN", "k"},
		{"GETBIT", "k", "8388607"}, {"GETBIT", "k", "8388608"}, {"BITCOUNT", "k"}, {"BITPOS", "k", "1"},
		{"BITFIELD", "k", "SET", "u8", "8388600", "255", "GET", "u16", "8388600"}, {"STRLEN", "k"},
		{"BITFIELD", "k", "SET", "i64", "8388607", "-1"}, {"STRLEN", "k"}, {"BITFIELD", "k", "GET", "i64", "8388607"},
		{"BITFIELD", "k", "GET", "u8", "8388608"}, {"BITFIELD", "k", "GET", "u8", "#1048575"}, {"BITFIELD", "k", "GET", "u8", "#1048576"},
		{"BITFIELD", "k", "INCRBY", "i64", "#131071", "1"}, {"BITFIELD", "k", "INCRBY", "i64", "#131072", "1"},
		{"BITCOUNT", "k", "-9", "-1"}, {"BITOP", "NOT", "d", "k"}, {"BITCOUNT", "d"}, {"STRLEN", "d"},
	})
}

func TestDiffBitCount(t *testing.T) {
	diffBitCases(t, []dcase{
		{name: "bitcount basic", steps: []step{
			"BITCOUNT missing", "SET k foobar", "BITCOUNT k", "BITCOUNT k 0 0", "BITCOUNT k 1 1",
			"BITCOUNT k 0 -1", "BITCOUNT k -2 -1", "BITCOUNT k 2 1", "BITCOUNT k 0 100", "BITCOUNT k -100 -1",
			"BITCOUNT k -100 -200", "BITCOUNT k -1 -2", "BITCOUNT k 100 200", "BITCOUNT k 5 5", "BITCOUNT k 6 6",
		}},
		{name: "bitcount units", steps: []step{
			"SET k foobar", "BITCOUNT k 0 0 BYTE", "BITCOUNT k 0 0 byte", "BITCOUNT k 1 1 BIT", "BITCOUNT k 5 30 BIT",
			"BITCOUNT k 5 30 bit", "BITCOUNT k 0 -1 BIT", "BITCOUNT k -10 -1 BIT", "BITCOUNT k -1 -10 BIT",
			"BITCOUNT k 3 3 BIT", "BITCOUNT k 7 8 BIT", "BITCOUNT k 8 15 BIT", "BITCOUNT k 9 14 BIT",
			"BITCOUNT k 0 47 BIT", "BITCOUNT k 0 1000 BIT", "BITCOUNT k 40 47 BIT", "BITCOUNT k 47 47 BIT",
			"BITCOUNT k -48 -48 BIT", "BITCOUNT k -49 -48 BIT",
		}},
		{name: "bitcount errors", steps: []step{
			"SET k foobar", "BITCOUNT k 0", "BITCOUNT k 0 1 BIT x", "BITCOUNT k 0 1 BITS", "BITCOUNT k a 1",
			"BITCOUNT k 0 b", "BITCOUNT k 0 1 bytes", `BITCOUNT k 0 1 "bit\x00"`, "BITCOUNT k 1.5 2",
			"BITCOUNT missing 0", "BITCOUNT missing a b", "BITCOUNT missing 0 1 x y", "BITCOUNT",
			"BITCOUNT k 9223372036854775807 -9223372036854775808", "BITCOUNT k -9223372036854775808 9223372036854775807 BIT",
		}},
		{name: "bitcount long strings", steps: []step{
			"SET k " + strings.Repeat("\xff", 3) + strings.Repeat("a", 200) + strings.Repeat("\x01", 77),
			"BITCOUNT k", "BITCOUNT k 1 250", "BITCOUNT k 3 -1", "BITCOUNT k 7 2000 BIT", "BITCOUNT k 13 1931 BIT",
		}},
		{name: "bitcount int and empty", steps: []step{
			"SET k 1234567", "BITCOUNT k", "BITCOUNT k 1 3", `SET e ""`, "BITCOUNT e", "BITCOUNT e 0 -1",
			"BITCOUNT e 0 0 BIT", "BITCOUNT e -1 -1",
		}},
		{name: "bitcount wrongtype", steps: []step{
			"{wrong} w", "BITCOUNT w", "BITCOUNT w 0", "BITCOUNT w x y",
		}},
	})
}

func TestDiffBitPos(t *testing.T) {
	diffBitCases(t, []dcase{
		{name: "bitpos missing", steps: []step{
			"BITPOS missing 1", "BITPOS missing 0", "BITPOS missing 1 5 10", "BITPOS missing 0 a b c d",
			"BITPOS missing 2", "BITPOS missing x", "BITPOS missing -1",
		}},
		{name: "bitpos bytes", steps: []step{
			`SET k "\xff\xf0\x00"`, "BITPOS k 0", "BITPOS k 1", "BITPOS k 0 1", "BITPOS k 0 2", "BITPOS k 1 2",
			"BITPOS k 1 1 -1", "BITPOS k 0 0 0", "BITPOS k 0 3", "BITPOS k 0 -1", "BITPOS k 1 -1", "BITPOS k 1 -2",
			"BITPOS k 0 -100", "BITPOS k 1 2 1", "BITPOS k 0 5 10",
		}},
		{name: "bitpos all ones", steps: []step{
			`SET k "\xff\xff\xff"`, "BITPOS k 0", "BITPOS k 0 0", "BITPOS k 0 1", "BITPOS k 0 0 -1", "BITPOS k 0 0 2",
			"BITPOS k 0 -1", "BITPOS k 1", "BITPOS k 0 0 23 BIT", "BITPOS k 0 3 5 BIT", "BITPOS k 0 0 -1 BIT",
		}},
		{name: "bitpos all zeros", steps: []step{
			`SET k "\x00\x00\x00"`, "BITPOS k 1", "BITPOS k 1 1", "BITPOS k 0", "BITPOS k 0 2", "BITPOS k 1 0 -1 BIT",
			"BITPOS k 0 7 BIT", "BITPOS k 0 7 7 BIT", "BITPOS k 1 7 100 BIT",
		}},
		{name: "bitpos bit ranges", steps: []step{
			`SET k "\x00\xff\x00\x0f"`, "BITPOS k 1 0 -1 BIT", "BITPOS k 1 7 15 BIT", "BITPOS k 1 9 15 BIT",
			"BITPOS k 1 16 23 BIT", "BITPOS k 0 8 15 BIT", "BITPOS k 0 9 14 BIT", "BITPOS k 0 8 16 BIT",
			"BITPOS k 1 3 5 BIT", "BITPOS k 1 10 12 BIT", "BITPOS k 0 10 12 BIT", "BITPOS k 1 17 29 BIT",
			"BITPOS k 1 17 27 BIT", "BITPOS k 1 28 31 BIT", "BITPOS k 0 28 31 BIT", "BITPOS k 0 -4 -1 BIT",
			"BITPOS k 1 -5 -1 BIT", "BITPOS k 1 5 3 BIT", "BITPOS k 1 0 1000 BIT", "BITPOS k 0 0 1000 BIT",
			"BITPOS k 0 6 17 bit", "BITPOS k 1 1 2 byte", "BITPOS k 0 1 2 BYTE",
		}},
		{name: "bitpos errors", steps: []step{
			"SET k abc", "BITPOS k 2", "BITPOS k -1", "BITPOS k x", "BITPOS k 1 x", "BITPOS k 1 0 x",
			"BITPOS k 1 0 1 BITS", "BITPOS k 1 0 x BITS", "BITPOS k 1 0 1 BIT x", "BITPOS k 01",
			"BITPOS k 1.0", "BITPOS", "BITPOS k", `BITPOS k 1 0 1 ""`, "BITPOS k 1 0 9223372036854775807 BIT",
		}},
		{name: "bitpos int and empty", steps: []step{
			"SET k 0", "BITPOS k 1", "BITPOS k 0", `SET e ""`, "BITPOS e 0", "BITPOS e 1", "BITPOS e 0 0",
			"BITPOS e 0 0 -1", "BITPOS e 0 0 0 BIT",
		}},
		{name: "bitpos long", steps: []step{
			"SET k " + strings.Repeat("\xff", 41) + "\xfe" + strings.Repeat("\xff", 30), "BITPOS k 0", "BITPOS k 0 10",
			"BITPOS k 0 42", "BITPOS k 0 42 -1", "BITPOS k 0 300 400 BIT", "BITPOS k 0 335 335 BIT", "BITPOS k 0 336 575 BIT",
			"SET z " + strings.Repeat("\x00", 50) + "\x10", "BITPOS z 1", "BITPOS z 1 3", "BITPOS z 1 3 49", "BITPOS z 1 -1",
			"BITPOS z 1 100 403 BIT", "BITPOS z 1 100 404 BIT",
		}},
		{name: "bitpos wrongtype", steps: []step{
			"{wrong} w", "BITPOS w 1", "BITPOS w 2", "BITPOS w 0 x",
		}},
	})
}

func TestDiffBitOp(t *testing.T) {
	diffBitCases(t, []dcase{
		{name: "bitop and or xor", steps: []step{
			"SET a foobar", "SET b abcdef", "BITOP AND d a b", "GET d", "BITOP OR d a b", "GET d",
			"BITOP XOR d a b", "GET d", "OBJECT ENCODING d", "BITOP and d a", "GET d", "BITOP Or d b", "GET d",
		}},
		{name: "bitop different lengths", steps: []step{
			`SET a "\xff\xff\xff"`, `SET b "\x0f"`, "BITOP AND d a b", "GET d", "BITOP OR d a b", "GET d",
			"BITOP XOR d a b", "GET d", "BITOP AND d b a", "GET d", "BITOP XOR d a b a", "GET d",
		}},
		{name: "bitop missing keys", steps: []step{
			"SET a foo", "BITOP AND d a missing", "GET d", "BITOP OR d missing a", "GET d",
			"BITOP XOR d missing a missing2", "GET d", "BITOP OR d missing missing2", "EXISTS d",
			"SET d x", "BITOP AND d missing", "EXISTS d",
		}},
		{name: "bitop not", steps: []step{
			`SET a "\x00\xff\x0f"`, "BITOP NOT d a", "GET d", "BITOP not d d", "GET d", "BITOP NOT d a b",
			"BITOP NOT d", "BITOP NOT d missing", "EXISTS d", `SET e ""`, "BITOP NOT d e", "EXISTS d",
			"SET n 123456789", "BITOP NOT d n", "GET d",
		}},
		{name: "bitop long", steps: []step{
			"SET a " + strings.Repeat("abcdefgh", 37) + "xyz", "SET b " + strings.Repeat("12345678", 20) + "q",
			"BITOP AND d a b", "GET d", "BITOP OR d a b", "GET d", "BITOP XOR d b a", "GET d", "BITOP NOT d a", "GET d",
		}},
		{name: "bitop dest overwrite", steps: []step{
			"SET d old EX 100", "SET a xyz", "BITOP OR d a", "TTL d", "GET d", "BITOP AND a a d", "GET a",
			"{wrong} w", "BITOP OR w a", "GET w", "TYPE w",
		}},
		{name: "bitop errors", steps: []step{
			"SET a x", "BITOP NAND d a", "BITOP ANDX d a", `BITOP "and\x00" d a`, "GET d", "BITOP", "BITOP AND",
			"BITOP AND d", "BITOP foo d", "BITOP XOR d a a a a",
		}},
		{name: "bitop wrongtype", steps: []step{
			"{wrong} w", "SET a x", "BITOP AND d a w", "BITOP OR d w", "BITOP NOT d w", "EXISTS d", "BITOP NOT d a b",
		}},
	})
}

func TestDiffBitfield(t *testing.T) {
	diffBitCases(t, []dcase{
		{name: "bitfield get set incrby", steps: []step{
			"BITFIELD k SET i8 0 100 GET i8 0", "BITFIELD k INCRBY i8 0 27 INCRBY i8 0 1", "GET k",
			"BITFIELD k SET u4 4 15 GET u8 0 GET u4 0 GET i4 4", "BITFIELD k get u8 0 set u8 0 1 incrby u8 0 1",
			"BITFIELD k GET u1 0 GET u1 7 GET i1 7", "GET k", "STRLEN k",
		}},
		{name: "bitfield missing key", steps: []step{
			"BITFIELD k", "EXISTS k", "BITFIELD k GET u8 0 GET i64 100", "EXISTS k", "BITFIELD_RO k GET u8 0",
			"BITFIELD k SET u8 16 255", "GET k", "BITFIELD k INCRBY u2 100 1", "STRLEN k",
		}},
		{name: "bitfield hash offsets", steps: []step{
			"BITFIELD k SET u8 #0 1 SET u8 #1 2 SET u8 #2 3", "GET k", "BITFIELD k GET u8 #1 GET u4 #3 GET i16 #1",
			"BITFIELD k SET i5 #3 -1", "GET k", "BITFIELD k GET u8 #x", "BITFIELD k GET u8 #-1", "BITFIELD k GET u8 ##1",
			"BITFIELD k GET u8 #", "BITFIELD k GET u8 #536870912", "BITFIELD k GET u8 #536870911",
			"BITFIELD k GET u63 #68174085", "BITFIELD k GET u63 #68174084", "BITFIELD k GET i64 #67108864",
			"BITFIELD k GET i64 #144115188075855872", "BITFIELD k GET i64 #288230376151711744",
			"BITFIELD k GET i64 #-144115188075855872", "BITFIELD k GET u8 #9223372036854775807",
		}},
		{name: "bitfield types", steps: []step{
			"SET k abcdefghij", "BITFIELD k GET i64 0 GET u63 0 GET i63 1 GET u1 3 GET i1 1 GET i32 9",
			"BITFIELD k GET u64 0", "BITFIELD k GET i65 0", "BITFIELD k GET i0 0", "BITFIELD k GET u0 0",
			"BITFIELD k GET I8 0", "BITFIELD k GET U8 0", "BITFIELD k GET x8 0", "BITFIELD k GET i 0",
			"BITFIELD k GET i08 0", "BITFIELD k GET i+8 0", "BITFIELD k GET i-8 0", `BITFIELD k GET "i8\x00x" 0`,
			`BITFIELD k GET "" 0`, "BITFIELD k GET u8 -1", "BITFIELD k GET u8 4294967296", "BITFIELD k GET u8 x",
			"BITFIELD k GET u8 4294967295", "BITFIELD k GET i64 4294967290",
		}},
		{name: "bitfield syntax", steps: []step{
			"BITFIELD k GET u8", "BITFIELD k SET u8 0", "BITFIELD k INCRBY u8 0", "BITFIELD k FOO u8 0",
			"BITFIELD k OVERFLOW", "BITFIELD k OVERFLOW foo GET u8 0", "BITFIELD k SET u8 0 x", "BITFIELD k INCRBY u8 0 1.5",
			"BITFIELD k SET u8 0 9223372036854775808", "BITFIELD k GET u8 0 SET", "BITFIELD k OVERFLOW SAT",
			"BITFIELD k overflow wrap overflow sat overflow fail", "BITFIELD k GET u8 0 GET u8 8 GET", "BITFIELD", "EXISTS k",
			"BITFIELD k SET u8 0 1 SET i8 x 1", "EXISTS k", "BITFIELD k SET u8 0 1 OVERFLOW no", "EXISTS k",
		}},
		{name: "bitfield_ro", steps: []step{
			"SET k hello", "BITFIELD_RO k GET u8 0 GET i16 8", "BITFIELD_RO k", "BITFIELD_RO k SET u8 0 1",
			"BITFIELD_RO k INCRBY u8 0 1", "BITFIELD_RO k GET u8 0 SET u8 0 1", "BITFIELD_RO k GET u8 0 SET u8 0 x",
			"BITFIELD_RO k OVERFLOW SAT GET u8 0", "BITFIELD_RO k OVERFLOW foo", "BITFIELD_RO k FOO",
			"BITFIELD_RO missing GET u8 0", "EXISTS missing", "BITFIELD_RO", "GET k",
		}},
		{name: "bitfield wrongtype", steps: []step{
			"{wrong} w", "BITFIELD w GET u8 0", "BITFIELD w SET u8 0 1", "BITFIELD w", "BITFIELD_RO w GET u8 0",
			"BITFIELD w GET u64 0", "BITFIELD_RO w SET u8 0 1",
		}},
		{name: "bitfield fail still grows", steps: []step{
			"BITFIELD k OVERFLOW FAIL INCRBY u8 100 1000", "GET k", "STRLEN k",
			"BITFIELD k OVERFLOW FAIL SET i8 200 200 GET i8 200", "STRLEN k", "BITFIELD k SET u2 #1000 1 GET u2 #1000", "STRLEN k",
		}},
		{name: "bitfield large offsets", steps: []step{
			"BITFIELD k GET u8 4294967288 GET i64 4294967295", "BITFIELD k SET u8 4294967300 1", "BITFIELD k GET u1 4294967296",
			"SET s abc", "BITFIELD s GET u32 0 GET u32 4 GET i32 20 GET u63 1",
		}},
	})
}

// bitfieldWidthCases builds, for one width and signedness, steps that
// exercise every overflow mode at the type's edges.
func bitfieldWidthCases() []dcase {
	var cases []dcase
	for _, w := range []int{1, 2, 7, 8, 15, 16, 31, 32, 33, 62, 63, 64} {
		for _, signed := range []bool{true, false} {
			if !signed && w == 64 {
				continue
			}
			typ := fmt.Sprintf("u%d", w)
			var lo, hi string
			if signed {
				typ = fmt.Sprintf("i%d", w)
				if w == 64 {
					lo, hi = "-9223372036854775808", "9223372036854775807"
				} else {
					lo, hi = strconv.FormatInt(-(int64(1)<<(w-1)), 10), strconv.FormatInt(int64(1)<<(w-1)-1, 10)
				}
			} else {
				lo, hi = "0", strconv.FormatUint(uint64(1)<<w-1, 10)
			}
			// Odd offsets make fields straddle bytes.
			off := "3"
			steps := []step{}
			for _, ow := range []string{"WRAP", "SAT", "FAIL"} {
				steps = append(steps,
					fmt.Sprintf("BITFIELD k OVERFLOW %s SET %s %s %s INCRBY %s %s 1 GET %s %s", ow, typ, off, hi, typ, off, typ, off),
					fmt.Sprintf("BITFIELD k OVERFLOW %s SET %s %s %s INCRBY %s %s -1 GET %s %s", ow, typ, off, lo, typ, off, typ, off),
					fmt.Sprintf("BITFIELD k OVERFLOW %s SET %s %s %s INCRBY %s %s 9223372036854775807", ow, typ, off, lo, typ, off),
					fmt.Sprintf("BITFIELD k OVERFLOW %s SET %s %s %s INCRBY %s %s -9223372036854775808", ow, typ, off, hi, typ, off),
					fmt.Sprintf("BITFIELD k OVERFLOW %s SET %s %s 9223372036854775807 GET %s %s", ow, typ, off, typ, off),
					fmt.Sprintf("BITFIELD k OVERFLOW %s SET %s %s -9223372036854775808 GET %s %s", ow, typ, off, typ, off),
					fmt.Sprintf("BITFIELD k OVERFLOW %s SET %s %s -1 GET %s %s INCRBY %s %s 2", ow, typ, off, typ, off, typ, off),
				)
			}
			steps = append(steps, "GET k")
			cases = append(cases, dcase{name: "overflow " + typ, steps: steps})
		}
	}
	return cases
}

func TestDiffBitfieldOverflow(t *testing.T) {
	diffBitCases(t, bitfieldWidthCases())
}

func TestDiffBitArity(t *testing.T) {
	diffBitCases(t, []dcase{
		{name: "arity", steps: []step{
			"SETBIT k 1", "GETBIT k", "BITCOUNT", "BITPOS k", "BITOP AND d", "BITFIELD", "BITFIELD_RO",
			"setbit", "bitop", "bitpos",
		}},
	})
}

// bitRandomStream builds n random bitmap commands over a few keys, with
// offsets mostly small so that they collide.
func bitRandomStream(r *rand.Rand, n int) [][]string {
	keys := []string{"a", "b", "c"}
	key := func() string { return keys[r.IntN(len(keys))] }
	off := func() string {
		switch r.IntN(10) {
		case 0:
			return strconv.Itoa(-r.IntN(100))
		case 1:
			return strconv.Itoa(r.IntN(2000))
		default:
			return strconv.Itoa(r.IntN(200))
		}
	}
	idx := func() string { return strconv.Itoa(r.IntN(60) - 30) }
	types := func() string {
		if r.IntN(2) == 0 {
			return "i" + strconv.Itoa(1+r.IntN(64))
		}
		return "u" + strconv.Itoa(1+r.IntN(63))
	}
	val := func() string {
		switch r.IntN(4) {
		case 0:
			return strconv.FormatInt(int64(r.Uint64()), 10)
		case 1:
			return strconv.Itoa(r.IntN(512) - 256)
		default:
			return strconv.Itoa(r.IntN(16) - 8)
		}
	}
	unit := func() []string {
		switch r.IntN(3) {
		case 0:
			return []string{"BIT"}
		case 1:
			return []string{"BYTE"}
		}
		return nil
	}
	var cmds [][]string
	for len(cmds) < n {
		switch r.IntN(12) {
		case 0, 1:
			cmds = append(cmds, []string{"SETBIT", key(), strconv.Itoa(r.IntN(300)), strconv.Itoa(r.IntN(2))})
		case 2:
			cmds = append(cmds, []string{"GETBIT", key(), off()})
		case 3:
			c := []string{"BITCOUNT", key()}
			if r.IntN(4) > 0 {
				c = append(c, idx(), idx())
				c = append(c, unit()...)
			}
			cmds = append(cmds, c)
		case 4, 5:
			c := []string{"BITPOS", key(), strconv.Itoa(r.IntN(2))}
			switch r.IntN(4) {
			case 1:
				c = append(c, idx())
			case 2:
				c = append(c, idx(), idx())
			case 3:
				c = append(c, idx(), idx())
				c = append(c, unit()...)
			}
			cmds = append(cmds, c)
		case 6, 7, 8:
			c := []string{"BITFIELD", key()}
			for k := r.IntN(4); k >= 0; k-- {
				switch r.IntN(5) {
				case 0:
					c = append(c, "OVERFLOW", []string{"WRAP", "SAT", "FAIL"}[r.IntN(3)])
				case 1:
					c = append(c, "GET", types(), off())
				case 2:
					c = append(c, "SET", types(), off(), val())
				default:
					c = append(c, "INCRBY", types(), off(), val())
				}
			}
			cmds = append(cmds, c)
		case 9:
			ops := []string{"AND", "OR", "XOR", "NOT"}
			op := ops[r.IntN(4)]
			c := []string{"BITOP", op, key(), key()}
			if op != "NOT" && r.IntN(2) == 0 {
				c = append(c, key())
			}
			cmds = append(cmds, c)
		case 10:
			cmds = append(cmds, []string{"GET", key()})
		default:
			switch r.IntN(4) {
			case 0:
				cmds = append(cmds, []string{"DEL", key()})
			case 1:
				cmds = append(cmds, []string{"SET", key(), strconv.Itoa(r.IntN(100000))})
			default:
				cmds = append(cmds, []string{"BITFIELD_RO", key(), "GET", types(), off()})
			}
		}
	}
	return cmds
}

// TestDiffBitRandom replays a seeded random stream of bitmap commands on
// both servers and compares every reply. KVD_TEST_SEED fixes the seed.
func TestDiffBitRandom(t *testing.T) {
	needRedis(t)
	seed := testSeed(t, "KVD_TEST_SEED")
	diffCmds(t, sharedServers(), bitRandomStream(rand.New(rand.NewPCG(seed, 0x5eed)), 4000))
}
