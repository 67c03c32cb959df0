package tests

import (
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"

	"github.com/kvdserver/kvd/server"
)

// Differential tests of the HyperLogLog commands. Besides the replies, the
// HyperLogLog strings themselves (GET) must be byte-identical: kvd keeps
// Redis's representation, sparse and dense, cached cardinality included.

// hllHeader builds a HyperLogLog header: encoding and cached cardinality
// bytes (little-endian; the last byte's top bit marks the cache stale).
func hllHeader(enc byte, card [8]byte) string {
	return "HYLL" + string([]byte{enc, 0, 0, 0}) + string(card[:])
}

var staleCard = [8]byte{7: 0x80}

// hllDense builds a dense HyperLogLog whose register i is reg(i).
func hllDense(card [8]byte, reg func(i int) byte) string {
	regs := make([]byte, 12288+1)
	for i := 0; i < 16384; i++ {
		v := uint32(reg(i) & 63)
		bit := i * 6
		j, fb := bit/8, uint(bit%8)
		regs[j] |= byte(v << fb)
		regs[j+1] |= byte(v >> (8 - fb))
	}
	return hllHeader(0, card) + string(regs[:12288])
}

func TestDiffHLLBasics(t *testing.T) {
	diffBitCases(t, []dcase{
		{name: "pfadd basic", steps: []step{
			"PFADD h a b c", "PFADD h a", "PFADD h c b", "PFADD h", "PFCOUNT h", "GET h", "PFADD h d", "GET h",
			"PFCOUNT h", "GET h", "OBJECT ENCODING h", "STRLEN h", "TYPE h",
		}},
		{name: "pfadd creates empty", steps: []step{
			"PFADD h", "GET h", "OBJECT ENCODING h", "PFCOUNT h", "GET h", "PFADD h", "EXISTS h", "PFADD h x", "GET h",
		}},
		{name: "pfcount missing", steps: []step{
			"PFCOUNT missing", "PFCOUNT m1 m2", "PFCOUNT m1 m1 m1", "EXISTS missing",
		}},
		{name: "pfcount cache bytes", steps: []step{
			"PFADD h a", "GET h", "PFCOUNT h", "GET h", "PFADD h a", "GET h", "PFADD h b", "GET h", "PFCOUNT h",
			"GET h", "PFCOUNT h", "PFCOUNT h h", "GET h",
		}},
		{name: "pfadd binary elements", steps: []step{
			`PFADD h "" "\x00" "\xff\xfe" "a b" "\r\n"`, "PFCOUNT h", "GET h", `PFADD h ""`, `PFADD h "\x00\x00"`, "GET h",
			"PFADD h " + strings.Repeat("long", 100), "PFADD h 1 22 333 4444 55555 666666 7777777 88888888 999999999", "PFCOUNT h", "GET h",
		}},
		{name: "pfadd keeps ttl", steps: []step{
			"PFADD h a", "EXPIRE h 100", "PFADD h b", "!approx TTL h", "PFCOUNT h", "!approx TTL h",
			"PFMERGE h x", "!approx TTL h", "GET h",
		}},
		{name: "pfmerge", steps: []step{
			"PFADD a 1 2 3", "PFADD b 3 4 5", "PFMERGE d a b", "PFCOUNT d", "GET d", "PFMERGE d", "GET d",
			"PFMERGE a b", "GET a", "PFCOUNT a b", "PFCOUNT a b d missing", "PFMERGE new missing", "GET new", "EXISTS missing",
			"PFMERGE x", "GET x", "PFMERGE d d d", "GET d", "OBJECT ENCODING d",
		}},
		{name: "pfmerge cache", steps: []step{
			"PFADD a x y", "PFCOUNT a", "GET a", "PFMERGE a", "GET a", "PFCOUNT a", "PFMERGE a a", "GET a",
		}},
		{name: "not a hyperloglog", steps: []step{
			"SET s hello", "PFADD s a", "PFCOUNT s", "PFMERGE s", "PFMERGE d s", "EXISTS d", "PFCOUNT s missing",
			"PFCOUNT missing s", "SET n 12345", "PFADD n x", "PFCOUNT n", `SET e ""`, "PFCOUNT e", "SET s HYLL",
			"PFCOUNT s", "SET s HYLLHYLLHYLLHYL", "PFCOUNT s", `SET s "HYLL\x02\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"`,
			"PFCOUNT s", `SET s "HYLL\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x7f\xff"`, "PFADD s a",
			`SET s "hyll\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x7f\xff"`, "PFADD s a", "GET s",
		}},
		{name: "hyperloglog set by hand", steps: []step{
			`SET s "HYLL\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x7f\xff"`, "OBJECT ENCODING s", "PFCOUNT s",
			"OBJECT ENCODING s", "PFADD s a", "GET s", "PFCOUNT s", "GET s",
			`SET c "HYLL\x01\x00\x00\x00\x05\x00\x00\x00\x00\x00\x00\x00\x7f\xff"`, "PFCOUNT c", "PFCOUNT c c", "PFADD c a", "PFCOUNT c",
			`SET u "HYLL\x01\xaa\xbb\xcc\x00\x00\x00\x00\x00\x00\x00\x80\x7f\xff"`, "PFADD u q", "GET u", "PFCOUNT u", "GET u",
		}},
		{name: "corrupted sparse", steps: []step{
			`SET c "HYLL\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x80"`, "PFCOUNT c", "PFADD c a", "PFMERGE d c",
			"EXISTS d", "PFCOUNT c x", "PFMERGE c",
			`SET c "HYLL\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x80\x7f\xfe"`, "PFCOUNT c", "PFCOUNT c x", "PFADD c a",
			"GET c", "PFMERGE c",
			`SET c "HYLL\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x80\x7f\xff\x00"`, "PFCOUNT c", "PFADD c a", "GET c",
			`SET c "HYLL\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x80\x7f"`, "PFCOUNT c", "PFADD c a", "GET c", "PFCOUNT c",
			`SET c "HYLL\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x80\x00"`, "PFADD c a b c", "GET c",
			`SET c "HYLL\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x80\x7f\xfe\x83"`, "PFCOUNT c", "PFMERGE d c",
			`SET c "HYLL\x01\x00\x00\x00\x07\x00\x00\x00\x00\x00\x00\x00"`, "PFCOUNT c", "PFCOUNT c c",
		}},
		{name: "wrongtype", steps: []step{
			"{wrong} w", "PFADD w a", "PFCOUNT w", "PFCOUNT w h", "PFADD h a", "PFCOUNT h w", "PFMERGE w", "PFMERGE d w",
			"PFMERGE w h", "EXISTS d",
		}},
		{name: "arity", steps: []step{"PFADD", "PFCOUNT", "PFMERGE", "pfadd", "pfcount"}},
	})
}

