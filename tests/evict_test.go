package tests

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestEvictReplies compares what maxmemory changes in replies: -OOM for
// DENYOOM commands under noeviction (and in MULTI and scripts, as Redis),
// OBJECT FREQ and IDLETIME under LRU and LFU policies, and the maxmemory
// parameters themselves.
func TestEvictReplies(t *testing.T) {
	needRedis(t)
	s := privateServers(t, nil)
	reset := []step{"CONFIG SET maxmemory 0", "CONFIG SET maxmemory-policy noeviction", "FLUSHALL"}
	cases := []dcase{
		{name: "oom", steps: append([]step{
			"SET k v", "RPUSH l a b", "CONFIG SET maxmemory 1",
			"SET a b", "GET k", "APPEND k x", "RPUSH l c", "LPOP l", "DEL k", "EXISTS k", "PING",
			"INCR n", "SETRANGE k 0 x", "HSET h f v", "SADD s m", "ZADD z 1 m", "PFADD p x", "COPY l l2", "RENAME l l3",
			"EXPIRE l 100", "TTL l", "DBSIZE",
		}, reset...)},
		{name: "oom-multi", steps: append([]step{
			"CONFIG SET maxmemory 1",
			"MULTI", "GET k", "SET a b", "EXEC",
			"MULTI", "DISCARD",
		}, reset...)},
		{name: "oom-multi-queued-before", steps: append([]step{
			"MULTI", "SET a b", "CONFIG SET maxmemory 1", "EXEC", "GET a",
		}, reset...)},
		{name: "oom-scripts", steps: append([]step{
			"SET k v", "CONFIG SET maxmemory 1",
			"EVAL \"return redis.call('get','k')\" 0",
			"EVAL \"return redis.call('set','x','y')\" 0",
			"EVAL \"return redis.pcall('set','x','y')\" 0",
			"EVAL \"return redis.call('del','k')\" 0",
			"EVAL \"#!lua\nreturn 1\" 0",
			"EVAL \"#!lua flags=no-writes\nreturn 1\" 0",
			"EVAL \"#!lua flags=allow-oom\nreturn redis.call('set','x','y')\" 0",
			"EVAL_RO \"return redis.call('get','x')\" 0",
			"GET x",
		}, reset...)},
		{name: "object-freq", steps: append([]step{
			"SET k v", "OBJECT FREQ k", "!re:^:[0-9]+\r\n$ OBJECT IDLETIME k",
			"CONFIG SET maxmemory-policy allkeys-lfu",
			"SET k2 v", "OBJECT FREQ k2", "GET k2", "OBJECT FREQ k2", "OBJECT IDLETIME k2",
			"OBJECT FREQ nokey", "OBJECT IDLETIME nokey",
			"CONFIG SET maxmemory-policy volatile-lfu", "SET k3 v", "OBJECT FREQ k3",
			"CONFIG SET maxmemory-policy volatile-lru", "OBJECT FREQ k3",
		}, reset...)},
		{name: "config", steps: append([]step{
			"CONFIG SET maxmemory 100mb", "CONFIG GET maxmemory",
			"CONFIG SET maxmemory-policy allkeys-lru", "CONFIG GET maxmemory-policy",
			"CONFIG SET maxmemory-policy bogus", "CONFIG SET maxmemory-samples 0", "CONFIG SET maxmemory-samples 10",
			"CONFIG GET maxmemory-samples", "CONFIG SET maxmemory-eviction-tenacity 101", "CONFIG SET maxmemory-eviction-tenacity 100",
			"CONFIG SET lfu-log-factor -1", "CONFIG SET lfu-decay-time 2", "!pairs CONFIG GET lfu-*",
			"CONFIG SET maxmemory-samples 5", "CONFIG SET maxmemory-eviction-tenacity 10", "CONFIG SET lfu-log-factor 10", "CONFIG SET lfu-decay-time 1",
		}, reset...)},
	}
	diffCasesOn(t, s, cases)

	// INFO's maxmemory fields.
	onBoth(t, s, func(t *testing.T, addr string) {
		c := dial(t, addr)
		c.do("CONFIG", "SET", "maxmemory", "100mb")
		c.do("CONFIG", "SET", "maxmemory-policy", "allkeys-lfu")
		defer c.do("CONFIG", "SET", "maxmemory-policy", "noeviction")
		defer c.do("CONFIG", "SET", "maxmemory", "0")
		for field, want := range map[string]string{
			"maxmemory": "104857600", "maxmemory_human": "100.00M", "maxmemory_policy": "allkeys-lfu",
		} {
			if got := infoField(t, c, "memory", field); got != want {
				t.Errorf("INFO %s: %q, want %q", field, got, want)
			}
		}
		if got := infoField(t, c, "stats", "evicted_keys"); got != "0" {
			t.Errorf("evicted_keys %q", got)
		}
	})
}

