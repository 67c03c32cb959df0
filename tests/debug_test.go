package tests

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kvdserver/kvd/server"
)

// DEBUG subcommands and LOLWUT, compared with redis-server 7.0.15.

// digestDataset returns set-up steps that build a data set with every
// value type in its small and large encodings, expiring keys and a second
// database, and the keys it creates in database 0.
func digestDataset() (steps []step, keys []string) {
	add := func(key string, s ...string) {
		steps = append(steps, s...)
		keys = append(keys, key)
	}
	words := func(n int, f func(i int) string) string {
		w := make([]string, n)
		for i := range w {
			w[i] = f(i)
		}
		return strings.Join(w, " ")
	}
	long := strings.Repeat("abcdefghij", 30)
	// Strings: raw, embedded, integers (shared and not), empty, binary.
	add("s", "SET s hello")
	add("long", "SET long "+long)
	add("i", "SET i 12345")
	add("neg", "SET neg -987654321987")
	add("shared", "SET shared 7")
	add("incr", "INCR incr", "INCRBY incr 41")
	add("float", "INCRBYFLOAT float 1.5")
	add("empty", `SET empty ""`)
	add("bin", `SET bin "a\x00b\xffc"`)
	add("app", "APPEND app foo", "APPEND app bar")
	add("rng", "SETRANGE rng 5 x")
	add("bits", "SETBIT bits 100 1")
	// Lists: small, large (many elements, long elements), integers.
	add("l", "RPUSH l a b c 1 2 300 -4")
	add("lbig", "RPUSH lbig "+words(700, func(i int) string { return "elem" + strconv.Itoa(i) }))
	add("llong", "LPUSH llong "+words(5, func(i int) string { return long + strconv.Itoa(i) }))
	// Hashes: listpack and hashtable (many fields, then a long value).
	add("h", "HSET h f1 v1 f2 2 f3 3.5")
	add("hbig", "HSET hbig "+words(200, func(i int) string { return fmt.Sprintf("f%d v%d", i, i*i) }))
	add("hlong", "HSET hlong a 1", "HSET hlong b "+long)
	// Sets: intset (16, 32 and 64-bit), listpack-less hashtable, large.
	add("si", "SADD si 1 2 3 -7")
	add("si64", "SADD si64 1 9000000000")
	add("ss", "SADD ss a b c 1")
	add("sbig", "SADD sbig "+words(600, func(i int) string { return strconv.Itoa(i * 7) }))
	add("sbigs", "SADD sbigs "+words(300, func(i int) string { return "m" + strconv.Itoa(i) }))
	// Sorted sets: listpack and skiplist, every kind of score.
	add("z", "ZADD z 1 a 1.5 b 0.1 c -inf d inf e 1e20 f -2.5e-7 g 3 4 100 h")
	add("zneg0", "ZADD zneg0 -0 a")
	add("zbig", "ZADD zbig "+words(200, func(i int) string { return fmt.Sprintf("%g m%d", float64(i)/3, i) }))
	add("zlong", "ZADD zlong 1 a 2 "+long)
	// HyperLogLogs: sparse and dense.
	add("hll", "PFADD hll a b c")
	add("hllbig", "PFADD hllbig "+words(3000, func(i int) string { return "x" + strconv.Itoa(i) }))
	// Expiring keys.
	add("ex", "SET ex v EX 1000")
	add("lex", "RPUSH lex a", "EXPIRE lex 500")
	add("pex", "SET pex v", "PEXPIREAT pex 99999999999999")
	// Another database.
	steps = append(steps, "SELECT 3", "SET other 1", "RPUSH otherl x", "SELECT 0")
	return steps, keys
}

