package server

import (
	"bufio"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// These tests run commands through the command context with no socket at
// all (a fake client of a server that never listens) and check the
// propagation stream: replayed into a real redis-server, it must rebuild
// the same data set.

// fakeRun executes one command on a fake client and returns its raw reply.
func fakeRun(c *Client, argv ...string) string {
	b := make([][]byte, len(argv))
	for i, a := range argv {
		b[i] = []byte(a)
	}
	return string(c.srv.runFake(c, b))
}

// TestFakeClientRunsCommands runs commands through the same path a socket
// client uses, from a client without a connection, in both protocols.
func TestFakeClientRunsCommands(t *testing.T) {
	s := testClient(t, nil).srv
	c := s.newFakeClient()
	for _, tc := range []struct{ cmd, want string }{
		{"SET k v", "+OK\r\n"},
		{"GET k", "$1\r\nv\r\n"},
		{"LPUSH k x", "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
		{"GET nokey", "$-1\r\n"},
		{"SELECT 3", "+OK\r\n"},
		{"GET k", "$-1\r\n"},
		{"HELLO 3", ""}, // checked below: the protocol changes
		{"GET nokey", "_\r\n"},
		{"NOSUCH a", "-ERR unknown command 'NOSUCH', with args beginning with: 'a' \r\n"},
		{"GET", "-ERR wrong number of arguments for 'get' command\r\n"},
	} {
		got := fakeRun(c, strings.Fields(tc.cmd)...)
		if tc.want != "" && got != tc.want {
			t.Errorf("%s: got %q, want %q", tc.cmd, got, tc.want)
		}
	}
	if c.proto != 3 {
		t.Errorf("proto %d after HELLO 3", c.proto)
	}
	if got := s.stats.commands; got != 8 { // the unknown command and the wrong arity are not counted
		t.Errorf("commands counted: %d", got)
	}
}

// TestPropagationRewrites checks the rewrites of Redis 7.0 one command at
// a time.
func TestPropagationRewrites(t *testing.T) {
	s := testClient(t, nil).srv
	c := s.newFakeClient()
	var got []string
	s.addPropConsumer(func(db int, argv [][]byte) {
		w := make([]string, len(argv))
		for i, a := range argv {
			w[i] = string(a)
		}
		got = append(got, fmt.Sprintf("%d %s", db, strings.Join(w, " ")))
	})
	now := time.Now().UnixMilli()
	tests := []struct {
		cmd  string
		want []string // "~" at the end of a line: the last argument is a deadline about now+N ms
	}{
		{"SET a 1", []string{"0 SET a 1"}},
		{"SET a 1 NX", nil},
		{"SET b 2 EX 100", []string{"0 SET b 2 PXAT ~100000"}},
		{"SET b 2 PX 5000 GET", []string{"0 SET b 2 PXAT ~5000"}},
		{"SETEX c 10 x", []string{"0 SET c x PXAT ~10000"}},
		{"PSETEX c 1000 x", []string{"0 SET c x PXAT ~1000"}},
		{"EXPIRE a 100", []string{"0 PEXPIREAT a ~100000"}},
		{"PEXPIRE a 100 GT", nil},
		{"PEXPIRE a 50000 LT", []string{"0 PEXPIREAT a ~50000 LT"}},
		{"EXPIRE nokey 100", nil},
		{"PERSIST a", []string{"0 PERSIST a"}},
		{"PERSIST a", nil},
		{"EXPIRE a -1", []string{"0 DEL a"}},
		{"GETEX b PX 200", []string{"0 PEXPIREAT b ~200"}},
		{"GETEX b PERSIST", []string{"0 PERSIST b"}},
		{"GETEX b", nil},
		{"GETEX b PXAT 1", []string{"0 DEL b"}},
		{"SET d 1.5", []string{"0 SET d 1.5"}},
		{"INCRBYFLOAT d 0.25", []string{"0 SET d 1.75 KEEPTTL"}},
		{"HINCRBYFLOAT h f 2.5", []string{"0 HSET h f 2.5"}},
		{"GETDEL d", []string{"0 DEL d"}},
		{"GETDEL d", nil},
		{"SADD s only", []string{"0 SADD s only"}},
		{"SPOP s", []string{"0 SREM s only"}},
		{"SPOP s", nil},
		{"RPUSH l a b c", []string{"0 RPUSH l a b c"}},
		{"LMPOP 2 nolist l LEFT COUNT 2", []string{"0 LPOP l 2"}},
		{"LMPOP 1 l RIGHT COUNT 5", []string{"0 RPOP l 1"}},
		{"LMPOP 1 l RIGHT", nil},
		{"ZADD z 1 a 2 b 3 c", []string{"0 ZADD z 1 a 2 b 3 c"}},
		{"ZMPOP 2 nozset z MAX COUNT 2", []string{"0 ZPOPMAX z 2"}},
		{"ZMPOP 1 z MIN COUNT 9", []string{"0 ZPOPMIN z 1"}},
		{"ZMPOP 1 z MIN", nil},
		{"SELECT 2", nil},
		{"SET x y", []string{"2 SET x y"}},
		{"DEL x", []string{"2 DEL x"}},
	}
	for _, tt := range tests {
		got = nil
		r := fakeRun(c, strings.Fields(tt.cmd)...)
		if strings.HasPrefix(r, "-") {
			t.Fatalf("%s: %s", tt.cmd, r)
		}
		if len(got) != len(tt.want) {
			t.Errorf("%s: propagated %q, want %q", tt.cmd, got, tt.want)
			continue
		}
		for i, w := range tt.want {
			if !matchProp(got[i], w, now) {
				t.Errorf("%s: propagated %q, want %q", tt.cmd, got[i], w)
			}
		}
	}

	// A transaction's writes propagate as one MULTI/EXEC unit; its reads
	// and the commands that changed nothing do not; a transaction with
	// one write propagates that write alone.
	got = nil
	for _, cmd := range []string{"MULTI", "SET t 1", "GET t", "INCR u", "SET t 2 NX", "EXEC"} {
		fakeRun(c, strings.Fields(cmd)...)
	}
	if want := []string{"2 MULTI", "2 SET t 1", "2 INCR u", "2 EXEC"}; !slices.Equal(got, want) {
		t.Errorf("transaction: propagated %q, want %q", got, want)
	}
	got = nil
	for _, cmd := range []string{"MULTI", "GET t", "EXPIRE t 100", "EXEC"} {
		fakeRun(c, strings.Fields(cmd)...)
	}
	if len(got) != 1 || !matchProp(got[0], "2 PEXPIREAT t ~100000", now) {
		t.Errorf("one-write transaction: propagated %q", got)
	}

	// A key that expires is deleted lazily by the command that finds it,
	// and the DEL comes before the command's own effect, both in one
	// MULTI/EXEC unit.
	got = nil
	fakeRun(c, "SET", "e", "v", "PX", "1")
	time.Sleep(5 * time.Millisecond)
	got = nil
	fakeRun(c, "LPUSH", "e", "x")
	want := []string{"2 MULTI", "2 DEL e", "2 LPUSH e x", "2 EXEC"}
	if !slices.Equal(got, want) {
		t.Errorf("lazy expiry: propagated %q, want %q", got, want)
	}
	// A read that finds an expired key propagates the DEL alone.
	fakeRun(c, "SET", "f", "v", "PX", "1")
	time.Sleep(5 * time.Millisecond)
	got = nil
	fakeRun(c, "GET", "f")
	if want := []string{"2 DEL f"}; !slices.Equal(got, want) {
		t.Errorf("lazy expiry on read: propagated %q, want %q", got, want)
	}
	// The active cycle too, outside any command.
	fakeRun(c, "SET", "g", "v", "PX", "1")
	time.Sleep(5 * time.Millisecond)
	got = nil
	s.dbs[2].ExpireCycle(s.nowMs(), time.Second)
	if want := []string{"2 DEL g"}; !slices.Equal(got, want) {
		t.Errorf("active expiry: propagated %q, want %q", got, want)
	}
}

// matchProp compares a propagated command with a pattern in which a last
// argument "~N" stands for a deadline of about now+N ms.
func matchProp(got, want string, now int64) bool {
	gw, ww := strings.Fields(got), strings.Fields(want)
	if len(gw) != len(ww) {
		return false
	}
	for i := range ww {
		if strings.HasPrefix(ww[i], "~") {
			d, _ := strconv.ParseInt(ww[i][1:], 10, 64)
			v, err := strconv.ParseInt(gw[i], 10, 64)
			if err != nil || v < now+d || v > now+d+60_000 {
				return false
			}
			continue
		}
		if gw[i] != ww[i] {
			return false
		}
	}
	return true
}

// TestPropagationReplay runs a seeded random workload over every data
// type, with TTLs and keys expiring while it runs, on a server with no
// socket; has a fresh real redis-server load its propagation stream as an
// append-only file (as an AOF will be, and as a replica applies a master's
// stream, with no key expiring while it is applied); and requires the two
// data sets to be identical: every key's type, value and deadline in every
// database.
func TestPropagationReplay(t *testing.T) {
	if _, err := redisServerPath(); err != nil {
		needRedisServer(t, err)
	}
	for _, seed := range replaySeeds(t) {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			t.Logf("seed %d (KVD_TEST_SEED=%d reproduces it)", seed, seed)
			replayOnce(t, seed)
		})
	}
}