// TestEvictEvicted checks that a policy evicts when memory runs over: the
// evicted notification, evicted_keys, and CONFIG SET maxmemory lower
// evicting at once; volatile policies leave keys without a TTL alone and
// then answer -OOM.
func TestEvictEvicted(t *testing.T) {
	needRedis(t)
	s := privateServers(t, nil)
	onBoth(t, s, func(t *testing.T, addr string) {
		c := dial(t, addr)
		c.do("FLUSHALL")
		c.do("CONFIG", "SET", "notify-keyspace-events", "Ee")
		defer c.do("CONFIG", "SET", "notify-keyspace-events", "")
		sub := dial(t, addr)
		if got := sub.do("PSUBSCRIBE", "__keyevent@*__:evicted"); !strings.Contains(got, "psubscribe") {
			t.Fatalf("PSUBSCRIBE: %q", got)
		}
		val := strings.Repeat("x", 1000)
		for i := range 2000 {
			c.do("SET", fmt.Sprintf("key:%d", i), val)
		}
		used, _ := strconv.ParseInt(infoField(t, c, "memory", "used_memory"), 10, 64)
		c.do("CONFIG", "SET", "maxmemory-policy", "allkeys-random")
		limit := used - 500_000
		if got := c.do("CONFIG", "SET", "maxmemory", strconv.FormatInt(limit, 10)); got != "+OK\r\n" {
			t.Fatalf("CONFIG SET maxmemory: %q", got)
		}
		defer c.do("CONFIG", "SET", "maxmemory", "0")
		defer c.do("CONFIG", "SET", "maxmemory-policy", "noeviction")
		// CONFIG SET starts evicting at once; an eviction that runs past
		// its time limit (maxmemory-eviction-tenacity) goes on with the
		// next commands and in cron, so poll (give or take the buffers of
		// the notifications the evictions sent).
		waitFor(t, 20*time.Second, "used_memory to fall under maxmemory", func() bool {
			now, _ := strconv.ParseInt(infoField(t, c, "memory", "used_memory"), 10, 64)
			return now <= limit+100_000
		})
		n, _ := strconv.Atoi(infoField(t, c, "stats", "evicted_keys"))
		if n < 100 || n > 1000 {
			t.Errorf("evicted_keys %d after freeing 500 KB of 1 KB values", n)
		}
		msg := sub.read()
		if !strings.Contains(msg, "__keyevent@0__:evicted") || !strings.Contains(msg, "key:") {
			t.Errorf("notification %q", msg)
		}
		// Volatile policies find nothing to evict: -OOM.
		c.do("CONFIG", "SET", "maxmemory-policy", "volatile-lru")
		c.do("CONFIG", "SET", "maxmemory", strconv.FormatInt(limit-300_000, 10))
		if got := c.do("SET", "new", "v"); !strings.HasPrefix(got, "-OOM") {
			t.Errorf("SET under volatile-lru with no volatile keys: %q", got)
		}
	})
}