func TestDebugDigest(t *testing.T) {
	setup, keys := digestDataset()
	var full []step
	for _, s := range setup {
		full = append(full, "!skip "+s)
	}
	full = append(full, "DEBUG DIGEST")
	for _, k := range keys {
		full = append(full, "DEBUG DIGEST-VALUE "+k)
	}
	full = append(full, "DEBUG DIGEST-VALUE "+strings.Join(keys, " ")+" nosuchkey",
		"DEBUG DIGEST-VALUE", "DEBUG DIGEST x", "debug digest",
		// Deleting and re-adding in another order gives the same digest.
		"DEL s", "DEBUG DIGEST", "SET s hello", "DEBUG DIGEST",
		"PERSIST ex", "DEBUG DIGEST", "SELECT 3", "FLUSHDB", "SELECT 0", "DEBUG DIGEST",
	)
	diffCases(t, []dcase{
		{name: "empty", steps: []step{"DEBUG DIGEST", "DEBUG DIGEST-VALUE a b", "SET a 1", "DEL a", "DEBUG DIGEST"}},
		{name: "every type", steps: full},
		{name: "order", steps: []step{
			"RPUSH l a b", "DEBUG DIGEST", "DEL l", "RPUSH l b a", "DEBUG DIGEST",
			"SADD s a b", "ZADD z 1 a 2 b", "HSET h a 1 b 2", "DEBUG DIGEST-VALUE s z h",
			"DEL s z h", "SADD s b a", "ZADD z 2 b 1 a", "HSET h b 2 a 1", "DEBUG DIGEST-VALUE s z h", "DEBUG DIGEST",
			"SELECT 1", "SET k v", "DEBUG DIGEST", "MOVE k 0", "DEBUG DIGEST", "SELECT 0",
		}},
	})
}

// TestDebugDigestRandom replays a seeded stream of writes of every type on
// both servers and compares the digests along the way.
func TestDebugDigestRandom(t *testing.T) {
	needRedis(t)
	diffSessionFlushed(t, sharedServers(), randomDigestSteps(t))
}

// TestDebugDigestRandomReload replays the seeded stream, then checks that
// DEBUG RELOAD keeps the digest Redis has, and that every value DUMPed by
// kvd RESTOREs, on kvd and on Redis, to a value of the same digest (and
// Redis's DUMP of it on kvd).
func TestDebugDigestRandomReload(t *testing.T) {
	needRedis(t)
	dir := t.TempDir()
	s := privateServers(t, func(cfg *server.Config) {
		if err := cfg.Set("dir", dir); err != nil {
			t.Fatal(err)
		}
	})
	steps := append(randomDigestSteps(t), "DEBUG RELOAD", "DEBUG DIGEST")
	diffSessionFlushed(t, s, steps)
	kc, rc := dial(t, s.kvd), dial(t, s.redis)
	for j := 0; j < 20; j++ {
		for _, typ := range []string{"str", "int", "list", "set", "zset", "hash", "hll", "flt", "sorted"} {
			k := typ + strconv.Itoa(j)
			v, err := parseValue(kc.do("DUMP", k))
			if err != nil || v.str == "<nil>" {
				continue
			}
			want := kc.do("DEBUG", "DIGEST-VALUE", k)
			ttl := "0" // keep the expiry, which the digest counts
			if p, _ := parseValue(kc.do("PTTL", k)); p.str != "-1" {
				ttl = p.str
			}
			for name, c := range map[string]*conn{"kvd": kc, "redis": rc} {
				if r := c.do("RESTORE", k+":r", ttl, v.str, "REPLACE"); r != "+OK\r\n" {
					t.Errorf("RESTORE of kvd's DUMP of %s on %s: %q", k, name, r)
					continue
				}
				if got := c.do("DEBUG", "DIGEST-VALUE", k+":r"); got != want {
					t.Errorf("%s restored on %s: digest %q, want %q", k, name, got, want)
				}
			}
			// And Redis's DUMP of the same value restores on kvd.
			rv, err := parseValue(rc.do("DUMP", k))
			if err != nil || rv.str == "<nil>" {
				t.Errorf("DUMP %s on redis: %v %q", k, err, rv.str)
				continue
			}
			if r := kc.do("RESTORE", k+":fromredis", ttl, rv.str, "REPLACE"); r != "+OK\r\n" {
				t.Errorf("RESTORE of Redis's DUMP of %s on kvd: %q", k, r)
			} else if got := kc.do("DEBUG", "DIGEST-VALUE", k+":fromredis"); got != want {
				t.Errorf("Redis's DUMP of %s restored on kvd: digest %q, want %q", k, got, want)
			}
		}
	}
}