func replaySeeds(t *testing.T) []uint64 {
	if v := os.Getenv("KVD_TEST_SEED"); v != "" {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			t.Fatalf("KVD_TEST_SEED: %v", err)
		}
		return []uint64{n}
	}
	base := uint64(time.Now().UnixNano())
	return []uint64{base, base + 1, base + 2}
}

func replayOnce(t *testing.T, seed uint64) {
	s := testClient(t, nil).srv
	c := s.newFakeClient()
	feed := newPropFeed()
	s.addPropConsumer(feed.append)

	w := newWorkload(seed)
	lastShort := int64(0)
	for i := 0; i < 4000; i++ {
		argv, short := w.next()
		fakeRun(c, argv...)
		if short {
			lastShort = time.Now().UnixMilli() + 100
		}
		if i%200 == 199 {
			// The active expiry cycle, as the cron runs it.
			for _, db := range s.dbs {
				db.ExpireCycle(s.nowMs(), time.Millisecond)
			}
			time.Sleep(time.Millisecond)
		}
	}
	// Every key given a short TTL is past its deadline before the data
	// sets are compared (on both servers, by the same clock).
	if d := time.Until(time.UnixMilli(lastShort + 5)); d > 0 {
		time.Sleep(d)
	}

	// redis-server 7.0 loads an append-only file left in dir by an older
	// version (appendonly.aof) and turns it into its multi-part layout.
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "appendonly.aof"), feed.buf, 0o644); err != nil {
		t.Fatal(err)
	}
	addr := startTestRedis(t, dir, "--appendonly", "yes")
	rc := dialRedis(t, addr)
	defer rc.close()
	log, _ := os.ReadFile(filepath.Join(dir, "redis.log"))
	if !strings.Contains(string(log), "DB loaded from append only file") {
		t.Fatalf("redis-server did not load the stream:\n%s", log)
	}
	t.Logf("replayed %d commands (%d bytes)", countCommands(feed.buf), len(feed.buf))

	// The workload's client may have been left in MULTI: read with another.
	reader := s.newFakeClient()
	compared := 0
	defer func() { t.Logf("compared %d keys", compared) }()
	for db := range s.dbs {
		kv := snapshotDB(t, func(argv ...string) string { return fakeRun(reader, argv...) }, db)
		rv := snapshotDB(t, rc.do, db)
		compared += len(kv)
		if len(kv) != len(rv) {
			t.Errorf("db %d: kvd has %d keys, redis-server %d", db, len(kv), len(rv))
		}
		for k, v := range kv {
			if rv[k] != v {
				t.Errorf("db %d key %q:\n kvd   %s\n redis %s", db, k, v, rv[k])
			}
		}
		for k, v := range rv {
			if _, ok := kv[k]; !ok {
				t.Errorf("db %d key %q only on redis-server: %s", db, k, v)
			}
		}
	}
}

