package tests

import (
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
)

// INFO commandstats, errorstats and the error counters of INFO stats,
// compared with redis-server after the same commands: calls,
// rejected_calls and failed_calls per command, errorstat_<code> per error
// code and total_error_replies exactly; the times are masked.

var usecRE = regexp.MustCompile(`usec=[0-9]+,usec_per_call=[0-9.]+`)

// errorCounters returns the commandstats and errorstats lines of INFO and
// the error counters of INFO stats, sorted, the times masked.
func errorCounters(t *testing.T, c *conn) []string {
	t.Helper()
	info := c.do("INFO", "commandstats", "errorstats", "stats")
	var out []string
	for _, l := range strings.Split(info, "\r\n") {
		if strings.HasPrefix(l, "cmdstat_") || strings.HasPrefix(l, "errorstat_") ||
			strings.HasPrefix(l, "total_error_replies:") || strings.HasPrefix(l, "unexpected_error_replies:") ||
			strings.HasPrefix(l, "dump_payload_sanitizations:") {
			out = append(out, usecRE.ReplaceAllString(l, "usec=N"))
		}
	}
	sort.Strings(out)
	return out
}

func TestInfoErrorStats(t *testing.T) {
	s := privateServers(t, nil)
	cases := []struct {
		name  string
		steps []string
	}{
		{"rejected", []string{
			"GET", "SET k", "NOSUCHCMD a", "CONFIG NOSUCH", "CONFIG GET", "OBJECT", "CLIENT KILL",
			"MULTI", "MULTI", "WATCH x", "EXEC", "DISCARD", "SUBSCRIBE", "ZADD",
		}},
		{"failed", []string{
			"SET s v", "LPUSH s x", "INCR s", "HGET s f", "EXPIRE s abc", "SET s v EX -1", "GETRANGE s a b",
			"OBJECT ENCODING nokey", "OBJECT FREQ s", "EVALSHA 0000000000000000000000000000000000000000 0",
			"CONFIG SET maxclients abc", "CONFIG GET maxclients", "DEBUG NOSUCH", "ACL SETUSER x nosuchrule",
			"SELECT 99", "SPOP s", "BITFIELD s INCRBY i0 0 1", "SET x 1 NX XX", "SETRANGE s -1 x",
		}},
		{"multi", []string{
			"MULTI", "SET a 1", "LPUSH a x", "INCR a", "EXEC",
			"MULTI", "SET a", "GET a", "EXEC",
			"MULTI", "NOSUCH", "EXEC",
			"WATCH a", "SET a 2", "MULTI", "GET a", "EXEC",
			"MULTI", "DISCARD", "EXEC",
		}},
		{"scripts", []string{
			`EVAL "return redis.call('incr','k')" 0`, "SET k v",
			`EVAL "return redis.call('incr','k')" 0`,
			`EVAL "return redis.pcall('incr','k')" 0`,
			`EVAL "return redis.error_reply('MY error')" 0`,
			`EVAL "return {err='OTHER error'}" 0`,
			`EVAL "return redis.call('nosuch')" 0`,
			`EVAL "error('x')" 0`,
			`EVAL "syntax error here" 0`,
			`EVAL "return redis.call('get')" 0`,
			`EVAL "return redis.pcall('get')" 0`,
			`EVAL "return redis.pcall('nosuch')" 0`,
			`EVAL_RO "return redis.call('set','a','b')" 0`,
			"SCRIPT NOSUCH", "FUNCTION LOAD x", "FCALL nosuch 0",
		}},
		{"many codes", manyErrorCodes(140)},
		{"oom", []string{
			"CONFIG SET maxmemory-policy noeviction", "CONFIG SET maxmemory 1", "SET a b", "GET a", "LPUSH l x",
			"MULTI", "SET a b", "EXEC", `EVAL "return redis.call('set','a','b')" 0`, `EVAL "return 1" 0`,
			"CONFIG SET maxmemory 0",
		}},
		{"blocked", []string{
			"LPUSH l a", "BLPOP l 1", "SET s v", "BLPOP s 1", "BLPOP l abc", "BZPOPMIN s 1",
		}},
		{"auth and acl", []string{
			"AUTH nopass", "AUTH u p", "HELLO 3 AUTH u p", "HELLO 4",
			"ACL SETUSER limited on nopass -@all +get ~k*", "AUTH limited x", "GET k1", "SET k1 v", "GET other",
			"PING", "AUTH default x",
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var got [2][]string
			for i, addr := range []string{s.redis, s.kvd} {
				cn := dialProto(t, addr, 2)
				cn.do("CONFIG", "RESETSTAT")
				for _, st := range c.steps {
					_, args := splitStep(t, st)
					cn.do(args...)
				}
				got[i] = errorCounters(t, dial(t, addr))
				cn.nc.Close()
			}
			want, have := strings.Join(got[0], "\n"), strings.Join(got[1], "\n")
			if want != have {
				t.Errorf("after %q:\nredis:\n%s\nkvd:\n%s", c.steps, want, have)
			}
		})
	}
}

