package tests

import (
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Generic key commands over every value type, and every type's commands
// against keys of every other type.

// valueKind is a way to make key k hold a value of one type (and, for
// some, one encoding), with a step that shows the whole value.
type valueKind struct {
	name string
	typ  string // what TYPE says
	make step   // creates k
	show step   // prints k's value, comparable between the servers
}

var valueKinds = []valueKind{
	{"embstr", "string", "SET k hello", "GET k"},
	{"int", "string", "SET k 12", "GET k"},
	{"list", "list", "RPUSH k a b 1", "LRANGE k 0 -1"},
	{"hash", "hash", "HSET k f v n 1", "HGETALL k"},
	{"intset", "set", "SADD k 1 2 3", "SMEMBERS k"},
	{"hashtable set", "set", "SADD k a b", "!sort SMEMBERS k"},
	{"zset", "zset", "ZADD k 1 a 2 b", "ZRANGE k 0 -1 WITHSCORES"},
}

// typeCommands are the commands run against a key k of every kind, by
// family: reads, writes, and every write that creates a key of its type
// (also with k as the destination of a *STORE). Sources of the right type
// are srcstr, srchll, srcl, srch, srcs and srcz; dst and nokey are missing.
var typeCommands = []struct {
	family string
	cmds   []step
}{
	{"string", []step{
		"GET k", "GETSET k v", "GETDEL k", "GETEX k", "GETEX k PERSIST", "GETRANGE k 0 1", "SUBSTR k 0 1",
		"SETRANGE k 0 x", "SETRANGE k 0 \"\"", "APPEND k x", "STRLEN k", "INCR k", "DECR k", "INCRBY k 2", "DECRBY k 2",
		"INCRBYFLOAT k 1.5", "SETNX k v", "MGET k srcstr", "MSETNX dst v k w", "SET k v GET", "SET k v",
		"SET k v NX", "SET k v XX", "SET k v KEEPTTL", "SETEX k 100 v", "PSETEX k 100000 v", "MSET k v", "LCS k srcstr",
		"LCS srcstr k LEN",
	}},
	{"bitmap", []step{
		"GETBIT k 0", "SETBIT k 0 1", "BITCOUNT k", "BITCOUNT k 0 -1 BIT", "BITPOS k 1", "BITFIELD k GET u8 0",
		"BITFIELD k SET u8 0 1", "BITFIELD k INCRBY u8 0 1", "BITFIELD_RO k GET u8 0", "BITOP AND dst k srcstr",
		"BITOP NOT dst k", "BITOP OR k srcstr",
	}},
	{"hyperloglog", []step{"PFADD k a", "PFADD k", "PFCOUNT k", "PFCOUNT k srchll", "PFMERGE k srchll", "PFMERGE dst k"}},
	{"list", []step{
		"LPUSH k a", "RPUSH k a", "LPUSHX k a", "RPUSHX k a", "LPOP k", "RPOP k 2", "LPOP k 0", "LLEN k", "LRANGE k 0 -1",
		"LINDEX k 0", "LSET k 0 x", "LINSERT k BEFORE a x", "LREM k 0 a", "LTRIM k 0 0", "LPOS k a", "LMOVE k dst LEFT RIGHT",
		"LMOVE srcl k RIGHT LEFT", "LMOVE k k LEFT RIGHT", "RPOPLPUSH k dst", "RPOPLPUSH srcl k", "LMPOP 2 k srcl LEFT",
		"LMPOP 2 nokey k RIGHT COUNT 2",
	}},
	{"hash", []step{
		"HSET k f v", "HSETNX k f v", "HMSET k f v", "HGET k f", "HMGET k f g", "HDEL k f", "HLEN k", "HSTRLEN k f",
		"HEXISTS k f", "HKEYS k", "HVALS k", "HGETALL k", "HINCRBY k n 1", "HINCRBYFLOAT k n 1.5", "!type HRANDFIELD k",
		"!pairs HRANDFIELD k 5 WITHVALUES", "HSCAN k 0",
	}},
	{"set", []step{
		"SADD k a", "SADD k 7", "SREM k a", "SISMEMBER k a", "SMISMEMBER k a z", "SCARD k", "!sort SMEMBERS k",
		"!sort SPOP k 10", "!type SPOP k", "!sort SRANDMEMBER k 10", "SMOVE k dst a", "SMOVE srcs k a", "!sort SINTER k srcs",
		"SINTERCARD 2 k srcs", "SINTERSTORE dst k srcs", "SINTERSTORE k srcs", "!sort SUNION k srcs", "SUNIONSTORE dst k",
		"!sort SDIFF k srcs", "SDIFFSTORE dst k srcs", "SDIFFSTORE k srcs", "!scanset SSCAN k 0",
	}},
	{"zset", []step{
		"ZADD k 1 a", "ZADD k INCR 1 a", "ZADD k XX 5 a", "ZINCRBY k 1 a", "ZREM k a", "ZCARD k", "ZSCORE k a", "ZMSCORE k a b",
		"ZRANK k a", "ZREVRANK k a", "ZCOUNT k 0 10", "ZLEXCOUNT k - +", "ZRANGE k 0 -1 WITHSCORES", "ZRANGE k -inf +inf BYSCORE",
		"ZREVRANGE k 0 -1", "ZRANGEBYSCORE k -inf +inf", "ZREVRANGEBYSCORE k +inf -inf", "ZRANGEBYLEX k - +",
		"ZREVRANGEBYLEX k + -", "ZRANGESTORE dst k 0 -1", "ZRANGESTORE k srcz 0 -1", "ZREMRANGEBYRANK k 0 0",
		"ZREMRANGEBYSCORE k 0 1", "ZREMRANGEBYLEX k - +", "ZPOPMIN k", "ZPOPMAX k 2", "ZMPOP 2 k srcz MIN",
		"!type ZRANDMEMBER k", "!sort ZRANDMEMBER k 10", "!sort ZUNION 2 k srcz", "ZUNION 2 k srcz WITHSCORES",
		"ZINTER 2 k srcs", "ZDIFF 2 k srcz", "ZUNIONSTORE dst 2 k srcz", "ZINTERSTORE dst 1 k", "ZDIFFSTORE dst 1 k",
		"ZINTERCARD 1 k", "ZUNIONSTORE k 1 srcz", "!scanset ZSCAN k 0",
	}},
	{"sort", []step{"SORT k ALPHA", "SORT_RO k ALPHA DESC", "!sort SORT k BY nosort ALPHA", "SORT srcl STORE k", "SORT k ALPHA STORE dst"}},
	{"generic", []step{
		"TYPE k", "OBJECT ENCODING k", "OBJECT REFCOUNT k", "EXISTS k", "TOUCH k", "TTL k", "EXPIRE k 100", "PERSIST k",
		"COPY k dst", "COPY srcl k", "COPY srcl k REPLACE", "RENAME k dst", "RENAMENX k srcl", "RENAME srcz k", "MOVE k 1",
		"DEL k", "UNLINK k",
	}},
}

// typeSources are the source keys the commands above read, one of each type.
var typeSources = []step{
	"SET srcstr abc", "PFADD srchll x y", "RPUSH srcl " + wordList("l", 0, 50), "HSET srch f w", "SADD srcs a 1 2", "ZADD srcz 3 a 4 c",
}

// TestDiffTypesWrongType runs every type's commands against a key of every
// kind: a fresh k for each command, then what TYPE says and what k holds.
func TestDiffTypesWrongType(t *testing.T) {
	var cases []dcase
	for _, kind := range valueKinds {
		steps := append([]step{}, typeSources...)
		for _, fam := range typeCommands {
			for _, cmd := range fam.cmds {
				steps = append(steps, "DEL k dst", kind.make, cmd, "TYPE k", "!sort KEYS *")
			}
		}
		cases = append(cases, dcase{name: kind.name, steps: steps})
	}
	diffKeysInterleaved(t, cases)
}

// TestDiffTypesStoreOverwrites stores into a destination of every kind
// with every command that stores: each replaces the value and drops the
// TTL, or deletes the destination when the result is empty.
func TestDiffTypesStoreOverwrites(t *testing.T) {
	stores := []step{
		"SINTERSTORE k srcs", "SUNIONSTORE k srcs", "SDIFFSTORE k srcs", "SINTERSTORE k srcs nokey", "ZUNIONSTORE k 1 srcz",
		"ZINTERSTORE k 2 srcz nokey", "ZDIFFSTORE k 1 srcz", "ZRANGESTORE k srcz 0 -1", "ZRANGESTORE k srcz 5 9",
		"SORT srcl STORE k", "SORT nokey STORE k", "BITOP OR k srcstr", "BITOP OR k nokey", "PFMERGE k srchll",
		"COPY srch k REPLACE", "RENAME srcstr k", "SET k v", "MSET k v", "GETSET k v",
	}
	var cases []dcase
	for _, kind := range valueKinds {
		steps := []step{}
		for _, st := range stores {
			steps = append(steps, "FLUSHALL")
			steps = append(steps, typeSources...)
			steps = append(steps, kind.make, "EXPIRE k 1000", st, "TYPE k", "TTL k", "OBJECT ENCODING k")
		}
		cases = append(cases, dcase{name: kind.name, steps: steps})
	}
	diffCases(t, cases)
}

// encodingSteps builds keys at each side of every encoding boundary of
// Redis 7.0's defaults and asks OBJECT ENCODING, then crosses back.
func encodingSteps() []step {
	fields := func(n, width int) string {
		parts := make([]string, 0, 2*n)
		for i := range n {
			parts = append(parts, fmt.Sprintf("f%d", i), strings.Repeat("v", width))
		}
		return strings.Join(parts, " ")
	}
	ints := func(n int) string {
		parts := make([]string, n)
		for i := range parts {
			parts[i] = strconv.Itoa(i * 3)
		}
		return strings.Join(parts, " ")
	}
	scored := func(n, width int) string {
		parts := make([]string, 0, 2*n)
		for i := range n {
			parts = append(parts, strconv.Itoa(i), fmt.Sprintf("%0*d", width, i))
		}
		return strings.Join(parts, " ")
	}
	return []step{
		"SET s1 123", "SET s2 -9223372036854775808", "SET s3 " + strings.Repeat("e", 44), "SET s4 " + strings.Repeat("r", 45),
		"SET s5 1.5", "SET s6 0123",
		"OBJECT ENCODING s1", "OBJECT ENCODING s2", "OBJECT ENCODING s3", "OBJECT ENCODING s4", "OBJECT ENCODING s5", "OBJECT ENCODING s6",
		"APPEND s1 x", "OBJECT ENCODING s1", "SETRANGE s3 0 x", "OBJECT ENCODING s3", "INCR s6", "OBJECT ENCODING s6",
		"RPUSH l1 a", "OBJECT ENCODING l1", "RPUSH l2 " + wordList("x", 0, 1000), "OBJECT ENCODING l2", "LTRIM l2 0 0", "OBJECT ENCODING l2",
		"HSET h1 " + fields(128, 64), "OBJECT ENCODING h1", "HSET h2 " + fields(129, 1), "OBJECT ENCODING h2",
		"HSET h3 " + fields(1, 65), "OBJECT ENCODING h3", "HSET h4 " + strings.Repeat("f", 65) + " v", "OBJECT ENCODING h4",
		"HSET h1 f0 " + strings.Repeat("w", 65), "OBJECT ENCODING h1", "HDEL h2 f0 f1 f2", "OBJECT ENCODING h2",
		"SADD i1 " + ints(512), "OBJECT ENCODING i1", "SADD i2 " + ints(513), "OBJECT ENCODING i2", "SADD i3 1 a", "OBJECT ENCODING i3",
		"SADD i4 9223372036854775807 -9223372036854775808", "OBJECT ENCODING i4", "SADD i4 9223372036854775808", "OBJECT ENCODING i4",
		"SREM i2 0 3", "OBJECT ENCODING i2", "SADD i1 x", "OBJECT ENCODING i1", "SREM i1 x", "OBJECT ENCODING i1",
		"ZADD z1 " + scored(128, 64), "OBJECT ENCODING z1", "ZADD z2 " + scored(129, 1), "OBJECT ENCODING z2",
		"ZADD z3 1 " + strings.Repeat("m", 65), "OBJECT ENCODING z3", "ZREM z2 0 1", "OBJECT ENCODING z2",
		"ZADD z1 0 " + strings.Repeat("n", 65), "OBJECT ENCODING z1",
		"ZADD z4 1 a", "ZUNIONSTORE z5 1 z2", "OBJECT ENCODING z5", "ZRANGESTORE z6 z2 0 3", "OBJECT ENCODING z6",
		"SINTERSTORE i5 i2", "OBJECT ENCODING i5", "COPY h2 h5", "OBJECT ENCODING h5", "COPY z2 z7", "OBJECT ENCODING z7",
		"OBJECT ENCODING nokey",
	}
}

// kindCopySteps copies k (of one kind) in every way and changes the copy
// and the original independently, comparing both afterwards.
func kindCopySteps(kind valueKind) []step {
	showAs := func(key string) step { return strings.Replace(kind.show, " k", " "+key, 1) }
	change := map[string][]step{
		"string": {"APPEND %s !"},
		"list":   {"RPUSH %s z", "LSET %s 0 first"},
		"hash":   {"HSET %s f changed", "HDEL %s n"},
		"set":    {"SADD %s 99", "SREM %s 1 a"},
		"zset":   {"ZADD %s 9 z", "ZINCRBY %s 10 a"},
	}[kind.typ]
	steps := []step{kind.make, "EXPIRE k 1000", "COPY k c", "TYPE c", "OBJECT ENCODING c", "TTL c", showAs("c")}
	for _, ch := range change {
		steps = append(steps, fmt.Sprintf(ch, "c"))
	}
	steps = append(steps, showAs("c"), showAs("k"))
	for _, ch := range change {
		steps = append(steps, fmt.Sprintf(ch, "k"))
	}
	steps = append(steps, showAs("c"), showAs("k"),
		"SET other x", "COPY k other", "GET other", "COPY k other REPLACE", "TYPE other", showAs("other"), "TTL other",
		"COPY k k2 DB 1", "COPY k k2 DB 1", "SELECT 1", "TYPE k2", "TTL k2", showAs("k2"))
	for _, ch := range change {
		steps = append(steps, fmt.Sprintf(ch, "k2"))
	}
	steps = append(steps, showAs("k2"), "SELECT 0", showAs("k"), "RPUSH lst x", "COPY lst k2 DB 1 REPLACE", "SELECT 1", "TYPE k2", "SELECT 0")
	return steps
}

// kindMoveSteps renames, moves and swaps k (of one kind) with a TTL, which
// must follow the value.
func kindMoveSteps(kind valueKind) []step {
	showAs := func(key string) step { return strings.Replace(kind.show, " k", " "+key, 1) }
	return []step{
		kind.make, "PEXPIREAT k 4000000000123", "RENAME k r", "EXISTS k", "TYPE r", "PEXPIRETIME r", showAs("r"),
		"SET taken x", "RENAMENX r taken", "RENAMENX r n", "PEXPIRETIME n", "RENAME n taken", "TYPE taken", "PEXPIRETIME taken",
		"MOVE taken 1", "EXISTS taken", "SELECT 1", "TYPE taken", "PEXPIRETIME taken", showAs("taken"),
		"SWAPDB 0 1", "SELECT 0", "TYPE taken", "PEXPIRETIME taken", "OBJECT ENCODING taken", "SELECT 1", "DBSIZE",
		"SELECT 0", "SET dup x", "SELECT 1", "SET dup y", "SELECT 0", "MOVE dup 1", "SELECT 1", "GET dup", "SELECT 0",
		"RENAME taken taken", "PEXPIRETIME taken", "PERSIST taken", "TTL taken", "RENAME taken t2", "TTL t2",
	}
}

// kindDeleteSteps deletes and expires k (of one kind) every way.
func kindDeleteSteps(kind valueKind) []step {
	return []step{
		kind.make, "EXISTS k", "EXISTS k k nokey", "DEL k", "EXISTS k", "DEL k", kind.make, "UNLINK k nokey k", "TYPE k",
		kind.make, "EXPIRE k 100", "!approx TTL k", "EXPIRE k 50 GT", "EXPIRE k 50 LT", "!approx TTL k", "PERSIST k", "TTL k",
		"EXPIREAT k 1", "EXISTS k", "TYPE k", kind.make, "PEXPIRE k -1", "EXISTS k", kind.make, "EXPIRE k 0", "DBSIZE",
		kind.make, "OBJECT REFCOUNT k", "!approx OBJECT IDLETIME k", "OBJECT FREQ k", "OBJECT ENCODING k", "TOUCH k nokey",
	}
}

func TestDiffTypesGeneric(t *testing.T) {
	cases := []dcase{{name: "encodings", steps: encodingSteps()}}
	for _, kind := range valueKinds {
		cases = append(cases,
			dcase{name: kind.name + " copy", steps: kindCopySteps(kind)},
			dcase{name: kind.name + " rename move swapdb", steps: kindMoveSteps(kind)},
			dcase{name: kind.name + " delete expire", steps: kindDeleteSteps(kind)},
		)
	}
	diffCases(t, cases)
}

// TestDiffTypesKeyspace covers the commands over the whole keyspace with
// keys of every type: SCAN's TYPE filter, KEYS, RANDOMKEY, DBSIZE, and keys
// of every type expiring.
func TestDiffTypesKeyspace(t *testing.T) {
	var mk []step
	for i, kind := range valueKinds {
		mk = append(mk, strings.Replace(kind.make, " k ", fmt.Sprintf(" k%d ", i), 1))
	}
	scan := []step{}
	for _, typ := range []string{"string", "list", "hash", "set", "zset", "none", "stream", "STRING", "Hash"} {
		scan = append(scan, "!scanset SCAN 0 TYPE "+typ, "!scanset SCAN 0 TYPE "+typ+" MATCH k[0-3] COUNT 100")
	}
	expire := append([]step{}, mk...)
	for i := range valueKinds {
		expire = append(expire, fmt.Sprintf("PEXPIRE k%d %d", i, 1+i%2))
	}
	expire = append(expire, "SET live v", "SLEEP 30", "!sort KEYS *", "!scanset SCAN 0 COUNT 100", "RANDOMKEY", "TYPE k2", "EXISTS k0 k1 k2 k3 k4 k5 k6",
		// DBSIZE counts expired keys until something deletes them, which
		// active expiry may or may not have done by now: EXISTS has.
		"DBSIZE")
	diffKeysInterleaved(t, []dcase{
		{name: "scan type", steps: append(append([]step{}, mk...), scan...)},
		{name: "keys", steps: append(append([]step{}, mk...), "!sort KEYS *", "!sort KEYS k[2-4]", "!sort KEYS *1", "DBSIZE",
			"!type RANDOMKEY", "DEL k0 k1 k2 k3 k4 k5", "RANDOMKEY", "TYPE k6", "FLUSHDB", "KEYS *")},
		{name: "expiry", steps: expire},
	})
}

// ---- deleting big values ----

// bigElements is how many elements TestTypesDeleteBig loads: a million,
// or a fifth of that under the race detector, which makes loading them
// into the in-process kvd (and the test's own encoding) several times
// slower.
func bigElements() int {
	if raceEnabled {
		return 200_000
	}
	return 1_000_000
}

// bigLoad encodes commands "cmd big args..." that add n elements, batch
// per command: each element is perElem arguments, which elem appends to
// dst as bulk strings for element i. It returns the encoded commands and
// how many there are.
func bigLoad(cmd string, n, batch, perElem int, elem func(dst []byte, i int) []byte) ([]byte, int) {
	var buf []byte
	count := 0
	for i := 0; i < n; i += batch {
		m := min(batch, n-i)
		buf = fmt.Appendf(buf, "*%d\r\n$%d\r\n%s\r\n$3\r\nbig\r\n", 2+m*perElem, len(cmd), cmd)
		for j := i; j < i+m; j++ {
			buf = elem(buf, j)
		}
		count++
	}
	return buf, count
}

// appendBulk appends a bulk string: prefix followed by n in decimal, or
// just prefix when n < 0.
func appendBulk(dst []byte, prefix string, n int) []byte {
	var digits [20]byte
	d := digits[:0]
	if n >= 0 {
		d = strconv.AppendInt(d, int64(n), 10)
	}
	dst = append(dst, '$')
	dst = strconv.AppendInt(dst, int64(len(prefix)+len(d)), 10)
	dst = append(dst, "\r\n"...)
	dst = append(append(dst, prefix...), d...)
	return append(dst, "\r\n"...)
}

// TestTypesDeleteBig deletes a list, hash, set and sorted set of a million
// elements each (see bigElements) on both servers, some with DEL, some
// with UNLINK (which Redis frees in the background), while another client
// pings, and requires every PING answered. The latencies are logged, not
// asserted: a shared machine makes them vary.
func TestTypesDeleteBig(t *testing.T) {
	needRedis(t)
	n := bigElements()
	loaders := []struct {
		typ, cmd, card, del string
		perElem             int
		elem                func(dst []byte, i int) []byte
	}{
		{"list", "RPUSH", "LLEN", "DEL", 1, func(b []byte, i int) []byte { return appendBulk(b, "e", i) }},
		{"hash", "HSET", "HLEN", "UNLINK", 2, func(b []byte, i int) []byte { return appendBulk(appendBulk(b, "f", i), "v", -1) }},
		{"set", "SADD", "SCARD", "DEL", 1, func(b []byte, i int) []byte { return appendBulk(b, "m", i) }},
		{"zset", "ZADD", "ZCARD", "UNLINK", 2, func(b []byte, i int) []byte { return appendBulk(appendBulk(b, "", i%1000), "m", i) }},
		{"list", "RPUSH", "LLEN", "UNLINK", 1, func(b []byte, i int) []byte { return appendBulk(b, "", i) }},
	}
	for _, ld := range loaders {
		load, cmds := bigLoad(ld.cmd, n, 5000, ld.perElem, ld.elem)
		for _, srv := range []struct{ name, addr string }{{"redis", env.redisAddr}, {"kvd", env.kvdAddr}} {
			a, b := dial(t, srv.addr), dial(t, srv.addr)
			mustDo(t, a, "+OK\r\n", "FLUSHALL")
			loadStart := time.Now()
			written := make(chan error, 1)
			go func() {
				a.nc.SetWriteDeadline(time.Now().Add(2 * time.Minute))
				_, err := a.nc.Write(load)
				written <- err
			}()
			for i := range cmds {
				if r, err := a.readErr(2 * time.Minute); err != nil || r[0] != ':' {
					t.Fatalf("%s: loading reply %d: %q, %v", srv.name, i, r, err)
				}
			}
			if err := <-written; err != nil {
				t.Fatalf("%s: loading: %v", srv.name, err)
			}
			mustDo(t, a, ":"+strconv.Itoa(n)+"\r\n", ld.card, "big")
			t.Logf("%-5s loaded a %d-element %s in %v", srv.name, n, ld.typ, time.Since(loadStart))
			start := time.Now()
			a.write(encode(ld.del, "big"))
			b.write(encode("PING"))
			pong, err := b.readErr(30 * time.Second)
			ping := time.Since(start)
			if err != nil || pong != "+PONG\r\n" {
				t.Fatalf("%s: PING during %s of a %d-element %s: %q, %v", srv.name, ld.del, n, ld.typ, pong, err)
			}
			if r, err := a.readErr(30 * time.Second); err != nil || r != ":1\r\n" {
				t.Fatalf("%s: %s of a %d-element %s: %q, %v", srv.name, ld.del, n, ld.typ, r, err)
			}
			t.Logf("%-5s %-6s a %d-element %-4s: PING answered after %v, %s after %v", srv.name, ld.del, n, ld.typ, ping, ld.del, time.Since(start))
			mustDo(t, b, ":0\r\n", "DBSIZE")
			a.nc.Close()
			b.nc.Close()
		}
	}
}

// ---- a random stream over every type ----

// TestDiffTypesRandomStream replays a seeded random stream of commands of
// every family and the generic key commands on both servers, over a few
// keys that every type shares, so that WRONGTYPE and overwriting paths
// come up all the time, and compares every reply. Unordered replies are
// compared sorted; random ones (HRANDFIELD, SRANDMEMBER, ZRANDMEMBER,
// RANDOMKEY) by their shape only, and SPOP always takes the whole set, so
// that the servers stay identical. KVD_TYPES_SEED replays a seed.
func TestDiffTypesRandomStream(t *testing.T) {
	needRedis(t)
	seed := rand.Uint64()
	if s := os.Getenv("KVD_TYPES_SEED"); s != "" {
		v, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			t.Fatalf("KVD_TYPES_SEED: %v", err)
		}
		seed = v
	}
	t.Logf("seed %d (replay with KVD_TYPES_SEED=%d)", seed, seed)
	for _, proto := range []int{2, 3} {
		t.Run(fmt.Sprintf("resp%d", proto), func(t *testing.T) {
			g := &typeStream{r: rand.New(rand.NewPCG(seed, uint64(proto)))}
			rc, kc := dial(t, env.redisAddr), dial(t, env.kvdAddr)
			for _, cn := range []*conn{rc, kc} {
				if proto == 3 {
					if r := cn.do("HELLO", "3"); !strings.HasPrefix(r, "%") {
						t.Fatalf("HELLO 3: %q", r)
					}
				}
				mustDo(t, cn, "+OK\r\n", "FLUSHALL")
			}
			const total, batch = 3000, 100
			for done := 0; done < total; done += batch {
				cmds := make([]typeStreamCmd, batch)
				args := make([][]string, batch)
				for i := range cmds {
					cmds[i] = g.next()
					args[i] = cmds[i].args
				}
				want, got := rc.pipeline(args), kc.pipeline(args)
				for i, c := range cmds {
					if !sameReply(t, c.mod, want[i], got[i]) {
						t.Fatalf("seed %d, command %d %q:\n redis: %q\n   kvd: %q", seed, done+i, c.args,
							truncateStr(want[i], 600), truncateStr(got[i], 600))
					}
				}
			}
		})
	}
}