// TestDiffHLLLoad loads 1 to 100000 distinct elements into HyperLogLogs on
// both servers and compares every PFADD reply, the exact PFCOUNT and the
// HyperLogLog string itself, sparse or dense.
func TestDiffHLLLoad(t *testing.T) {
	needRedis(t)
	var cmds [][]string
	var keys []string
	for _, n := range []int{1, 2, 10, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 50000, 100000} {
		key := "h" + strconv.Itoa(n)
		keys = append(keys, key)
		batch := 1
		if n > 2000 {
			batch = 100
		}
		cmds = append(cmds, batchCmds(words("elem:", 0, n), batch, "PFADD", key)...)
		cmds = append(cmds, []string{"GET", key}, []string{"PFCOUNT", key}, []string{"GET", key},
			[]string{"PFCOUNT", key}, []string{"STRLEN", key})
	}
	cmds = append(cmds, append([]string{"PFCOUNT"}, keys...))
	cmds = append(cmds, append([]string{"PFCOUNT"}, keys[:6]...))
	cmds = append(cmds, append([]string{"PFMERGE", "union"}, keys...), []string{"GET", "union"}, []string{"PFCOUNT", "union"})
	cmds = append(cmds, append([]string{"PFMERGE", "small"}, keys[:5]...), []string{"GET", "small"}, []string{"PFCOUNT", "small"})
	diffCmds(t, sharedServers(), cmds)
}

// TestDiffHLLIncremental adds elements one at a time, comparing the string
// after every few adds, so the sparse encoding's every split, merge and
// the promotion to dense are checked as they happen.
func TestDiffHLLIncremental(t *testing.T) {
	needRedis(t)
	var cmds [][]string
	for i, e := range words("x", 0, 3000) {
		cmds = append(cmds, []string{"PFADD", "h", e})
		switch {
		case i%7 == 3:
			cmds = append(cmds, []string{"PFCOUNT", "h"})
		case i%5 == 0 || i > 1100 && i < 1400:
			cmds = append(cmds, []string{"GET", "h"})
		}
	}
	cmds = append(cmds, []string{"GET", "h"}, []string{"PFCOUNT", "h"})
	diffCmds(t, sharedServers(), cmds)
}