// randomDigestSteps returns a seeded stream of writes of every type, with
// DEBUG DIGEST every 500 writes and DIGEST-VALUE of every key at the end.
func randomDigestSteps(t *testing.T) []step {
	seed := uint64(rand.Int64())
	t.Logf("seed %d", seed)
	r := rand.New(rand.NewPCG(seed, 7))
	member := func() string {
		switch r.IntN(4) {
		case 0:
			return strconv.Itoa(r.IntN(1000) - 200)
		case 1:
			return strings.Repeat("y", r.IntN(80))
		}
		return "m" + strconv.Itoa(r.IntN(300))
	}
	score := func() string {
		switch r.IntN(4) {
		case 0:
			return strconv.Itoa(r.IntN(100))
		case 1:
			return strconv.FormatFloat(r.Float64()*1000-500, 'g', -1, 64)
		case 2:
			return fmt.Sprintf("%.3f", r.Float64())
		}
		return strconv.FormatFloat(r.NormFloat64()*1e10, 'e', 5, 64)
	}
	var steps []step
	for i := 0; i < 3000; i++ {
		k := strconv.Itoa(r.IntN(20))
		var s string
		k2 := strconv.Itoa(r.IntN(20))
		switch r.IntN(26) {
		case 0:
			s = "SET str" + k + " " + member()
		case 1:
			s = "INCRBY int" + k + " " + strconv.Itoa(r.IntN(1<<20)-1000)
		case 2:
			s = "RPUSH list" + k + " " + member()
		case 3:
			s = "LPUSH list" + k + " " + member() + " " + member()
		case 4:
			s = "SADD set" + k + " " + member()
		case 5:
			s = "SREM set" + k + " " + member()
		case 6:
			s = "ZADD zset" + k + " " + score() + " " + member()
		case 7:
			s = "HSET hash" + k + " " + member() + " " + member()
		case 8:
			s = "HDEL hash" + k + " " + member()
		case 9:
			s = "EXPIRE " + []string{"str", "list", "set", "zset", "hash"}[r.IntN(5)] + k + " 1000"
		case 10:
			s = "PFADD hll" + k + " " + member()
		case 11:
			s = "ZINCRBY zset" + k + " " + score() + " " + member()
		case 12:
			s = "HINCRBYFLOAT hash" + k + " f" + k2 + " " + score()
		case 13:
			s = "SUNIONSTORE set" + k + " set" + k + " set" + k2
		case 14:
			s = "ZUNIONSTORE zset" + k + " 2 zset" + k + " zset" + k2 + " WEIGHTS 1 0.5"
		case 15:
			s = "LINSERT list" + k + " BEFORE " + member() + " " + member()
		case 16:
			s = "LREM list" + k + " 0 " + member()
		case 17:
			s = "LTRIM list" + k + " 1 -2"
		case 18:
			s = "PFCOUNT hll" + k
		case 19:
			s = "PFMERGE hll" + k + " hll" + k2
		case 20:
			s = "SETRANGE str" + k + " " + strconv.Itoa(r.IntN(40)) + " " + member()
		case 21:
			s = "INCRBYFLOAT flt" + k + " " + score()
		case 22:
			s = "SORT list" + k + " ALPHA STORE sorted" + k
		case 23:
			s = "COPY zset" + k + " zset" + k2 + " REPLACE"
		case 24:
			s = "SINTERSTORE set" + k + " set" + k + " set" + k2
		case 25:
			s = "LSET list" + k + " 0 " + member()
		}
		steps = append(steps, "!skip "+s)
		if i%500 == 499 {
			steps = append(steps, "DEBUG DIGEST")
		}
	}
	for j := 0; j < 20; j++ {
		k := strconv.Itoa(j)
		steps = append(steps, "DEBUG DIGEST-VALUE str"+k+" int"+k+" list"+k+" set"+k+" zset"+k+" hash"+k+" hll"+k+" flt"+k+" sorted"+k)
	}
	return steps
}

// diffSessionFlushed is diffSession on flushed servers.
func diffSessionFlushed(t *testing.T, s servers, steps []step) {
	t.Helper()
	for _, addr := range []string{s.kvd, s.redis} {
		c := dial(t, addr)
		c.do("FLUSHALL")
	}
	diffSession(t, s, steps)
}

