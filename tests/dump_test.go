package tests

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"

	crc64pkg "github.com/kvdserver/kvd/internal/crc64"
)

// DUMP and RESTORE against redis-server 7.0.15: payloads of every
// encoding travel both ways, and errors are Redis's.

// populateEncodings writes keys of every type in every encoding Redis 7.0
// gives them (and the edge cases of their serialisation) through c.
func populateEncodings(t testing.TB, c *conn) []string {
	t.Helper()
	r := rand.New(rand.NewPCG(17, 17))
	rnd := func(n int) string {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(r.IntN(256))
		}
		return string(b)
	}
	long := strings.Repeat("compress me ", 40)
	cmds := [][]string{
		{"SET", "str", "hello"}, {"SET", "int:small", "7"}, {"SET", "int:neg", "-100"}, {"SET", "int:16", "30000"},
		{"SET", "int:32", "-2000000000"}, {"SET", "int:64", "12345678901234"}, {"SET", "int:lead0", "007"},
		{"SET", "empty", ""}, {"SET", "long", long}, {"SET", "random", rnd(500)}, {"SET", "str21", "abcdefghijklmnopqrstu"},
		{"APPEND", "appended", "abc"}, {"SETRANGE", "ranged", "3", "xyz"}, {"SETBIT", "bitmap", "1000", "1"},
		{"PFADD", "hll", "a", "b", "c"}, {"SET", "ttl:str", "v", "PX", "100000000"},
		{"RPUSH", "list:small", "a", "1", "-5000", "70000", "-9000000000", "", long},
	}
	for i := 0; i < 2000; i++ {
		cmds = append(cmds, []string{"RPUSH", "list:big", fmt.Sprintf("element-%d-%s", i, strings.Repeat("x", i%50))})
	}
	cmds = append(cmds, []string{"RPUSH", "list:huge-elem", "a", strings.Repeat("H", 20000), "b"})
	cmds = append(cmds, []string{"HSET", "hash:small", "f1", "v1", "n", "12", "neg", "-3", "e", ""})
	cmds = append(cmds, []string{"HSET", "hash:longval", "f", strings.Repeat("v", 100)})
	for i := 0; i < 600; i++ {
		cmds = append(cmds, []string{"HSET", "hash:big", fmt.Sprintf("field%d", i), strconv.Itoa(i * 7)})
	}
	cmds = append(cmds, []string{"SADD", "set:int16", "1", "-2", "300"}, []string{"SADD", "set:int32", "1", "100000"},
		[]string{"SADD", "set:int64", "5", "10000000000"}, []string{"SADD", "set:str", "a", "b", "c"})
	for i := 0; i < 600; i++ {
		cmds = append(cmds, []string{"SADD", "set:bigint", strconv.Itoa(i)})
	}
	cmds = append(cmds, []string{"SADD", "set:shrunk", "1", "100000"}, []string{"SREM", "set:shrunk", "100000"})
	cmds = append(cmds, []string{"ZADD", "zset:small", "1", "a", "2.5", "b", "-3", "c", "inf", "d", "-inf", "e", "0.1", "f", "1e300", "g", "123456789012", "h"})
	for i := 0; i < 200; i++ {
		cmds = append(cmds, []string{"ZADD", "zset:big", strconv.FormatFloat(float64(i)/3, 'g', -1, 64), fmt.Sprintf("member%d", i)})
	}
	cmds = append(cmds, []string{"ZADD", "zset:longmember", "1", strings.Repeat("m", 100)})
	cmds = append(cmds, []string{"HSET", "ttl:hash", "f", "v"}, []string{"PEXPIRE", "ttl:hash", "100000000"})
	var keys []string
	seen := map[string]bool{}
	for _, cmd := range cmds {
		if r := c.do(cmd...); strings.HasPrefix(r, "-") {
			t.Fatalf("%q: %s", cmd, r)
		}
		if !seen[cmd[1]] {
			seen[cmd[1]] = true
			keys = append(keys, cmd[1])
		}
	}
	return keys
}

// keyDump describes key's value on c independently of its encoding: type,
// contents (sorted where the type is unordered) and whether it expires.
func keyDump(t testing.TB, c *conn, key string) string {
	t.Helper()
	typ := c.do("TYPE", key)
	var v string
	switch typ {
	case "+string\r\n":
		v = c.do("GET", key)
	case "+list\r\n":
		v = c.do("LRANGE", key, "0", "-1")
	case "+hash\r\n":
		pv, _ := parseValue(c.do("HGETALL", key))
		v = pv.sortedPairs().String()
	case "+set\r\n":
		pv, _ := parseValue(c.do("SMEMBERS", key))
		v = pv.sorted().String()
	case "+zset\r\n":
		v = c.do("ZRANGE", key, "0", "-1", "WITHSCORES")
	}
	ttl := c.do("PTTL", key)
	if ttl != ":-1\r\n" && ttl != ":-2\r\n" {
		ttl = "expires"
	}
	return typ + v + ttl
}