// TestDiffHLLMerge merges sparse and dense HyperLogLogs in every order.
func TestDiffHLLMerge(t *testing.T) {
	needRedis(t)
	var cmds [][]string
	cmds = append(cmds, batchCmds(words("a", 0, 30), 1, "PFADD", "s1")...)
	cmds = append(cmds, batchCmds(words("a", 20, 80), 7, "PFADD", "s2")...)
	cmds = append(cmds, batchCmds(words("b", 0, 20000), 200, "PFADD", "d1")...)
	cmds = append(cmds, batchCmds(words("a", 0, 5000), 100, "PFADD", "d2")...)
	for _, c := range [][]string{
		{"PFMERGE", "m1", "s1", "s2"}, {"GET", "m1"}, {"PFCOUNT", "m1"},
		{"PFMERGE", "m2", "s1", "d1"}, {"GET", "m2"}, {"PFCOUNT", "m2"},
		{"PFMERGE", "m3", "d1", "s1"}, {"GET", "m3"},
		{"PFMERGE", "s1", "d2"}, {"GET", "s1"}, {"PFCOUNT", "s1"},
		{"PFMERGE", "s2", "s2", "missing"}, {"GET", "s2"},
		{"PFMERGE", "d1", "s2"}, {"GET", "d1"}, {"PFCOUNT", "d1"},
		{"PFCOUNT", "s2", "d1", "d2"}, {"PFCOUNT", "m1", "m1"}, {"PFCOUNT", "s2", "missing"},
		{"PFMERGE", "all", "m1", "m2", "m3", "s1", "s2", "d1", "d2"}, {"GET", "all"}, {"PFCOUNT", "all"},
	} {
		cmds = append(cmds, c)
	}
	diffCmds(t, sharedServers(), cmds)
}

// TestDiffHLLCrafted sets HyperLogLog strings by hand: dense ones with
// chosen registers (extremes included) and sparse ones Redis itself would
// never write, then counts, adds to and merges them.
func TestDiffHLLCrafted(t *testing.T) {
	needRedis(t)
	lcg := uint32(12345)
	random := func(int) byte { lcg = lcg*1103515245 + 12345; return byte(lcg >> 16) }
	sparseZeros := hllHeader(1, staleCard) + strings.Repeat("\x3f", 256)        // 256 × ZERO(64)
	sparseXZero1 := hllHeader(1, staleCard) + strings.Repeat("\x40\x00", 16384) // 16384 × XZERO(1)
	sparseVals := hllHeader(1, staleCard) + strings.Repeat("\x80", 16384)       // 16384 × VAL(1,1)
	sparseVal32 := hllHeader(1, staleCard) + strings.Repeat("\xff", 4096)       // 4096 × VAL(32,4)
	cmds := [][]string{
		{"SET", "max", hllDense(staleCard, func(int) byte { return 63 })}, {"PFCOUNT", "max"}, {"GET", "max"}, {"PFCOUNT", "max"},
		{"SET", "r51", hllDense(staleCard, func(int) byte { return 51 })}, {"PFCOUNT", "r51"}, {"PFCOUNT", "r51", "max"},
		{"SET", "r50", hllDense(staleCard, func(int) byte { return 50 })}, {"PFCOUNT", "r50"}, {"GET", "r50"},
		{"SET", "half", hllDense(staleCard, func(i int) byte { return byte(i % 2 * 40) })}, {"PFCOUNT", "half"},
		{"SET", "rand", hllDense(staleCard, func(i int) byte { return random(i) % 20 })}, {"PFCOUNT", "rand"}, {"GET", "rand"},
		{"PFADD", "rand", "a", "b", "c"}, {"PFCOUNT", "rand"}, {"PFCOUNT", "rand", "half"},
		{"SET", "cached", hllDense([8]byte{1, 2, 3}, func(int) byte { return 0 })}, {"PFCOUNT", "cached"}, {"PFADD", "cached", "z"}, {"PFCOUNT", "cached"},
		{"SET", "zeros", sparseZeros}, {"PFCOUNT", "zeros"}, {"GET", "zeros"},
		{"SET", "xz", sparseXZero1}, {"PFCOUNT", "xz"}, {"PFADD", "xz", "a", "b"}, {"STRLEN", "xz"}, {"GET", "xz"},
		{"SET", "vals", sparseVals}, {"PFCOUNT", "vals"}, {"PFADD", "vals", "a"}, {"GET", "vals"},
		{"SET", "v32", sparseVal32}, {"PFCOUNT", "v32"}, {"PFADD", "v32", "a"}, {"GET", "v32"},
		{"PFMERGE", "m", "zeros", "rand"}, {"GET", "m"}, {"PFCOUNT", "m"},
		{"PFMERGE", "zeros", "vals"}, {"GET", "zeros"},
		{"SET", "short", hllDense(staleCard, func(int) byte { return 1 })[:12303]}, {"PFCOUNT", "short"}, {"PFADD", "short", "a"},
	}
	cmds = append(cmds, batchCmds(words("q", 0, 400), 1, "PFADD", "zeros")...)
	cmds = append(cmds, []string{"GET", "zeros"}, []string{"PFCOUNT", "zeros"})
	diffCmds(t, sharedServers(), cmds)
}