func TestDebugSubcommands(t *testing.T) {
	diffCases(t, []dcase{
		{name: "help", steps: []step{"DEBUG HELP", "debug help"}},
		{name: "switches", steps: []step{
			"DEBUG CHANGE-REPL-ID", "DEBUG CHANGE-REPL-ID x",
			"DEBUG PAUSE-CRON 1", "DEBUG PAUSE-CRON 0", "DEBUG PAUSE-CRON x", "DEBUG PAUSE-CRON", "DEBUG PAUSE-CRON 1 2",
			"DEBUG REPLYBUFFER PEAK-RESET-TIME NEVER", "DEBUG REPLYBUFFER peak-reset-time reset",
			"DEBUG REPLYBUFFER PEAK-RESET-TIME 100", "DEBUG REPLYBUFFER PEAK-RESET-TIME -5",
			"DEBUG REPLYBUFFER PEAK-RESET-TIME abc", "DEBUG REPLYBUFFER PEAK-RESET-TIME 1 2",
			"DEBUG REPLYBUFFER RESIZING 0", "DEBUG REPLYBUFFER RESIZING 1", "DEBUG REPLYBUFFER RESIZING x",
			"DEBUG REPLYBUFFER RESIZING", "DEBUG REPLYBUFFER foo bar", "DEBUG REPLYBUFFER",
			"DEBUG QUICKLIST-PACKED-THRESHOLD 100", "DEBUG QUICKLIST-PACKED-THRESHOLD 1k",
			"DEBUG QUICKLIST-PACKED-THRESHOLD 0", "DEBUG QUICKLIST-PACKED-THRESHOLD 4293918720",
			"DEBUG QUICKLIST-PACKED-THRESHOLD 4293918721", "DEBUG QUICKLIST-PACKED-THRESHOLD 5gb",
			"DEBUG QUICKLIST-PACKED-THRESHOLD -1", "DEBUG QUICKLIST-PACKED-THRESHOLD abc",
			"DEBUG QUICKLIST-PACKED-THRESHOLD", "DEBUG QUICKLIST-PACKED-THRESHOLD 0",
			"DEBUG SET-SKIP-CHECKSUM-VALIDATION 1", "DEBUG SET-SKIP-CHECKSUM-VALIDATION 0",
			"DEBUG SET-SKIP-CHECKSUM-VALIDATION", "DEBUG AOF-FLUSH-SLEEP 0", "DEBUG AOF-FLUSH-SLEEP",
			"DEBUG DROP-CLUSTER-PACKET-FILTER -1", "DEBUG DROP-CLUSTER-PACKET-FILTER x", "DEBUG DROP-CLUSTER-PACKET-FILTER",
			"DEBUG CLUSTERLINK KILL all abc", "DEBUG CLUSTERLINK KILL all", "DEBUG LEAK", "DEBUG LEAK x y",
			"DEBUG STRINGMATCH-TEST x", "DEBUG STRINGMATCH-LEN", "DEBUG JMAP",
			"DEBUG STRUCTSIZE", "DEBUG STRUCTSIZE x", "DEBUG CLIENT-EVICTION", "DEBUG CLIENT-EVICTION x",
		}},
		{name: "client eviction", steps: []step{
			"CONFIG SET maxmemory-clients 1mb", "!type DEBUG CLIENT-EVICTION", "CONFIG SET maxmemory-clients 0",
			"DEBUG CLIENT-EVICTION",
		}},
		{name: "listpack and quicklist", steps: []step{
			"SET s v", "RPUSH l a b", "HSET h a 1", "ZADD z 1 a", "SADD si 1", "SADD ss a",
			"DEBUG LISTPACK s", "DEBUG LISTPACK l", "DEBUG LISTPACK h", "DEBUG LISTPACK z", "DEBUG LISTPACK si",
			"DEBUG LISTPACK ss", "DEBUG LISTPACK nokey", "DEBUG LISTPACK", "DEBUG LISTPACK h x",
			"DEBUG QUICKLIST l", "DEBUG QUICKLIST l 1", "DEBUG QUICKLIST l x", "DEBUG QUICKLIST l 1 2",
			"DEBUG QUICKLIST h", "DEBUG QUICKLIST s", "DEBUG QUICKLIST nokey", "DEBUG QUICKLIST",
		}},
	})
}