// snapshotDB returns every key of database db with its type, value and
// deadline in a canonical text form, reading it with run.
func snapshotDB(t *testing.T, run func(argv ...string) string, db int) map[string]string {
	t.Helper()
	if r := run("SELECT", strconv.Itoa(db)); r != "+OK\r\n" {
		t.Fatalf("SELECT %d: %q", db, r)
	}
	keys := parseReply(t, run("KEYS", "*")).([]any)
	out := make(map[string]string, len(keys))
	for _, k := range keys {
		key := k.(string)
		typ := parseReply(t, run("TYPE", key)).(string)
		var val any
		switch typ {
		case "string":
			val = parseReply(t, run("GET", key))
		case "list":
			val = parseReply(t, run("LRANGE", key, "0", "-1"))
		case "set":
			val = parseReply(t, run("SORT", key, "ALPHA"))
		case "zset":
			val = parseReply(t, run("ZRANGE", key, "0", "-1", "WITHSCORES"))
		case "hash":
			flat := parseReply(t, run("HGETALL", key)).([]any)
			pairs := make([]string, 0, len(flat)/2)
			for i := 0; i+1 < len(flat); i += 2 {
				pairs = append(pairs, fmt.Sprintf("%q=%q", flat[i], flat[i+1]))
			}
			slices.Sort(pairs)
			val = pairs
		default:
			t.Fatalf("key %q of type %q", key, typ)
		}
		exp := parseReply(t, run("PEXPIRETIME", key))
		out[key] = fmt.Sprintf("%s %q expires %v", typ, val, exp)
	}
	return out
}