// manyErrorCodes returns scripts that reply n distinct error codes, more
// than the 128 that Redis 7.2 (not 7.0) stops at.
func manyErrorCodes(n int) []string {
	var steps []string
	for i := 0; i < n; i++ {
		steps = append(steps, `EVAL "return redis.error_reply('E`+strconv.Itoa(i)+` x')" 0`)
	}
	return append(steps, "GET")
}

// TestInfoBlockedStats compares the statistics of blocking commands with
// Redis 7.0's: a call counted when it blocks, its latency recorded when a
// push or CLIENT UNBLOCK answers it (CLIENT UNBLOCK counts it failed, even
// with a timeout's reply), nothing more when it times out.
func TestInfoBlockedStats(t *testing.T) {
	s := privateServers(t, nil)
	shape := func(t *testing.T, addr string) []string {
		c := dialProto(t, addr, 2)
		defer c.nc.Close()
		b := dial(t, addr)
		defer b.nc.Close()
		id := strings.TrimSpace(strings.TrimPrefix(b.do("CLIENT", "ID"), ":"))
		c.do("CONFIG", "RESETSTAT")
		var out []string
		snap := func() {
			out = append(out, strings.Join(errorCounters(t, c), "\n"),
				normHistogram(t, c.do("LATENCY", "HISTOGRAM", "blpop", "brpop")))
		}
		block := func(args ...string) {
			b.write(encode(args...))
			waitFor(t, 10*time.Second, args[0]+" to block", func() bool {
				return strings.Contains(c.do("INFO", "clients"), "blocked_clients:1\r\n")
			})
		}
		out = append(out, b.do("BLPOP", "nol", "0.05"))
		snap()
		block("BLPOP", "l", "0")
		snap()
		out = append(out, c.do("CLIENT", "UNBLOCK", id), b.read())
		snap()
		block("BRPOP", "l", "0")
		out = append(out, c.do("CLIENT", "UNBLOCK", id, "ERROR"), b.read())
		snap()
		block("BLPOP", "l", "0")
		out = append(out, c.do("LPUSH", "l", "x"), b.read())
		snap()
		return out
	}
	want, got := shape(t, s.redis), shape(t, s.kvd)
	for i := range want {
		// INFO and LATENCY HISTOGRAM ran a different number of times while polling.
		w := regexp.MustCompile(`cmdstat_(info|latency\|histogram|client\|id):[^\n]*\n?`).ReplaceAllString(want[i], "")
		g := regexp.MustCompile(`cmdstat_(info|latency\|histogram|client\|id):[^\n]*\n?`).ReplaceAllString(got[i], "")
		if w != g {
			t.Errorf("step %d:\nredis:\n%s\nkvd:\n%s", i, w, g)
		}
	}
}