// debugObjectNorm is a step modifier for DEBUG OBJECT: it compares the
// line without its address, LRU clock and idle time.
const debugObjectNorm = `!re:^\+Value\sat:0x[0-9a-f]+(\s.*)\slru:\d+\slru_seconds_idle:\d+([^\r]*)\r\n$`

func TestDebugObject(t *testing.T) {
	ints := func(n int) string {
		w := make([]string, n)
		for i := range w {
			w[i] = strconv.Itoa(i)
		}
		return strings.Join(w, " ")
	}
	strs := func(n, size int) string {
		w := make([]string, n)
		for i := range w {
			w[i] = fmt.Sprintf("%0*d", size, i)
		}
		return strings.Join(w, " ")
	}
	obj := func(k string) step { return debugObjectNorm + " DEBUG OBJECT " + k }
	diffCases(t, []dcase{
		{name: "strings", steps: []step{
			"SET s hello", obj("s"), "SET i 5", obj("i"), "SET i 300", obj("i"), "SET i 70000", obj("i"),
			"SET i 5000000000", obj("i"), "SET i -12", obj("i"), "SET e \"\"", obj("e"),
			"SET s20 01234567890123456789", obj("s20"), "SET n 0123", obj("n"),
			"APPEND a x", obj("a"), "DEBUG OBJECT nokey", "DEBUG OBJECT", "DEBUG OBJECT s x",
		}},
		{name: "collections", steps: []step{
			"RPUSH l a b c", obj("l"), "RPUSH li " + ints(2000), obj("li"),
			"SADD si 1 2 3", obj("si"), "SADD si 100000", obj("si"), "SADD si 10000000000", obj("si"),
			"SADD ss a b", obj("ss"),
			"HSET h a 1", obj("h"), "ZADD z 1 a 2.5 b", obj("z"),
		}},
		// Values over 20 bytes are counted LZF-compressed where that
		// saves 4 bytes, so the compressor's choices must be liblzf's.
		{name: "compressed", steps: compressedObjectSteps(obj)},
		{name: "quicklist nodes", steps: []step{
			"RPUSH l " + strs(681, 10), "!re:(ql_nodes:.*) DEBUG OBJECT l", "RPUSH l x",
			"!re:(ql_nodes:.*) DEBUG OBJECT l",
			"RPUSH l2 " + strs(300, 100), "!re:(ql_nodes:.*) DEBUG OBJECT l2",
			"CONFIG SET list-max-listpack-size 5", "RPUSH l3 " + ints(23), obj("l3"),
			"CONFIG SET list-max-listpack-size -2",
			// Elements at least the packed threshold long take plain nodes.
			"DEBUG QUICKLIST-PACKED-THRESHOLD 100", "RPUSH p a " + strs(3, 150) + " b c " + strs(2, 99) + " " + strs(1, 100),
			obj("p"), "RPUSH p2 " + strings.Repeat("abcdefghij", 20) + " 12345", obj("p2"),
			"DEBUG QUICKLIST-PACKED-THRESHOLD 0", "RPUSH p3 " + strs(3, 150), obj("p3"),
			// Compressed inner nodes: the same RDB length, ql_compressed 1.
			"CONFIG SET list-compress-depth 1", "RPUSH c " + strs(3000, 12), obj("c"),
			"CONFIG SET list-compress-depth 0",
			"CONFIG SET rdbcompression no", "SET long " + strings.Repeat("abc", 100), obj("long"),
			"CONFIG SET list-compress-depth 2", "RPUSH c2 " + strs(5000, 12), obj("c2"), "DEL c2",
			"CONFIG SET list-compress-depth 0", "CONFIG SET rdbcompression yes", obj("long"),
		}},
	})
}