// workload generates a seeded random stream of commands over every data
// type, on a small set of keys so that commands meet each other's keys
// (and types), with short and long TTLs.
type workload struct {
	r *rand.Rand
}

func newWorkload(seed uint64) *workload {
	return &workload{r: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))}
}

// next returns the next command and whether it gives a key a short TTL
// (one that expires while the workload runs).
func (w *workload) next() (argv []string, short bool) {
	r := w.r
	// Keys are mostly of the family the command works on (so that
	// collections grow and survive), sometimes any key (so that commands
	// meet other types).
	family := "k"
	key := func() string {
		if r.IntN(6) == 0 {
			return "kslhzb"[r.IntN(6):][:1] + strconv.Itoa(r.IntN(6))
		}
		return family + strconv.Itoa(r.IntN(6))
	}
	mem := func() string {
		if r.IntN(3) == 0 {
			return strconv.Itoa(r.IntN(40))
		}
		return "m" + strconv.Itoa(r.IntN(40))
	}
	num := func() string { return strconv.Itoa(r.IntN(200) - 50) }
	flt := func() string { return strconv.FormatFloat(float64(r.IntN(2000))/8-100, 'f', -1, 64) }
	longTTL := func() string { return strconv.Itoa(3600 + r.IntN(86400)) }
	shortMs := func() string { return strconv.Itoa(1 + r.IntN(40)) }
	nowMs := time.Now().UnixMilli()
	op := r.IntN(62)
	switch {
	case op >= 28 && op <= 35 || op == 59:
		family = "l"
	case op >= 36 && op <= 39 || op == 60:
		family = "h"
	case op >= 40 && op <= 45 || op == 55:
		family = "s"
	case op >= 46 && op <= 52 || op == 61:
		family = "z"
	case op == 53 || op == 54:
		family = "b"
	}
	switch op {
	// strings
	case 0:
		return []string{"SET", key(), mem()}, false
	case 1:
		return []string{"SET", key(), mem(), "EX", longTTL()}, false
	case 2:
		return []string{"SET", key(), mem(), "PX", shortMs()}, true
	case 3:
		opts := [][]string{{"NX"}, {"XX"}, {"GET"}, {"KEEPTTL"}, {"XX", "GET"}, {"EXAT", strconv.FormatInt(nowMs/1000+7200, 10)}, {"PXAT", strconv.FormatInt(nowMs+int64(r.IntN(30)), 10)}}
		o := opts[r.IntN(len(opts))]
		return append([]string{"SET", key(), mem()}, o...), o[0] == "PXAT"
	case 4:
		return []string{"SETEX", key(), longTTL(), mem()}, false
	case 5:
		return []string{"PSETEX", key(), shortMs(), mem()}, true
	case 6:
		return []string{"GETEX", key(), "EX", longTTL()}, false
	case 7:
		return []string{"GETEX", key(), "PERSIST"}, false
	case 8:
		return []string{"GETDEL", key()}, false
	case 9:
		return []string{"APPEND", key(), mem()}, false
	case 10:
		return []string{"INCRBY", key(), num()}, false
	case 11:
		return []string{"INCRBYFLOAT", key(), flt()}, false
	case 12:
		return []string{"SETRANGE", key(), strconv.Itoa(r.IntN(20)), mem()}, false
	case 13:
		return []string{"MSET", key(), mem(), key(), num()}, false
	case 14:
		return []string{"SETBIT", key(), strconv.Itoa(r.IntN(100)), strconv.Itoa(r.IntN(2))}, false
	case 15:
		return []string{"BITFIELD", key(), "INCRBY", "i8", strconv.Itoa(r.IntN(64)), num(), "SET", "u4", "3", "7"}, false
	case 16:
		return []string{"BITOP", []string{"AND", "OR", "XOR"}[r.IntN(3)], key(), key(), key()}, false
	case 17:
		return []string{"GET", key()}, false
	// keys
	case 18:
		return []string{"DEL", key(), key()}, false
	case 19:
		return []string{"UNLINK", key()}, false
	case 20:
		return []string{"EXPIRE", key(), longTTL()}, false
	case 21:
		return []string{"PEXPIRE", key(), shortMs()}, true
	case 22:
		return []string{"EXPIREAT", key(), strconv.FormatInt(nowMs/1000+[]int64{-2, -1, 7200}[r.IntN(3)], 10)}, false
	case 23:
		return []string{"PERSIST", key()}, false
	case 24:
		return []string{"RENAME", key(), key()}, false
	case 25:
		return []string{"COPY", key(), key(), "REPLACE"}, false
	case 26:
		return []string{"MOVE", key(), strconv.Itoa(1 + r.IntN(2))}, false
	case 27:
		return []string{"EXISTS", key(), key()}, false
	// lists
	case 28:
		return []string{"LPUSH", key(), mem(), mem()}, false
	case 29:
		return []string{"RPUSH", key(), mem(), mem(), mem()}, false
	case 30:
		return []string{"LPOP", key()}, false
	case 31:
		return []string{"RPOP", key(), "2"}, false
	case 32:
		return []string{"LMOVE", key(), key(), "LEFT", "RIGHT"}, false
	case 33:
		return []string{"LINSERT", key(), "BEFORE", mem(), mem()}, false
	case 34:
		return []string{"LTRIM", key(), "0", strconv.Itoa(r.IntN(6))}, false
	case 35:
		return []string{"LREM", key(), "0", mem()}, false
	// hashes
	case 36:
		return []string{"HSET", key(), mem(), mem(), mem(), num()}, false
	case 37:
		return []string{"HDEL", key(), mem()}, false
	case 38:
		return []string{"HINCRBY", key(), mem(), num()}, false
	case 39:
		return []string{"HINCRBYFLOAT", key(), mem(), flt()}, false
	// sets
	case 40:
		return []string{"SADD", key(), mem(), mem(), mem()}, false
	case 41:
		return []string{"SREM", key(), mem()}, false
	case 42:
		return []string{"SPOP", key()}, false
	case 43:
		return []string{"SPOP", key(), strconv.Itoa(r.IntN(5))}, false
	case 44:
		return []string{"SMOVE", key(), key(), mem()}, false
	case 45:
		return []string{[]string{"SINTERSTORE", "SUNIONSTORE", "SDIFFSTORE"}[r.IntN(3)], key(), key(), key()}, false
	// sorted sets
	case 46:
		return []string{"ZADD", key(), num(), mem(), flt(), mem()}, false
	case 47:
		return []string{"ZINCRBY", key(), flt(), mem()}, false
	case 48:
		return []string{"ZREM", key(), mem()}, false
	case 49:
		return []string{"ZPOPMIN", key(), strconv.Itoa(1 + r.IntN(3))}, false
	case 50:
		return []string{"ZRANGESTORE", key(), key(), "0", strconv.Itoa(r.IntN(5))}, false
	case 51:
		return []string{"ZUNIONSTORE", key(), "2", key(), key(), "WEIGHTS", "2", "0.5"}, false
	case 52:
		return []string{"ZREMRANGEBYRANK", key(), "0", "1"}, false
	// HyperLogLog, SORT
	case 53:
		return []string{"PFADD", key(), mem(), mem(), mem()}, false
	case 54:
		return []string{"PFMERGE", key(), key(), key()}, false
	case 55:
		return []string{"SORT", key(), "ALPHA", "STORE", key()}, false
	// databases
	case 56:
		return []string{"SELECT", strconv.Itoa(r.IntN(3))}, false
	case 57:
		if r.IntN(8) == 0 {
			return []string{"SWAPDB", strconv.Itoa(r.IntN(3)), strconv.Itoa(r.IntN(3))}, false
		}
		return []string{"TYPE", key()}, false
	case 58:
		if r.IntN(30) == 0 {
			return []string{"FLUSHDB"}, false
		}
		return []string{"TTL", key()}, false
	case 59:
		return []string{"LMPOP", "2", key(), key(), "RIGHT", "COUNT", "2"}, false
	case 60:
		// Transactions: a MULTI, and later an EXEC or a DISCARD, around
		// whatever commands come between (errors while queueing abort).
		switch r.IntN(4) {
		case 0:
			return []string{"MULTI"}, false
		case 1:
			return []string{"DISCARD"}, false
		default:
			return []string{"EXEC"}, false
		}
	default:
		return []string{"ZADD", key(), "GT", "CH", num(), mem()}, false
	}
}

