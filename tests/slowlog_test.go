package tests

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The slow log: SLOWLOG GET/LEN/RESET/HELP and what call logs, compared
// with redis-server. Each scenario runs on both servers of one private
// pair; the log's timestamps, durations and client addresses differ by
// nature and are masked (a script's "?:0" is kept), ids are made relative
// to the oldest entry shown.

// slowlogShape runs steps on a fresh connection to addr and returns their
// replies followed by SLOWLOG GET -1's, normalised.
func slowlogShape(t *testing.T, addr string, proto int, steps []string) []string {
	t.Helper()
	c := dialProto(t, addr, proto)
	defer c.nc.Close()
	var out []string
	for _, st := range steps {
		_, args := splitStep(t, st)
		out = append(out, c.do(args...))
	}
	return append(out, normSlowlog(t, c.do("SLOWLOG", "GET", "-1")))
}

// normSlowlog masks the varying fields of a SLOWLOG GET reply.
func normSlowlog(t *testing.T, raw string) string {
	t.Helper()
	v, err := parseValue(raw)
	if err != nil {
		t.Fatalf("SLOWLOG GET reply %q: %v", raw, err)
	}
	var base int64
	if n := len(v.elems); n > 0 {
		base, _ = strconv.ParseInt(v.elems[n-1].elems[0].str, 10, 64)
	}
	for i := range v.elems {
		e := &v.elems[i]
		if len(e.elems) != 6 {
			t.Fatalf("entry %d has %d fields: %s", i, len(e.elems), e)
		}
		id, _ := strconv.ParseInt(e.elems[0].str, 10, 64)
		e.elems[0].str = strconv.FormatInt(id-base, 10)
		e.elems[1].str = "<time>"
		e.elems[2].str = "<duration>"
		if e.elems[4].str != "?:0" {
			e.elems[4].str = "<addr>"
		}
	}
	return v.String()
}

func diffSlowlog(t *testing.T, s servers, steps []string) {
	t.Helper()
	for _, proto := range []int{2, 3} {
		want := slowlogShape(t, s.redis, proto, steps)
		got := slowlogShape(t, s.kvd, proto, steps)
		for i := range want {
			what, mod := "SLOWLOG GET -1", ""
			if i < len(steps) {
				what = steps[i]
				mod, _ = splitStep(t, what)
			}
			if !sameReply(t, mod, want[i], got[i]) {
				t.Errorf("resp%d %q:\n redis: %q\n   kvd: %q", proto, truncateStr(what, 100), truncateStr(want[i], 2000), truncateStr(got[i], 2000))
			}
		}
	}
}