// TestDebugStringmatchTest checks DEBUG STRINGMATCH-TEST's reply on kvd
// (Redis's takes ten seconds, too long for a differential case).
func TestDebugStringmatchTest(t *testing.T) {
	c := dial(t, env.kvdAddr)
	if got, want := c.do("DEBUG", "STRINGMATCH-TEST"), "+Apparently Redis did not crash: test passed\r\n"; got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
}

func TestLolwut(t *testing.T) {
	diffCases(t, []dcase{
		{name: "version line", steps: []step{
			"LOLWUT", "lolwut foo bar", "LOLWUT VERSION 7", "LOLWUT VERSION 4", "LOLWUT version 8 1 2",
			"LOLWUT VERSION x", "LOLWUT VERSION", "LOLWUT VERSION -1", "LOLWUT VERSION 59", "LOLWUT VERSION 5.0",
			"COMMAND INFO lolwut", "COMMAND DOCS lolwut", "COMMAND GETKEYS lolwut", "!sort ACL CAT fast",
		}},
		// Schotter's first two rows of squares are not random.
		{name: "version 5", steps: []step{
			"LOLWUT VERSION 5 10 2 2", "LOLWUT VERSION 5 66 8 2", "LOLWUT VERSION 5 66 8 1", "LOLWUT VERSION 5 1 1 1",
			"LOLWUT VERSION 5 0 0 0", "LOLWUT VERSION 5 2 1 1", "LOLWUT VERSION 5 3 5 2", "LOLWUT VERSION 5 7 3 2",
			"LOLWUT VERSION 5 40 13 2", "LOLWUT VERSION 5 1000 200 1", "LOLWUT VERSION 5 2000 300 -5",
			"LOLWUT VERSION 4294967301 10 2 2", "LOLWUT version 5 20 3 1 extra",
			"LOLWUT VERSION 5 x", "LOLWUT VERSION 5 10 x", "LOLWUT VERSION 5 10 2 x",
		}},
		// The skyline of a one-row canvas has no building.
		{name: "version 6", steps: []step{
			"LOLWUT VERSION 6 10 1", "LOLWUT VERSION 6 0 0", "LOLWUT VERSION 6 1 -3",
			"LOLWUT VERSION 6 x", "LOLWUT VERSION 6 10 x",
		}},
	})
}

// TestLolwutRandom compares the shape of the random drawings: the same
// number of lines, each as wide, and the same trailer.
func TestLolwutRandom(t *testing.T) {
	needRedis(t)
	s := sharedServers()
	kc, rc := dial(t, s.kvd), dial(t, s.redis)
	shape := func(raw string) (string, []int) {
		v, err := parseValue(raw)
		if err != nil {
			t.Fatalf("bad reply %q: %v", raw, err)
		}
		lines := strings.Split(v.str, "\n")
		var widths []int
		for _, l := range lines {
			if n := strings.Count(l, "\x1b[0m"); n > 0 {
				widths = append(widths, n) // coloured pixels
			} else {
				widths = append(widths, len([]rune(l)))
			}
		}
		return lines[len(lines)-2], widths
	}
	for _, args := range [][]string{
		{"LOLWUT", "VERSION", "5"}, {"LOLWUT", "VERSION", "5", "30", "5", "9"},
		{"LOLWUT", "VERSION", "6"}, {"LOLWUT", "VERSION", "6", "30", "12"},
	} {
		wt, ww := shape(rc.do(args...))
		gt, gw := shape(kc.do(args...))
		if wt != gt || fmt.Sprint(ww) != fmt.Sprint(gw) {
			t.Errorf("%q: redis trailer %q widths %v; kvd trailer %q widths %v", args, wt, ww, gt, gw)
		}
	}
}