// bulk returns the payload of a bulk reply.
func bulk(t testing.TB, raw string) string {
	t.Helper()
	v, err := parseValue(raw)
	if err != nil || v.kind != '$' {
		t.Fatalf("not a bulk reply: %q", truncateStr(raw, 100))
	}
	return v.str
}

func TestDumpRestoreBothWays(t *testing.T) {
	needRedis(t)
	s := sharedServers()
	rc, kc := dialProto(t, s.redis, 2), dialProto(t, s.kvd, 2)
	keys := populateEncodings(t, rc)
	populateEncodings(t, kc)
	for _, key := range keys {
		want := keyDump(t, rc, key)
		if got := keyDump(t, kc, key); got != want {
			t.Fatalf("%s differs before any DUMP:\n redis %s\n   kvd %s", key, truncateStr(want, 200), truncateStr(got, 200))
		}
		fromRedis := bulk(t, rc.do("DUMP", key))
		fromKvd := bulk(t, kc.do("DUMP", key))
		// DUMP is byte-identical wherever kvd holds the value as Redis
		// does; hashtables and skip lists iterate in another order.
		enc := rc.do("OBJECT", "ENCODING", key)
		if enc != "$9\r\nhashtable\r\n" && enc != "$8\r\nskiplist\r\n" && fromRedis != fromKvd {
			t.Errorf("%s (%s): DUMP differs:\n redis %q\n   kvd %q", key, strings.TrimSpace(enc), truncateStr(fromRedis, 200), truncateStr(fromKvd, 200))
		}
		for _, tc := range []struct {
			name    string
			payload string
		}{{"from-redis", fromRedis}, {"from-kvd", fromKvd}} {
			dst := key + ":" + tc.name
			for _, c := range []*conn{rc, kc} {
				if r := c.do("RESTORE", dst, "0", tc.payload); r != "+OK\r\n" {
					t.Fatalf("RESTORE %s: %s", dst, r)
				}
			}
			want := keyDump(t, rc, key)
			want = strings.TrimSuffix(strings.TrimSuffix(want, "expires"), ":-1\r\n")
			for name, c := range map[string]*conn{"redis": rc, "kvd": kc} {
				got := keyDump(t, c, dst)
				if got != want+":-1\r\n" {
					t.Errorf("%s restored on %s:\n got %s\nwant %s", dst, name, truncateStr(got, 200), truncateStr(want, 200))
				}
			}
			if re, ke := rc.do("OBJECT", "ENCODING", dst), kc.do("OBJECT", "ENCODING", dst); re != ke {
				t.Errorf("%s: encoding after RESTORE: redis %q, kvd %q", dst, re, ke)
			}
		}
	}
}

// hexArg writes b as a double-quoted inline argument of \x escapes.
func hexArg(b []byte) string {
	var sb strings.Builder
	sb.WriteByte('"')
	for _, c := range b {
		fmt.Fprintf(&sb, "\\x%02x", c)
	}
	sb.WriteByte('"')
	return sb.String()
}

// payload builds a DUMP payload: value bytes (type first), version, CRC.
func payload(value []byte, version uint16) []byte {
	p := append([]byte(nil), value...)
	p = append(p, byte(version), byte(version>>8))
	sum := crc64(p)
	for i := 0; i < 8; i++ {
		p = append(p, byte(sum>>(8*i)))
	}
	return p
}