// typeStreamCmd is one command of the random stream and how to compare
// its replies (a step modifier).
type typeStreamCmd struct {
	mod  string
	args []string
}

// typeStream generates the random stream.
type typeStream struct {
	r *rand.Rand
	// home is the pair of keys the current command's family mostly uses;
	// it uses any key a quarter of the time.
	home int
}

var (
	streamKeys    = []string{"s0", "s1", "l0", "l1", "h0", "h1", "t0", "t1", "z0", "z1"}
	streamMembers = []string{"a", "b", "c", "d", "1", "2", "3", "10", "-1", "x y", "", "z\x00", "007"}
)

func (g *typeStream) key() string {
	if g.r.IntN(4) != 0 {
		return g.homeKey()
	}
	return streamKeys[g.r.IntN(len(streamKeys))]
}

// homeKey is one of the current family's keys: where commands that
// replace a value of any type (SET, RENAME, the *STORE commands) write,
// so that every key mostly keeps its family's type.
func (g *typeStream) homeKey() string { return streamKeys[2*g.home+g.r.IntN(2)] }
func (g *typeStream) member() string  { return streamMembers[g.r.IntN(len(streamMembers))] }
func (g *typeStream) num() string     { return strconv.Itoa(g.r.IntN(21) - 10) }
func (g *typeStream) score() string {
	if g.r.IntN(4) == 0 {
		return strconv.FormatFloat(float64(g.r.IntN(200))/8-10, 'f', -1, 64)
	}
	return g.num()
}