// ---- a real redis-server, and a minimal RESP client for it ----

func redisServerPath() (string, error) { return exec.LookPath("redis-server") }

// needRedisServer fails the test under CI and skips it otherwise.
func needRedisServer(t *testing.T, err error) {
	t.Helper()
	if os.Getenv("CI") != "" {
		t.Fatalf("redis-server is required in CI: %v", err)
	}
	t.Skipf("redis-server unavailable: %v", err)
}

// startTestRedis starts a redis-server on a free loopback port for the
// test, in dir, with extra arguments. Without one the test fails under CI
// and is skipped otherwise.
func startTestRedis(t *testing.T, dir string, extra ...string) string {
	t.Helper()
	path, err := redisServerPath()
	if err != nil {
		needRedisServer(t, err)
	}
	for attempt := 0; attempt < 5; attempt++ {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		port := l.Addr().(*net.TCPAddr).Port
		l.Close()
		args := append([]string{"--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--save", "",
			"--dir", dir, "--daemonize", "no", "--logfile", filepath.Join(dir, "redis.log")}, extra...)
		cmd := exec.Command(path, args...)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
		for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
			if nc, err := net.Dial("tcp", addr); err == nil {
				nc.Write([]byte("PING\r\n")) // answered once loading is done
				nc.SetReadDeadline(time.Now().Add(30 * time.Second))
				line, _ := bufio.NewReader(nc).ReadString('\n')
				nc.Close()
				if line != "+PONG\r\n" {
					continue
				}
				t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
				return addr
			}
		}
		cmd.Process.Kill()
		cmd.Wait()
	}
	t.Fatal("redis-server did not start")
	return ""
}

