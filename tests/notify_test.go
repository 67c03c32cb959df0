package tests

import (
	"math/rand/v2"
	"os"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestDiffNotifyConfig sets notify-keyspace-events to every class alone,
// combinations, duplicates and bad characters on both servers, comparing
// CONFIG SET's reply and what CONFIG GET shows afterwards.
func TestDiffNotifyConfig(t *testing.T) {
	s := privateServers(t, nil)
	var steps []step
	values := []string{"", "K", "E", "KE", "A", "KEA", "AKE", "g", "$", "l", "s", "h", "z", "x", "e", "t", "m", "d", "n",
		"g$lshzxetd", "g$lshzxet", "KEA", "KEAmn", "AKEmn", "mn", "nm", "Kn", "KEgd", "KEnmtdg", "AAKK", "gA",
		"Ex", "Kg$", "q", "AX", "KEA ", "a", "k", "G", "kea", "KE\x00", "\xff"}
	for _, v := range values {
		steps = append(steps, "CONFIG SET notify-keyspace-events "+quoteArg(v), "CONFIG GET notify-keyspace-events")
	}
	steps = append(steps, "CONFIG SET notify-keyspace-events", "CONFIG SET notify-keyspace-events KEA x",
		"CONFIG SET notify-keyspace-events KEA notify-keyspace-events Kx", "CONFIG GET notify-keyspace-events",
		"CONFIG GET notify*", "CONFIG SET notify-keyspace-events \"\"")
	diffSession(t, s, steps)
}

// notifyScript is a workload that makes every command family emit each
// of its keyspace events at least once, with the edge cases that emit
// none (no-ops, failed conditions, errors) between them.
var notifyScript = []string{
	// strings
	"SET s1 v", "SET s1 v2 EX 100", "SET s1 v3 KEEPTTL", "SET s1 x NX", "SET s2 x XX", "SET s2 y NX PX 100000",
	"SET s1 v GET", "SETNX s1 a", "SETNX s3 a", "SETEX s4 100 v", "PSETEX s5 100000 v", "GETSET s1 z",
	"GETDEL s3", "GETDEL s3", "GETEX s4 PERSIST", "GETEX s4 PERSIST", "GETEX s4 EX 50", "GETEX s4 PXAT 1",
	"GETEX s5", "MSET m1 a m2 b m1 c", "MSETNX m1 a m9 b", "MSETNX m8 a m9 b", "APPEND a1 xx", "APPEND a1 yy",
	"INCR i1", "DECR i1", "INCRBY i1 5", "DECRBY i1 3", "INCRBYFLOAT i1 1.5", "INCR s1", "SETRANGE r1 3 ab",
	"SETRANGE r1 0 \"\"", "SETRANGE r9 0 \"\"", "SETRANGE r1 1 z", "GET nokey", "MGET s1 nokey", "STRLEN nokey",
	// keys
	"DEL s1 s1 nokey m1", "UNLINK m2", "EXPIRE s2 100", "EXPIRE s2 100 NX", "PEXPIRE s2 200000 GT", "EXPIREAT s2 1",
	"SET e1 v", "PEXPIREAT e1 99999999999999", "PERSIST e1", "PERSIST e1", "EXPIRE nokey 10", "RENAME e1 e2",
	"SET e3 v", "RENAME e2 e3", "RENAME e3 e3", "RENAMENX e3 m8", "RENAMENX e3 e4", "COPY e4 e5", "COPY e4 e5",
	"COPY e4 e5 REPLACE", "COPY e4 e5 DB 1", "MOVE e5 2", "MOVE e5 2", "SELECT 2", "SET k2 x", "DEL e5", "SELECT 0",
	"TYPE nokey", "EXISTS nokey", "TTL nokey", "TOUCH e4", "SWAPDB 0 3", "SWAPDB 0 3",
	// lists
	"LPUSH l1 a b c", "RPUSH l1 d", "LPUSHX l1 e", "RPUSHX l9 e", "LPUSHX l9 e", "LPOP l1", "RPOP l1 2", "LPOP l1 0",
	"LSET l1 0 z", "LINSERT l1 BEFORE z y", "LINSERT l1 AFTER nope y", "LREM l1 0 nope", "LREM l1 1 y",
	"RPUSH l2 1 2 3 4 5", "LTRIM l2 1 3", "LTRIM l2 5 10", "LTRIM l9 0 1", "RPUSH l3 a b", "LMOVE l3 l4 LEFT RIGHT",
	"RPOPLPUSH l3 l4", "LMOVE l4 l4 LEFT LEFT", "RPUSH l5 x", "LMPOP 2 l9 l5 LEFT", "RPUSH l5 x y", "LMPOP 1 l5 RIGHT COUNT 5",
	"LMPOP 1 l9 LEFT", "RPUSH l6 a b", "BLPOP l6 0", "BRPOP l9 l6 0", "RPUSH l7 a", "BLMOVE l7 l8 RIGHT LEFT 0",
	"BRPOPLPUSH l8 l7 0", "BLMPOP 0 1 l7 LEFT COUNT 3", "LPOP l4 10", "LRANGE nokey 0 -1", "LINDEX nokey 0",
	// hashes
	"HSET h1 a 1 b 2", "HSET h1 a 1", "HMSET h1 c 3", "HSETNX h1 a 9", "HSETNX h1 d 4", "HSETNX h2 a 1", "HDEL h1 nope",
	"HDEL h1 a b", "HINCRBY h1 n 5", "HINCRBYFLOAT h1 f 2.5", "HDEL h2 a", "HDEL h1 c d n f", "HGET nokey a", "HGETALL nokey",
	// sets
	"SADD t1 a b c", "SADD t1 a", "SREM t1 nope", "SREM t1 a", "SADD t2 1 2 3", "SPOP t2 10", "SADD t3 x", "SPOP t3",
	"SPOP t9", "SPOP t1 0", "SADD t4 a b", "SADD t5 b c", "SMOVE t4 t5 a", "SMOVE t4 t5 b", "SMOVE t5 t5 c",
	"SMOVE t9 t5 c", "SADD t6 q", "SMOVE t6 t7 q", "SINTERSTORE t8 t5 t7", "SINTERSTORE t8 t5 nokey",
	"SINTERSTORE t8 t5 nokey", "SUNIONSTORE t8 t5 t7", "SDIFFSTORE t8 t5 t5", "SDIFFSTORE t8 t5 t7", "SMEMBERS nokey",
	// sorted sets
	"ZADD z1 1 a 2 b", "ZADD z1 1 a", "ZADD z1 CH 5 a", "ZADD z1 XX 1 c", "ZADD z1 NX 3 c", "ZADD z1 INCR 1 a",
	"ZINCRBY z1 2 b", "ZINCRBY z1 0 b", "ZADD z9 XX 1 a", "ZREM z1 nope", "ZREM z1 c", "ZADD z2 1 a 2 b 3 c 4 d",
	"ZREMRANGEBYRANK z2 0 0", "ZREMRANGEBYRANK z2 10 20", "ZREMRANGEBYSCORE z2 3 3", "ZREMRANGEBYLEX z2 - +",
	"ZADD z3 1 a 2 b 3 c", "ZPOPMIN z3", "ZPOPMAX z3 5", "ZPOPMIN z9", "ZADD z3 1 a", "ZPOPMIN z3 0", "ZMPOP 1 z3 MAX",
	"ZADD z4 1 a 2 b", "ZMPOP 2 z9 z4 MIN COUNT 1", "BZPOPMIN z4 0", "ZADD z4 1 a 2 b", "BZPOPMAX z4 0",
	"BZMPOP 0 1 z4 MIN COUNT 9", "ZADD z5 1 a 2 b", "ZADD z6 2 b 3 c", "ZUNIONSTORE z7 2 z5 z6", "ZINTERSTORE z7 2 z5 z6",
	"ZDIFFSTORE z7 2 z5 z6", "ZINTERSTORE z7 2 z5 nokey", "ZINTERSTORE z7 2 z5 nokey", "ZRANGESTORE z8 z5 0 -1",
	"ZRANGESTORE z8 z5 5 6", "ZRANGESTORE z8 z5 5 6", "ZSCORE nokey a", "ZRANGE nokey 0 -1",
	// bitmaps, HyperLogLog, SORT
	"SETBIT b1 7 1", "SETBIT b1 7 1", "SETBIT b1 7 0", "SETBIT b1 100 0", "BITOP OR b2 b1", "BITOP AND b2 nokey",
	"BITOP AND b2 nokey", "BITFIELD b3 SET u8 0 1", "BITFIELD b3 SET u8 0 1", "BITFIELD b3 GET u8 0",
	"BITFIELD b3 INCRBY u8 0 1 OVERFLOW FAIL INCRBY u8 8 300", "GETBIT nokey 0", "BITCOUNT nokey",
	"PFADD p1 a b", "PFADD p1 a", "PFADD p2", "PFADD p2", "PFMERGE p3 p1", "PFMERGE p3", "PFCOUNT p1 nokey",
	"RPUSH so 3 1 2", "SORT so STORE so2", "SORT nokey STORE so2", "SORT nokey STORE so2", "SORT so", "SET w_1 3", "HSET o_2 f x",
	"SORT so BY w_* GET o_*->f GET # GET o_*", "SORT so BY nosort GET w_*", "SORT_RO so BY w_*->f",
	// lazy expiry (active expiry is off). The expiries are a few ms, not 1:
	// Redis deletes at once (a "del" event) a key whose PEXPIRE time has
	// passed by the time it checks, which under load a 1 ms expiry may.
	"SET x1 v PX 5", "SET x2 v PX 5", "HSET x3 f v", "PEXPIRE x3 5", "DEBUG SLEEP 0.02", "GET x1", "EXISTS x2", "HSET x3 f v",
	"SET x4 v PX 5", "DEBUG SLEEP 0.02", "SET x4 w", "SET x5 v PX 5", "DEBUG SLEEP 0.02", "LPUSH x5 a",
	// DUMP and RESTORE (a small string's payload)
	"SET d1 hello", "RESTORE d2 0 \"\\x00\\x05hello\\n\\x00cr\\xdfve4 \\n\"", "RESTORE d2 0 \"\\x00\\x05hello\\n\\x00cr\\xdfve4 \\n\"", "RESTORE d2 0 \"\\x00\\x05hello\\n\\x00cr\\xdfve4 \\n\" REPLACE", "RESTORE d2 1 \"\\x00\\x05hello\\n\\x00cr\\xdfve4 \\n\" REPLACE ABSTTL",
	"RESTORE d3 100000 \"\\x00\\x05hello\\n\\x00cr\\xdfve4 \\n\"", "RESTORE d4 0 \"bad\"",
	// scripts
	"EVAL \"redis.call('SET', KEYS[1], 'v') redis.call('LPUSH', KEYS[2], 'a') return redis.call('GET', 'nokey')\" 2 sk sl",
	// transactions
	"MULTI", "SET tx1 a", "LPUSH tx2 b", "DEL tx1", "EXEC",
	// flushes emit nothing
	"FLUSHDB", "SET f1 v", "FLUSHALL",
}

// notifyEvents runs cmds on a fresh connection to addr (one at a time,
// with active expiry off) while another connection subscribed to
// __key*__:* listens, and returns the replies and every message the
// subscriber received, in order. events is the notify-keyspace-events
// value to use.
func notifyEvents(t *testing.T, addr, events string, cmds [][]string) (replies, msgs []string) {
	t.Helper()
	ctl := dialProto(t, addr, 2)
	if r := ctl.do("DEBUG", "SET-ACTIVE-EXPIRE", "0"); r != "+OK\r\n" {
		t.Fatalf("DEBUG SET-ACTIVE-EXPIRE on %s: %q", addr, r)
	}
	if r := ctl.do("CONFIG", "SET", "notify-keyspace-events", events); r != "+OK\r\n" {
		t.Fatalf("CONFIG SET notify-keyspace-events on %s: %q", addr, r)
	}
	defer func() {
		ctl.do("CONFIG", "SET", "notify-keyspace-events", "")
		ctl.do("DEBUG", "SET-ACTIVE-EXPIRE", "1")
	}()
	sub := dial(t, addr)
	sub.do("PSUBSCRIBE", "__key*__:*")
	w := dial(t, addr)
	for _, cmd := range cmds {
		if os.Getenv("KVD_NOTIFY_TRACE") != "" {
			t.Logf("%q", cmd)
		}
		replies = append(replies, w.do(cmd...))
	}
	// The end marker matches the pattern too.
	w.do("PUBLISH", "__keyend__:end", "end")
	for {
		m, err := sub.readErr(5 * time.Second)
		if err != nil {
			t.Fatalf("reading messages after %d (last %q): %v", len(msgs), msgs[max(len(msgs)-3, 0):], err)
		}
		if strings.Contains(m, "__keyend__:end") {
			break
		}
		msgs = append(msgs, m)
	}
	return replies, msgs
}

// diffNotify runs cmds on both servers under events and compares the
// replies and the message streams.
func diffNotify(t *testing.T, s servers, events string, cmds [][]string) {
	t.Helper()
	wantR, want := notifyEvents(t, s.redis, events, cmds)
	gotR, got := notifyEvents(t, s.kvd, events, cmds)
	for i := range cmds {
		mod := ""
		if strings.EqualFold(cmds[i][0], "SPOP") {
			mod = "sort" // a whole hashtable set, in the table's order
		}
		if !sameReply(t, mod, wantR[i], gotR[i]) {
			t.Errorf("reply to %q:\n redis: %q\n   kvd: %q", cmds[i], truncateStr(wantR[i], 200), truncateStr(gotR[i], 200))
		}
	}
	for i := 0; i < max(len(want), len(got)); i++ {
		var w, g string
		if i < len(want) {
			w = want[i]
		}
		if i < len(got) {
			g = got[i]
		}
		if w != g {
			t.Errorf("message %d differs (redis has %d, kvd %d):\n redis: %q\n   kvd: %q", i, len(want), len(got), w, g)
			for j := max(0, i-3); j < min(i+8, max(len(want), len(got))); j++ {
				var w, g string
				if j < len(want) {
					w = want[j]
				}
				if j < len(got) {
					g = got[j]
				}
				t.Logf("%d\n redis: %q\n   kvd: %q", j, w, g)
			}
			return
		}
	}
}

// splitSteps parses step strings into argument vectors.
func splitSteps(t *testing.T, steps []string) [][]string {
	var cmds [][]string
	for _, st := range steps {
		_, args := splitStep(t, st)
		cmds = append(cmds, args)
	}
	return cmds
}

// TestDiffNotifyEvents runs a workload over every command family with
// several notify-keyspace-events settings and compares the messages a
// __key*__:* subscriber receives.
func TestDiffNotifyEvents(t *testing.T) {
	s := privateServers(t, nil)
	cmds := splitSteps(t, notifyScript)
	for _, events := range []string{"KEA", "KA", "EA", "Kg", "E$lshzx", "KEAm", "KEAn", "KEAmn", "Ex", "Kl", "Ez"} {
		t.Run(events, func(t *testing.T) { diffNotify(t, s, events, cmds) })
	}
}

// TestDiffNotifyRandom replays a seeded random stream of commands of every
// family on a few keys (so that types clash and keys come and go) and
// compares the message streams. KVD_NOTIFY_SEED fixes the seed.
func TestDiffNotifyRandom(t *testing.T) {
	s := privateServers(t, nil)
	seed := testSeed(t, "KVD_NOTIFY_SEED")
	r := rand.New(rand.NewPCG(seed, 0x70717))
	diffNotify(t, s, "KEAmn", notifyRandomStream(r, 3000))
}

// notifyRandomStream makes n random commands whose results do not depend
// on chance (no SPOP or SRANDMEMBER of part of a set).
func notifyRandomStream(r *rand.Rand, n int) [][]string {
	key := func() string { return "k" + strconv.Itoa(r.IntN(6)) }
	el := func() string { return string(rune('a' + r.IntN(5))) }
	num := func() string { return strconv.Itoa(r.IntN(7) - 2) }
	gens := []func() []string{
		func() []string { return []string{"SET", key(), el()} },
		func() []string { return []string{"SET", key(), el(), "NX"} },
		func() []string { return []string{"SET", key(), el(), "XX", "PX", "100000"} },
		func() []string { return []string{"GET", key()} },
		func() []string { return []string{"GETDEL", key()} },
		func() []string { return []string{"GETEX", key(), "PERSIST"} },
		func() []string { return []string{"APPEND", key(), el()} },
		func() []string { return []string{"INCRBY", key(), num()} },
		func() []string { return []string{"INCRBYFLOAT", key(), num()} },
		func() []string { return []string{"SETRANGE", key(), num(), el()} },
		func() []string { return []string{"MSET", key(), el(), key(), el()} },
		func() []string { return []string{"MSETNX", key(), el(), key(), el()} },
		func() []string { return []string{"DEL", key(), key()} },
		func() []string { return []string{"EXPIRE", key(), []string{"-1", "0", "1000"}[r.IntN(3)]} },
		func() []string { return []string{"PERSIST", key()} },
		func() []string { return []string{"RENAME", key(), key()} },
		func() []string { return []string{"RENAMENX", key(), key()} },
		func() []string { return []string{"COPY", key(), key(), "REPLACE"} },
		func() []string { return []string{"LPUSH", key(), el(), el()} },
		func() []string { return []string{"RPUSHX", key(), el()} },
		func() []string { return []string{"LPOP", key()} },
		func() []string { return []string{"RPOP", key(), num()} },
		func() []string { return []string{"LREM", key(), num(), el()} },
		func() []string { return []string{"LTRIM", key(), num(), num()} },
		func() []string { return []string{"LSET", key(), num(), el()} },
		func() []string { return []string{"LINSERT", key(), "BEFORE", el(), el()} },
		func() []string { return []string{"LMOVE", key(), key(), "LEFT", "RIGHT"} },
		func() []string { return []string{"LMPOP", "2", key(), key(), "RIGHT", "COUNT", "2"} },
		func() []string { return []string{"BLPOP", key(), key(), "0.01"} },
		func() []string { return []string{"HSET", key(), el(), el()} },
		func() []string { return []string{"HSETNX", key(), el(), el()} },
		func() []string { return []string{"HDEL", key(), el(), el()} },
		func() []string { return []string{"HINCRBY", key(), el(), num()} },
		func() []string { return []string{"HGET", key(), el()} },
		func() []string { return []string{"SADD", key(), el(), el()} },
		func() []string { return []string{"SREM", key(), el(), el()} },
		func() []string { return []string{"SMOVE", key(), key(), el()} },
		func() []string { return []string{"SPOP", key(), "10"} },
		func() []string { return []string{"SINTERSTORE", key(), key(), key()} },
		func() []string { return []string{"SUNIONSTORE", key(), key(), key()} },
		func() []string { return []string{"SDIFFSTORE", key(), key(), key()} },
		func() []string { return []string{"ZADD", key(), num(), el()} },
		func() []string { return []string{"ZADD", key(), "GT", "CH", num(), el()} },
		func() []string { return []string{"ZINCRBY", key(), num(), el()} },
		func() []string { return []string{"ZREM", key(), el()} },
		func() []string { return []string{"ZPOPMIN", key(), num()} },
		func() []string { return []string{"ZPOPMAX", key()} },
		func() []string { return []string{"BZPOPMIN", key(), "0.01"} },
		func() []string { return []string{"ZMPOP", "1", key(), "MAX"} },
		func() []string { return []string{"ZREMRANGEBYSCORE", key(), num(), num()} },
		func() []string { return []string{"ZREMRANGEBYRANK", key(), num(), num()} },
		func() []string { return []string{"ZUNIONSTORE", key(), "2", key(), key()} },
		func() []string { return []string{"ZINTERSTORE", key(), "2", key(), key()} },
		func() []string { return []string{"ZRANGESTORE", key(), key(), "0", num()} },
		func() []string { return []string{"SETBIT", key(), strconv.Itoa(r.IntN(20)), strconv.Itoa(r.IntN(2))} },
		func() []string { return []string{"BITOP", "OR", key(), key(), key()} },
		func() []string { return []string{"BITFIELD", key(), "INCRBY", "u4", "0", num()} },
		func() []string { return []string{"PFADD", key(), el()} },
		func() []string { return []string{"PFMERGE", key(), key()} },
		func() []string { return []string{"SORT", key(), "ALPHA", "STORE", key()} },
	}
	cmds := make([][]string, n)
	for i := range cmds {
		cmds[i] = gens[r.IntN(len(gens))]()
	}
	return cmds
}

// TestDiffNotifyBlocked checks the events of blocked clients served by
// another client's push (pop, move, multi-pop, sorted-set pops), which
// Redis emits after the pushing command's own events.
func TestDiffNotifyBlocked(t *testing.T) {
	s := privateServers(t, nil)
	type round struct{ block, push []string }
	rounds := []round{
		{[]string{"BLPOP", "l1", "l2", "0"}, []string{"RPUSH", "l2", "a"}},
		{[]string{"BRPOP", "l1", "0"}, []string{"RPUSH", "l1", "a", "b"}},
		{[]string{"BLMOVE", "l3", "l4", "LEFT", "RIGHT", "0"}, []string{"LPUSH", "l3", "x"}},
		{[]string{"BRPOPLPUSH", "l5", "l4", "0"}, []string{"LPUSH", "l5", "x", "y"}},
		{[]string{"BLMPOP", "0", "2", "l6", "l7", "RIGHT", "COUNT", "5"}, []string{"RPUSH", "l7", "1", "2"}},
		{[]string{"BZPOPMIN", "z1", "0"}, []string{"ZADD", "z1", "1", "a"}},
		{[]string{"BZPOPMAX", "z2", "0"}, []string{"ZADD", "z2", "1", "a", "2", "b"}},
		{[]string{"BZMPOP", "0", "1", "z3", "MIN", "COUNT", "9"}, []string{"ZADD", "z3", "1", "a", "2", "b"}},
	}
	run := func(addr string) []string {
		ctl := dialProto(t, addr, 2)
		ctl.do("CONFIG", "SET", "notify-keyspace-events", "KEA")
		defer ctl.do("CONFIG", "SET", "notify-keyspace-events", "")
		sub := dial(t, addr)
		sub.do("PSUBSCRIBE", "__key*__:*")
		var out []string
		for _, r := range rounds {
			b, p := dial(t, addr), dial(t, addr)
			b.write(encode(r.block...))
			waitFor(t, 5*time.Second, "client blocked", func() bool {
				return strings.Contains(ctl.do("INFO", "clients"), "blocked_clients:1")
			})
			out = append(out, p.do(r.push...), b.read())
		}
		ctl.do("PUBLISH", "__keyend__:end", "end")
		for {
			m := sub.read()
			if strings.Contains(m, "__keyend__:end") {
				break
			}
			out = append(out, m)
		}
		return out
	}
	want, got := run(s.redis), run(s.kvd)
	if strings.Join(want, "\n") != strings.Join(got, "\n") {
		t.Errorf("replies and messages differ:\n redis: %q\n   kvd: %q", want, got)
	}
}

// TestDiffNotifyActiveExpiry lets the active expiry cycle delete keys in
// two databases and compares the expired events as a set (the cycle's
// order is the keyspace's, which differs).
func TestDiffNotifyActiveExpiry(t *testing.T) {
	s := privateServers(t, nil)
	run := func(addr string) []string {
		ctl := dialProto(t, addr, 2)
		ctl.do("CONFIG", "SET", "notify-keyspace-events", "KEx")
		defer ctl.do("CONFIG", "SET", "notify-keyspace-events", "")
		sub := dial(t, addr)
		sub.do("PSUBSCRIBE", "__key*__:*")
		for db := range 2 {
			ctl.do("SELECT", strconv.Itoa(db))
			for i := range 20 {
				ctl.do("SET", "k"+strconv.Itoa(i), "v", "PX", strconv.Itoa(20+i))
			}
		}
		var out []string
		for len(out) < 80 {
			m, err := sub.readErr(10 * time.Second)
			if err != nil {
				t.Fatalf("%s: %d messages: %v", addr, len(out), err)
			}
			out = append(out, m)
		}
		sort.Strings(out)
		return out
	}
	want, got := run(s.redis), run(s.kvd)
	if strings.Join(want, "\n") != strings.Join(got, "\n") {
		t.Errorf("expired events differ:\n redis: %q\n   kvd: %q", want, got)
	}
}

// TestDiffNotifyResp3Self runs the workload on a RESP3 client subscribed
// to every event: its push messages must come where Redis puts them
// relative to the reply of the command that caused them (before it for
// most commands, after it for some, such as LPUSH).
func TestDiffNotifyResp3Self(t *testing.T) {
	s := privateServers(t, nil)
	run := func(addr string) []string {
		c := dialProto(t, addr, 3)
		c.do("DEBUG", "SET-ACTIVE-EXPIRE", "0")
		c.do("CONFIG", "SET", "notify-keyspace-events", "KEA")
		defer func() {
			c.do("CONFIG", "SET", "notify-keyspace-events", "")
			c.do("DEBUG", "SET-ACTIVE-EXPIRE", "1")
		}()
		var out []string
		c.write(encode("PSUBSCRIBE", "__keyspace@*__:*"))
		for i, cmd := range splitSteps(t, notifyScript) {
			if cmd[0] == "SELECT" || cmd[0] == "MULTI" || cmd[0] == "EXEC" || strings.HasPrefix(cmd[0], "B") && cmd[0] != "BITOP" && cmd[0] != "BITFIELD" {
				continue // the marker PING would be queued, or the client would block
			}
			marker := "m" + strconv.Itoa(i)
			c.write(append(encode(cmd...), encode("PING", marker)...))
			group := strings.Join(cmd, " ") + ":"
			for {
				r := c.read()
				if r == "$"+strconv.Itoa(len(marker))+"\r\n"+marker+"\r\n" {
					break
				}
				group += " " + strconv.Quote(r)
			}
			out = append(out, group)
		}
		return out
	}
	want, got := run(s.redis), run(s.kvd)
	if len(want) != len(got) {
		t.Fatalf("%d commands on redis, %d on kvd", len(want), len(got))
	}
	for i := range want {
		if want[i] != got[i] {
			t.Errorf("\n redis: %s\n   kvd: %s", want[i], got[i])
		}
	}
}