// TestDiffHLLSparseMaxBytes runs a private pair of servers for each
// hll-sparse-max-bytes and compares the encoding's growth and promotion.
func TestDiffHLLSparseMaxBytes(t *testing.T) {
	needRedis(t)
	for _, max := range []int{0, 30, 200, 1000, 10000} {
		t.Run(strconv.Itoa(max), func(t *testing.T) {
			s := privateServers(t, func(c *server.Config) { c.HLLSparseMaxBytes = int64(max) }, "--hll-sparse-max-bytes", strconv.Itoa(max))
			var cmds [][]string
			for i, e := range words("y", 0, 2500) {
				cmds = append(cmds, []string{"PFADD", "h", e})
				if i%3 == 0 {
					cmds = append(cmds, []string{"GET", "h"})
				}
				if i%11 == 0 {
					cmds = append(cmds, []string{"PFCOUNT", "h"})
				}
			}
			cmds = append(cmds, batchCmds(words("z", 0, 40), 1, "PFADD", "a")...)
			cmds = append(cmds, batchCmds(words("z", 30, 70), 1, "PFADD", "b")...)
			cmds = append(cmds, []string{"PFMERGE", "c", "a", "b"}, []string{"GET", "c"}, []string{"PFMERGE", "a", "h"}, []string{"GET", "a"})
			diffCmds(t, s, cmds)
		})
	}
}

// hllRandomStream builds n random HyperLogLog commands over a few keys,
// with elements from a pool small enough to repeat.
func hllRandomStream(r *rand.Rand, n int) [][]string {
	keys := []string{"h1", "h2", "h3", "h4"}
	key := func() string { return keys[r.IntN(len(keys))] }
	var cmds [][]string
	for len(cmds) < n {
		switch r.IntN(10) {
		case 0, 1, 2, 3, 4:
			c := []string{"PFADD", key()}
			pool := []int{50, 5000, 100000}[r.IntN(3)]
			for k := r.IntN(30); k > 0; k-- {
				c = append(c, "e"+strconv.Itoa(r.IntN(pool)))
			}
			cmds = append(cmds, c)
		case 5, 6:
			c := []string{"PFCOUNT", key()}
			for k := r.IntN(3); k > 0; k-- {
				c = append(c, key())
			}
			cmds = append(cmds, c)
		case 7:
			c := []string{"PFMERGE", key()}
			for k := r.IntN(3); k > 0; k-- {
				c = append(c, key())
			}
			cmds = append(cmds, c)
		case 8:
			cmds = append(cmds, []string{"GET", key()})
		default:
			if r.IntN(4) == 0 {
				cmds = append(cmds, []string{"DEL", key()})
			} else {
				cmds = append(cmds, []string{"STRLEN", key()})
			}
		}
	}
	return cmds
}

// TestDiffHLLRandom replays a seeded random stream of HyperLogLog commands
// on both servers, comparing every reply (GETs included). KVD_TEST_SEED
// fixes the seed.
func TestDiffHLLRandom(t *testing.T) {
	needRedis(t)
	seed := testSeed(t, "KVD_TEST_SEED")
	diffCmds(t, sharedServers(), hllRandomStream(rand.New(rand.NewPCG(seed, 0x411)), 3000))
}