func TestDiffRestoreErrors(t *testing.T) {
	good := hexArg(payload([]byte("\x00\x05hello"), 10))
	cases := []dcase{
		{name: "arguments", steps: []step{
			"SET k v", "RESTORE k 0 " + good, "RESTORE k 0 " + good + " REPLACE", "GET k",
			"RESTORE k2 -1 " + good, "RESTORE k2 abc " + good, "RESTORE k2 0 garbage", "RESTORE k2 0 " + good + " foo",
			"RESTORE k2 0 " + good + " IDLETIME -1", "RESTORE k2 0 " + good + " IDLETIME abc", "RESTORE k2 0 " + good + " IDLETIME",
			"RESTORE k2 0 " + good + " FREQ 256", "RESTORE k2 0 " + good + " FREQ -1", "RESTORE k2 0 " + good + " FREQ x",
			"RESTORE k2 0 " + good + " IDLETIME 10 FREQ 5", "RESTORE k2 0 " + good + " FREQ 5 IDLETIME 10",
			"RESTORE k2 0 " + good + " REPLACE ABSTTL REPLACE", "GET k2", "RESTORE k", "DUMP", "DUMP nosuch", "RESTORE k 0",
			"RESTORE k -1 " + good + " REPLACE", "SET k v", "RESTORE k -1 " + good,
		}},
		{name: "ttl", steps: []step{
			"RESTORE a 100000 " + good, "!approx TTL a", "RESTORE b 1 " + good + " ABSTTL", "EXISTS b",
			"SET c old", "RESTORE c 1 " + good + " ABSTTL REPLACE", "EXISTS c", "RESTORE d 99999999999999 " + good + " ABSTTL", "PEXPIRETIME d",
			"RESTORE e 0 " + good + " IDLETIME 1000", "!approx OBJECT IDLETIME e", "RESTORE f 0 " + good + " FREQ 10", "OBJECT FREQ f",
		}},
		{name: "bad payloads", steps: []step{
			// Like Redis, a value cut short takes its end from the footer.
			"RESTORE k1 0 " + hexArg(payload([]byte("\x00\x05hel"), 10)), "GET k1",
			"RESTORE k2 0 " + hexArg(payload([]byte("\x00\x05hello"), 11)),
			"RESTORE k3 0 " + hexArg(payload([]byte("\x00\x05hello"), 9)), "GET k3",
			"RESTORE k4 0 " + hexArg(payload([]byte("\x12\x00"), 10)),
			"RESTORE k5 0 " + hexArg(payload([]byte("\x0b\x0c\x02\x00\x00\x00\x01\x00\x00\x00\x05\x00\xff\xff"), 10)),
			"RESTORE k6 0 " + hexArg(payload([]byte("\x07\x81\x00\x00\x00\x00\x00\x00\x00\x01"), 10)),
			"RESTORE k7 0 " + hexArg(payload([]byte("\xf0\x00"), 10)),
			"RESTORE k8 0 " + hexArg(payload([]byte("\x02\x02\x01a\x01a"), 10)),
			"RESTORE k9 0 " + hexArg(payload([]byte("\x05\x01\x01a\x00\x00\x00\x00\x00\x00\xf8\x7f"), 10)),
			"RESTORE k10 0 " + hexArg(payload([]byte("\x05\x02\x01a\x00\x00\x00\x00\x00\x00\xf0\x3f\x01a\x00\x00\x00\x00\x00\x00\xf0\x3f"), 10)),
			// Not compared: an intset or a small hash holding an element twice,
			// which Redis (without sanitize-dump-payload) restores as a
			// corrupt value and kvd refuses with "Bad data format".
			"RESTORE k12 0 \"\"", "RESTORE k13 0 \"\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\"", "!sort KEYS *",
			"RESTORE k14 0 " + hexArg(payload([]byte("\x00\xc3\x05\x0a\x00abc"), 10)),
			"RESTORE k15 0 " + hexArg(payload([]byte("\x0e\x01\x05hello"), 10)),
			"RESTORE k16 0 " + hexArg(payload([]byte("\x10\x03abc"), 10)),
		}},
	}
	diffCases(t, cases)
}

// crc64 is Redis's CRC-64 of p.
func crc64(p []byte) uint64 { return crc64pkg.Checksum(p) }

// TestDumpLZFIdentical: long strings of every kind of redundancy DUMP to
// the same bytes on both servers, so kvd's LZF compressor makes exactly
// liblzf's choices (match lengths at the end of the input, literal runs,
// offsets up to 8 KB, incompressible input left raw).
func TestDumpLZFIdentical(t *testing.T) {
	needRedis(t)
	s := sharedServers()
	rc, kc := dialProto(t, s.redis, 2), dialProto(t, s.kvd, 2)
	r := rand.New(rand.NewPCG(5, 8))
	for i := 0; i < 400; i++ {
		n := 21 + r.IntN(3000)
		if i%4 == 0 {
			n = 21 + r.IntN(40)
		}
		alphabet := 1 + r.IntN(255)
		b := make([]byte, n)
		for j := range b {
			b[j] = byte(r.IntN(alphabet))
		}
		if i%3 == 0 { // long repeats at random distances
			for k := 0; k < 5; k++ {
				from, to := r.IntN(n), r.IntN(n)
				l := min(r.IntN(400), n-from, n-to)
				copy(b[to:to+l], b[from:from+l])
			}
		}
		key := fmt.Sprintf("s%d", i)
		rc.do("SET", key, string(b))
		kc.do("SET", key, string(b))
		if rd, kd := rc.do("DUMP", key), kc.do("DUMP", key); rd != kd {
			t.Fatalf("string %d (%d bytes, alphabet %d): DUMP differs:\n redis %q\n   kvd %q", i, n, alphabet, truncateStr(rd, 120), truncateStr(kd, 120))
		}
	}
}