func TestSlowlog(t *testing.T) {
	s := privateServers(t, nil)
	many := "SADD set"
	for i := 3; i <= 40; i++ {
		many += " " + strconv.Itoa(i)
	}
	long := strings.Repeat("A", 129)
	cases := []struct {
		name  string
		steps []string
	}{
		{"entries", []string{
			"CONFIG SET slowlog-log-slower-than 0", "SLOWLOG RESET",
			"SET k v", "GET k", "SLOWLOG LEN",
			many, "SADD set2 foo " + long + " " + strings.Repeat("B", 128),
			"CLIENT SETNAME logname", "PING", "CLIENT SETNAME \"\"", "ECHO x",
			`EVAL "redis.call('set','a','b') return redis.call('get','a')" 0`,
			"SLOWLOG LEN",
		}},
		{"redacted", []string{
			"CONFIG SET slowlog-log-slower-than 0", "SLOWLOG RESET",
			"AUTH foo", "AUTH a b", "HELLO 2 AUTH a b", "!skip HELLO 2 AUTH default \"\"",
			"CONFIG SET requirepass \"\"", "CONFIG SET masteruser x masterauth y", "CONFIG SET maxclients 10000 masterauth \"\"",
			"CONFIG SET nosuchparam 1 masterauth y", "ACL SETUSER slowuser on >pw +get", "ACL DELUSER slowuser",
			"CONFIG SET masteruser \"\"", "CONFIG SET masterauth \"\"",
		}},
		{"multi", []string{
			"CONFIG SET slowlog-log-slower-than 0", "SLOWLOG RESET",
			"MULTI", "SET x 1", "INCR x", "LPUSH x y", "EXEC",
			"MULTI", "SET x 1", "NOSUCHCMD", "EXEC",
			"MULTI", "GET x", "DISCARD",
		}},
		{"rewritten", []string{
			"CONFIG SET slowlog-log-slower-than 0", "SADD set a b c d e", "SET A 5", "SET F 0", "SLOWLOG RESET",
			"!sort SPOP set 10", "GETSET a 5", "INCRBYFLOAT F 1.0", "EXPIRE A 100", "SETEX B 100 v", "GETEX A PERSIST",
			"LPUSH l x", "BLPOP l 0", "LPUSH l2 y", "LMOVE l2 l3 LEFT RIGHT", "SET C 1 EX 100", "RESTORE D 0 \"\\x00\\x01v\\n\\x00\\xb6\\x9a\\xc8\\x9f\\xf6\\x8e\\xe9\\xa6\"",
			`EVAL "redis.call('spop','set') return redis.call('incrbyfloat','F','2')" 0`,
		}},
		{"max-len", []string{
			"CONFIG SET slowlog-log-slower-than 0", "CONFIG SET slowlog-max-len 10", "SLOWLOG RESET",
			"PING 1", "PING 2", "PING 3", "PING 4", "PING 5", "PING 6", "PING 7", "PING 8", "PING 9", "PING 10",
			"PING 11", "PING 12", "SLOWLOG LEN", "!type SLOWLOG GET 5", "SLOWLOG GET 0", "!type SLOWLOG GET",
			"CONFIG SET slowlog-max-len 3", "SLOWLOG LEN", "PING 13", "SLOWLOG LEN",
			"CONFIG SET slowlog-max-len 128",
		}},
		{"threshold", []string{
			"CONFIG SET slowlog-log-slower-than 0", "SLOWLOG RESET",
			"CONFIG SET slowlog-log-slower-than 2000000",
			"PING", "DEBUG SLEEP 0", "GET nokey", "SLOWLOG LEN",
			"CONFIG SET slowlog-log-slower-than -1", "SLOWLOG RESET", "PING", "SLOWLOG LEN",
			"CONFIG SET slowlog-log-slower-than 0", "CONFIG SET slowlog-max-len 0", "PING", "SLOWLOG LEN",
			"CONFIG SET slowlog-max-len 128", "!pairs CONFIG GET slowlog-*",
		}},
		{"errors", []string{
			"CONFIG SET slowlog-log-slower-than 0", "SLOWLOG RESET",
			"SLOWLOG GET -2", "SLOWLOG GET x", "SLOWLOG GET 1 2", "SLOWLOG GET 9223372036854775808",
			"SLOWLOG LEN x", "SLOWLOG RESET x", "SLOWLOG FOO", "SLOWLOG", "SLOWLOG HELP",
			"CONFIG SET slowlog-log-slower-than -2", "CONFIG SET slowlog-max-len -1", "CONFIG SET slowlog-max-len x",
			"GET", "NOSUCH", "SET k v EX 0",
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { diffSlowlog(t, s, c.steps) })
	}
}

// TestSlowlogSleep checks the duration of a slow command against its threshold.
func TestSlowlogSleep(t *testing.T) {
	s := privateServers(t, nil)
	onBoth(t, s, func(t *testing.T, addr string) {
		c := dial(t, addr)
		c.do("CONFIG", "SET", "slowlog-log-slower-than", "100000")
		c.do("SLOWLOG", "RESET")
		c.do("CLIENT", "SETNAME", "sleeper")
		c.do("DEBUG", "SLEEP", "0.2")
		v, err := parseValue(c.do("SLOWLOG", "GET"))
		if err != nil || len(v.elems) != 1 {
			t.Fatalf("SLOWLOG GET: %v %v", v, err)
		}
		e := v.elems[0].elems
		if d, _ := strconv.Atoi(e[2].str); d < 200000 {
			t.Errorf("duration %d µs, want at least 200000", d)
		}
		if got := fmt.Sprint(e[3]); got != `*[$"DEBUG" $"SLEEP" $"0.2"]` {
			t.Errorf("args %s", got)
		}
		if e[5].str != "sleeper" {
			t.Errorf("name %q", e[5].str)
		}
		c.do("CONFIG", "SET", "slowlog-log-slower-than", "10000")
	})
}

// TestSlowlogBlocked checks how a blocking command is logged, as Redis
// 7.0 logs it: once, when it is answered by a push (with its arguments) or
// by CLIENT UNBLOCK (with none), not at all when it times out. The servers
// are polled with the slow log off, so that the polls are not logged.
func TestSlowlogBlocked(t *testing.T) {
	s := privateServers(t, nil)
	shape := func(t *testing.T, addr string) []string {
		c := dialProto(t, addr, 2)
		defer c.nc.Close()
		b := dial(t, addr)
		defer b.nc.Close()
		id := strings.TrimSpace(strings.TrimPrefix(b.do("CLIENT", "ID"), ":"))
		b.do("CLIENT", "SETNAME", "blocker")
		var out []string
		block := func(args ...string) {
			c.do("CONFIG", "SET", "slowlog-log-slower-than", "-1")
			b.write(encode(args...))
			waitFor(t, 10*time.Second, args[0]+" to block", func() bool {
				return strings.Contains(c.do("INFO", "clients"), "blocked_clients:1\r\n")
			})
			c.do("CONFIG", "SET", "slowlog-log-slower-than", "0")
			c.do("SLOWLOG", "RESET")
		}
		// Answered by a push.
		block("BLPOP", "l", "0")
		c.do("MULTI")
		c.do("LPUSH", "l", "foo")
		out = append(out, c.do("EXEC"), b.read(), normSlowlog(t, c.do("SLOWLOG", "GET", "-1")))
		// A stream reader answered by XADD (the replies carry IDs: not compared).
		block("XREAD", "BLOCK", "0", "STREAMS", "s", "$")
		c.do("XADD", "s", "*", "f", "v")
		b.read()
		out = append(out, normSlowlog(t, c.do("SLOWLOG", "GET", "-1")))
		// Answered by CLIENT UNBLOCK, with a timeout's reply and with an error.
		block("BRPOP", "l2", "100")
		out = append(out, c.do("CLIENT", "UNBLOCK", id), b.read())
		block("BZPOPMIN", "z", "100")
		out = append(out, c.do("CLIENT", "UNBLOCK", id, "ERROR"), b.read())
		// Timed out.
		out = append(out, b.do("BLMOVE", "l3", "l4", "LEFT", "RIGHT", "0.05"))
		log := normSlowlog(t, c.do("SLOWLOG", "GET", "-1"))
		out = append(out, strings.ReplaceAll(log, `$"`+id+`"`, `$"<id>"`))
		c.do("CONFIG", "SET", "slowlog-log-slower-than", "10000")
		return out
	}
	want, got := shape(t, s.redis), shape(t, s.kvd)
	for i := range want {
		if i >= len(got) || want[i] != got[i] {
			t.Errorf("reply %d:\n redis: %q\n   kvd: %q", i, want[i], got[i])
		}
	}
}