type redisConn struct {
	t  *testing.T
	nc net.Conn
	r  *bufio.Reader
}

func dialRedis(t *testing.T, addr string) *redisConn {
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	nc.SetDeadline(time.Now().Add(time.Minute))
	return &redisConn{t: t, nc: nc, r: bufio.NewReader(nc)}
}

func (rc *redisConn) close() { rc.nc.Close() }

// do sends one command and returns its raw reply.
func (rc *redisConn) do(argv ...string) string {
	f := newPropFeed()
	f.db = 0 // no SELECT
	b := make([][]byte, len(argv))
	for i, a := range argv {
		b[i] = []byte(a)
	}
	f.append(0, b)
	if _, err := rc.nc.Write(f.buf); err != nil {
		rc.t.Fatal(err)
	}
	raw, err := readRaw(rc.r)
	if err != nil {
		rc.t.Fatal(err)
	}
	return raw
}

// countCommands counts the multibulk requests in a RESP stream.
func countCommands(b []byte) int {
	n := 0
	r := bufio.NewReader(strings.NewReader(string(b)))
	for {
		if _, err := readRaw(r); err != nil {
			return n
		}
		n++
	}
}

// readRaw reads one RESP2 value and returns its bytes.
func readRaw(r *bufio.Reader) (string, error) {
	line, err := r.ReadString('\n')
	if err != nil {
		return "", err
	}
	if len(line) < 3 {
		return "", fmt.Errorf("short line %q", line)
	}
	switch line[0] {
	case '+', '-', ':', '_':
		return line, nil
	case '$':
		n, err := strconv.Atoi(strings.TrimSpace(line[1:]))
		if err != nil {
			return "", err
		}
		if n < 0 {
			return line, nil
		}
		buf := make([]byte, n+2)
		if _, err := ioReadFull(r, buf); err != nil {
			return "", err
		}
		return line + string(buf), nil
	case '*':
		n, err := strconv.Atoi(strings.TrimSpace(line[1:]))
		if err != nil {
			return "", err
		}
		var sb strings.Builder
		sb.WriteString(line)
		for i := 0; i < n; i++ {
			v, err := readRaw(r)
			if err != nil {
				return "", err
			}
			sb.WriteString(v)
		}
		return sb.String(), nil
	}
	return "", fmt.Errorf("unexpected reply %q", line)
}