// TestDebugDigestExpired checks that the digests count logically expired
// keys that active expiry has not removed, as Redis does, and that DEBUG
// PAUSE-CRON stops active expiry.
func TestDebugDigestExpired(t *testing.T) {
	needRedis(t)
	s := sharedServers()
	kc, rc := dialProto(t, s.kvd, 2), dialProto(t, s.redis, 2)
	both := func(args ...string) (string, string) { return rc.do(args...), kc.do(args...) }
	for _, cmd := range [][]string{
		{"DEBUG", "SET-ACTIVE-EXPIRE", "0"}, {"SET", "k", "v", "PX", "20"}, {"RPUSH", "l", "a"}, {"PEXPIRE", "l", "20"},
	} {
		both(cmd...)
	}
	time.Sleep(100 * time.Millisecond)
	for _, cmd := range [][]string{
		{"DEBUG", "DIGEST"}, {"DEBUG", "DIGEST-VALUE", "k", "l"}, {"DBSIZE"}, {"DEBUG", "OBJECT", "k"},
		{"GET", "k"}, {"DEBUG", "DIGEST"}, {"DEBUG", "DIGEST-VALUE", "k", "l"}, {"DEBUG", "SET-ACTIVE-EXPIRE", "1"},
	} {
		want, got := both(cmd...)
		if len(cmd) > 1 && cmd[1] == "OBJECT" {
			want, got = want[:min(len(want), 11)], got[:min(len(got), 11)]
		}
		if want != got {
			t.Errorf("%q:\n redis: %q\n   kvd: %q", cmd, want, got)
		}
	}
	// With the cron paused nothing expires in the background.
	both("DEBUG", "PAUSE-CRON", "1")
	both("SET", "p", "v", "PX", "10")
	time.Sleep(300 * time.Millisecond)
	want, got := both("DBSIZE")
	both("DEBUG", "PAUSE-CRON", "0")
	if want != ":2\r\n" || got != want {
		t.Errorf("DBSIZE with the cron paused: redis %q, kvd %q", want, got)
	}
}

// compressedObjectSteps builds values of every encoding that Redis
// compresses (or tries to) in its RDB form, each followed by obj(key).
func compressedObjectSteps(obj func(string) step) []step {
	r := rand.New(rand.NewPCG(1, 2))
	random := func(n int) string {
		const letters = "abcdefghijklmnopqrstuvwxyz0123456789"
		b := make([]byte, n)
		for i := range b {
			b[i] = letters[r.IntN(len(letters))]
		}
		return string(b)
	}
	var steps []step
	add := func(key string, cmds ...string) {
		steps = append(steps, cmds...)
		steps = append(steps, obj(key))
	}
	for i, v := range []string{
		strings.Repeat("a", 21), strings.Repeat("a", 25), strings.Repeat("ab", 30), random(21), random(40), random(200),
		strings.Repeat("hello world ", 100), strings.Repeat(random(7), 50), random(100) + random(100) + strings.Repeat("z", 300),
		strings.Repeat(random(300), 40), strings.Repeat("x", 10000), "12345678901234567890123",
	} {
		k := "s" + strconv.Itoa(i)
		add(k, "SET "+k+" "+v)
	}
	words := func(n int, f func(i int) string) string {
		w := make([]string, n)
		for i := range w {
			w[i] = f(i)
		}
		return strings.Join(w, " ")
	}
	add("h1", "HSET h1 name alice city paris age 30")
	add("h2", "HSET h2 "+words(60, func(i int) string { return fmt.Sprintf("field%d value%d", i, i) }))
	add("h3", "HSET h3 "+words(20, func(i int) string { return random(8) + " " + random(30) }))
	add("h4", "HSET h4 "+words(300, func(i int) string { return fmt.Sprintf("f%d %s", i, strings.Repeat("v", i%40)) }))
	add("z1", "ZADD z1 "+words(50, func(i int) string { return fmt.Sprintf("%d member%d", i*3, i) }))
	add("z2", "ZADD z2 "+words(30, func(i int) string { return fmt.Sprintf("%g %s", r.Float64()*100, random(12)) }))
	add("z3", "ZADD z3 "+words(200, func(i int) string { return fmt.Sprintf("%d %s", i, random(25)) }))
	add("i1", "SADD i1 "+words(100, func(i int) string { return strconv.Itoa(i) }))
	add("i2", "SADD i2 "+words(100, func(i int) string { return strconv.Itoa(r.IntN(1 << 30)) }))
	add("i3", "SADD i3 "+words(30, func(i int) string { return strconv.Itoa(i * 100000000) }))
	add("t1", "SADD t1 "+words(50, func(i int) string { return strings.Repeat("m", 21+i) }))
	add("l1", "RPUSH l1 "+words(100, func(i int) string { return "item" + strconv.Itoa(i%7) }))
	add("l2", "RPUSH l2 "+words(2000, func(i int) string { return random(10) }))
	add("l3", "RPUSH l3 "+words(500, func(i int) string { return strconv.Itoa(i * i * i) }))
	add("l4", "RPUSH l4 "+words(50, func(i int) string { return strings.Repeat(random(3), 100) }))
	return steps
}