// members returns 1 to n random members, with scores or values between
// them when paired is set.
func (g *typeStream) members(n int, paired func() string) []string {
	var out []string
	for range 1 + g.r.IntN(n) {
		if paired != nil {
			out = append(out, paired())
		}
		out = append(out, g.member())
	}
	return out
}

func (g *typeStream) next() typeStreamCmd {
	r := g.r
	c := func(args ...string) typeStreamCmd { return typeStreamCmd{args: args} }
	m := func(mod string, args ...string) typeStreamCmd { return typeStreamCmd{mod: mod, args: args} }
	k := g.key
	op := r.IntN(62)
	// The families below, in order: strings, lists, hashes, sets, sorted
	// sets; SORT and the generic commands pick one at random, so that
	// RENAME and COPY mostly keep each key's type.
	g.home = r.IntN(5)
	for i, end := range []int{12, 20, 28, 37, 47} {
		if op < end {
			g.home = i
			break
		}
	}
	switch op {
	// strings and bitmaps
	case 0:
		return c("SET", g.homeKey(), g.member())
	case 1:
		return c("GET", k())
	case 2:
		return c("APPEND", k(), g.member())
	case 3:
		return c("INCRBY", k(), g.num())
	case 4:
		return c("INCRBYFLOAT", k(), g.score())
	case 5:
		return c("GETRANGE", k(), g.num(), g.num())
	case 6:
		return c("SETRANGE", k(), strconv.Itoa(r.IntN(8)), g.member())
	case 7:
		return c("MSET", g.homeKey(), g.member(), g.homeKey(), g.member())
	case 8:
		return c("MGET", k(), k(), k())
	case 9:
		return c("SETBIT", k(), strconv.Itoa(r.IntN(40)), strconv.Itoa(r.IntN(2)))
	case 10:
		return c("BITCOUNT", k())
	case 11:
		return c("STRLEN", k())
	// lists
	case 12:
		return c(append([]string{[]string{"LPUSH", "RPUSH", "LPUSHX", "RPUSHX"}[r.IntN(4)], k()}, g.members(4, nil)...)...)
	case 13:
		return c([]string{"LPOP", "RPOP"}[r.IntN(2)], k(), strconv.Itoa(r.IntN(3)))
	case 14:
		return c("LRANGE", k(), g.num(), g.num())
	case 15:
		return c("LINSERT", k(), []string{"BEFORE", "AFTER"}[r.IntN(2)], g.member(), g.member())
	case 16:
		return c("LREM", k(), g.num(), g.member())
	case 17:
		return c("LMOVE", k(), k(), []string{"LEFT", "RIGHT"}[r.IntN(2)], []string{"LEFT", "RIGHT"}[r.IntN(2)])
	case 18:
		return c("LPOS", k(), g.member(), "RANK", []string{"1", "-1", "2"}[r.IntN(3)])
	case 19:
		return c("LSET", k(), g.num(), g.member())
	// hashes
	case 20:
		return c(append([]string{"HSET", k()}, g.members(4, g.member)...)...)
	case 21:
		return c("HGET", k(), g.member())
	case 22:
		return c(append([]string{"HDEL", k()}, g.members(3, nil)...)...)
	case 23:
		return m("pairs", "HGETALL", k())
	case 24:
		return c("HINCRBY", k(), g.member(), g.num())
	case 25:
		return c("HINCRBYFLOAT", k(), g.member(), g.score())
	case 26:
		return m("sort", []string{"HKEYS", "HVALS"}[r.IntN(2)], k())
	case 27:
		return m("type", "HRANDFIELD", k(), g.num())
	// sets
	case 28:
		return c(append([]string{"SADD", k()}, g.members(4, nil)...)...)
	case 29:
		return c(append([]string{"SREM", k()}, g.members(3, nil)...)...)
	case 30:
		return m("sort", "SMEMBERS", k())
	case 31:
		return c("SISMEMBER", k(), g.member())
	case 32:
		return m("sort", []string{"SINTER", "SUNION", "SDIFF"}[r.IntN(3)], k(), k())
	case 33:
		return c([]string{"SINTERSTORE", "SUNIONSTORE", "SDIFFSTORE"}[r.IntN(3)], g.homeKey(), k(), k())
	case 34:
		return c("SMOVE", k(), k(), g.member())
	case 35:
		return m("sort", "SPOP", k(), "1000")
	case 36:
		return m("type", "SRANDMEMBER", k(), g.num())
	// sorted sets
	case 37:
		return c(append([]string{"ZADD", k()}, g.members(4, g.score)...)...)
	case 38:
		return c("ZINCRBY", k(), g.score(), g.member())
	case 39:
		return c("ZRANGE", k(), g.num(), g.num(), "WITHSCORES")
	case 40:
		return c("ZRANGEBYSCORE", k(), "-inf", g.score())
	case 41:
		return c(append([]string{"ZREM", k()}, g.members(3, nil)...)...)
	case 42:
		return c([]string{"ZPOPMIN", "ZPOPMAX"}[r.IntN(2)], k(), strconv.Itoa(1+r.IntN(2)))
	case 43:
		return c([]string{"ZUNIONSTORE", "ZINTERSTORE", "ZDIFFSTORE"}[r.IntN(3)], g.homeKey(), "2", k(), k())
	case 44:
		return c("ZRANK", k(), g.member())
	case 45:
		return m("type", "ZRANDMEMBER", k(), g.num())
	case 46:
		return c("ZRANGESTORE", g.homeKey(), k(), "0", g.num())
	// sort
	case 47:
		return c("SORT", k(), "ALPHA", "LIMIT", "0", strconv.Itoa(r.IntN(5)))
	case 48:
		g.home = 1 // the list keys
		return c("SORT", k(), "ALPHA", "DESC", "STORE", g.homeKey())
	// generic
	case 49:
		return c("TYPE", k())
	case 50:
		return c("OBJECT", "ENCODING", k())
	case 51:
		return c("DEL", k(), k())
	case 52:
		return c("EXISTS", k(), k())
	case 53:
		return c("RENAME", g.homeKey(), g.homeKey())
	case 54:
		return c("RENAMENX", g.homeKey(), g.homeKey())
	case 55:
		args := []string{"COPY", k(), g.homeKey()}
		if r.IntN(2) == 0 {
			args = append(args, "REPLACE")
		}
		return c(args...)
	case 56:
		return c("EXPIRE", k(), strconv.Itoa(100+r.IntN(1000)))
	case 57:
		return m("approx", "TTL", k())
	case 58:
		return c("PERSIST", k())
	case 59:
		return m("sort", "KEYS", "*")
	case 60:
		return m("type", "RANDOMKEY")
	default:
		return c("DBSIZE")
	}
}