func ioReadFull(r *bufio.Reader, buf []byte) (int, error) {
	n := 0
	for n < len(buf) {
		m, err := r.Read(buf[n:])
		n += m
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

// parseReply turns a raw RESP2 reply into a string (simple, bulk), an
// int64, nil (null) or a []any; an error reply fails the test.
func parseReply(t *testing.T, raw string) any {
	t.Helper()
	v, rest, err := parseValue(raw)
	if err != nil || rest != "" {
		t.Fatalf("bad reply %q: %v", raw, err)
	}
	return v
}

func parseValue(s string) (any, string, error) {
	i := strings.Index(s, "\r\n")
	if i < 1 {
		return nil, "", fmt.Errorf("no line in %q", s)
	}
	line, rest := s[1:i], s[i+2:]
	switch s[0] {
	case '+':
		return line, rest, nil
	case '-':
		return nil, "", fmt.Errorf("error reply %s", line)
	case ':':
		n, err := strconv.ParseInt(line, 10, 64)
		return n, rest, err
	case '$':
		n, err := strconv.Atoi(line)
		if err != nil {
			return nil, "", err
		}
		if n < 0 {
			return nil, rest, nil
		}
		return rest[:n], rest[n+2:], nil
	case '*':
		n, err := strconv.Atoi(line)
		if err != nil {
			return nil, "", err
		}
		if n < 0 {
			return nil, rest, nil
		}
		items := make([]any, n)
		for j := range items {
			if items[j], rest, err = parseValue(rest); err != nil {
				return nil, "", err
			}
		}
		return items, rest, nil
	}
	return nil, "", fmt.Errorf("unexpected %q", s)
}