// TestDebugChangeReplID checks that DEBUG CHANGE-REPL-ID gives INFO
// replication a new 40-digit master_replid, on both servers.
func TestDebugChangeReplID(t *testing.T) {
	needRedis(t)
	onBoth(t, sharedServers(), func(t *testing.T, addr string) {
		c := dial(t, addr)
		replid := func() string {
			v, err := parseValue(c.do("INFO", "replication"))
			if err != nil {
				t.Fatal(err)
			}
			for _, l := range strings.Split(v.str, "\r\n") {
				if id, ok := strings.CutPrefix(l, "master_replid:"); ok {
					return id
				}
			}
			t.Fatalf("no master_replid in %q", v.str)
			return ""
		}
		before := replid()
		if r := c.do("DEBUG", "CHANGE-REPL-ID"); r != "+OK\r\n" {
			t.Fatalf("DEBUG CHANGE-REPL-ID: %q", r)
		}
		after := replid()
		if after == before || len(after) != 40 || strings.Trim(after, "0123456789abcdef") != "" {
			t.Errorf("master_replid %q, then %q", before, after)
		}
	})
}

// TestDebugDigestReload is Redis's own check of persistence: the digest of
// the data set is the same after DEBUG RELOAD (save, flush, load), and
// equal to Redis's. Both servers save into temporary directories.
func TestDebugDigestReload(t *testing.T) {
	needRedis(t)
	dir := t.TempDir()
	s := privateServers(t, func(cfg *server.Config) {
		if err := cfg.Set("dir", dir); err != nil {
			t.Fatal(err)
		}
	})
	setup, _ := digestDataset()
	var steps []step
	for _, st := range setup {
		steps = append(steps, "!skip "+st)
	}
	steps = append(steps, "DEBUG DIGEST", "DEBUG RELOAD", "DEBUG DIGEST", "DBSIZE", "SELECT 3", "DBSIZE")
	diffCasesOn(t, s, []dcase{{name: "reload", steps: steps, resp2Only: true}})
}

// TestDebugSkipChecksumValidation checks that RESTORE refuses a payload
// with a wrong CRC-64 unless DEBUG SET-SKIP-CHECKSUM-VALIDATION 1, as
// Redis's corrupt-payload tests use it, with Redis's replies.
func TestDebugSkipChecksumValidation(t *testing.T) {
	needRedis(t)
	s := sharedServers()
	var replies [2][]string
	for i, addr := range []string{s.redis, s.kvd} {
		c := dialProto(t, addr, 2)
		c.do("RPUSH", "l", "a", "b", "c")
		v, err := parseValue(c.do("DUMP", "l"))
		if err != nil {
			t.Fatal(err)
		}
		bad := []byte(v.str)
		bad[len(bad)-1] ^= 0xff // the checksum's last byte
		badVersion := []byte(v.str)
		badVersion[len(badVersion)-10] = 0xff // RDB version 255
		for _, cmd := range [][]string{
			{"RESTORE", "r", "0", string(bad)},
			{"DEBUG", "SET-SKIP-CHECKSUM-VALIDATION", "1"},
			{"RESTORE", "r", "0", string(bad)},
			{"LRANGE", "r", "0", "-1"},
			{"RESTORE", "v", "0", string(badVersion)},
			{"DEBUG", "SET-SKIP-CHECKSUM-VALIDATION", "0"},
			{"RESTORE", "r", "0", string(bad), "REPLACE"},
		} {
			replies[i] = append(replies[i], c.do(cmd...))
		}
	}
	for j := range replies[0] {
		if replies[0][j] != replies[1][j] {
			t.Errorf("step %d: redis %q, kvd %q", j, replies[0][j], replies[1][j])
		}
	}
}
