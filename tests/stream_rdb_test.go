package tests

import (
	"path/filepath"
	"regexp"
	"strconv"
	"testing"
)

// Streams through DUMP/RESTORE, DEBUG RELOAD and RDB files, both ways
// between kvd and redis-server: the entries, counters, groups, pending
// entries (with their delivery times and counts) and consumers must come
// out the same.

// populateStreams builds streams with groups, pending entries, deleted
// entries, integer-looking fields and a large value through c.
func populateStreams(t testing.TB, c *conn) []string {
	t.Helper()
	var cmds [][]string
	for i := 1; i <= 350; i++ {
		f := []string{"XADD", "s:big", strconv.Itoa(i) + "-" + strconv.Itoa(i%3), "f", strconv.Itoa(i * 13), "name", "n" + strconv.Itoa(i)}
		if i%7 == 0 {
			f = append(f, "extra", "-12345678901")
		}
		cmds = append(cmds, f)
	}
	cmds = append(cmds,
		[]string{"XDEL", "s:big", "5-2", "100-1", "101-2", "350-2"},
		[]string{"XGROUP", "CREATE", "s:big", "g1", "0"},
		[]string{"XGROUP", "CREATE", "s:big", "g2", "200-0", "ENTRIESREAD", "150"},
		[]string{"XREADGROUP", "GROUP", "g1", "alice", "COUNT", "5", "STREAMS", "s:big", ">"},
		[]string{"XREADGROUP", "GROUP", "g1", "bob", "COUNT", "3", "STREAMS", "s:big", ">"},
		[]string{"XCLAIM", "s:big", "g1", "carol", "0", "2-2", "TIME", "1700000000000", "RETRYCOUNT", "9"},
		[]string{"XGROUP", "CREATECONSUMER", "s:big", "g2", "idle"},
		[]string{"XADD", "s:empty", "1-1", "a", "b"}, []string{"XDEL", "s:empty", "1-1"},
		[]string{"XGROUP", "CREATE", "s:mk", "g", "$", "MKSTREAM"},
		[]string{"XADD", "s:long", "5-5", "v", string(make([]byte, 3000))},
		[]string{"XADD", "s:ttl", "1-1", "a", "1"}, []string{"PEXPIRE", "s:ttl", "100000000"},
		[]string{"XSETID", "s:ttl", "9-9", "ENTRIESADDED", "40", "MAXDELETEDID", "3-3"},
	)
	seen := map[string]bool{}
	var keys []string
	for _, cmd := range cmds {
		if r := c.do(cmd...); r[0] == '-' {
			t.Fatalf("%q: %s", cmd, r)
		}
		k := cmd[1]
		switch cmd[0] {
		case "XGROUP":
			k = cmd[2]
		case "XREADGROUP":
			k = cmd[len(cmd)-2]
		}
		if !seen[k] {
			seen[k] = true
			keys = append(keys, k)
		}
	}
	return keys
}

var raxFields = regexp.MustCompile(`(radix-tree-(keys|nodes)\r\n):\d+`)

// streamState is everything a stream shows, but the layout of its nodes.
func streamState(t testing.TB, c *conn, key string) string {
	t.Helper()
	full := raxFields.ReplaceAllString(c.do("XINFO", "STREAM", key, "FULL", "COUNT", "0"), "$1:x")
	return full + c.do("XRANGE", key, "-", "+") + c.do("DEBUG", "DIGEST-VALUE", key) + c.do("PTTL", key)[:2]
}

func TestStreamDumpRestore(t *testing.T) {
	needRedis(t)
	s := sharedServers()
	kc, rc := dial(t, s.kvd), dial(t, s.redis)
	kc.do("FLUSHALL")
	rc.do("FLUSHALL")
	keys := populateStreams(t, rc)
	for _, k := range keys {
		want := streamState(t, rc, k)
		payload := rc.do("DUMP", k)
		if len(payload) < 6 {
			t.Fatalf("DUMP %s on redis: %q", k, payload)
		}
		v := bulkBody(payload)
		ttl := "0"
		if p := rc.do("PTTL", k); p[1] != '-' {
			ttl = p[1 : len(p)-2]
		}
		if r := kc.do("RESTORE", k, ttl, v); r != "+OK\r\n" {
			t.Fatalf("RESTORE %s on kvd: %q", k, r)
		}
		if got := streamState(t, kc, k); got != want {
			t.Errorf("%s from Redis:\n redis: %q\n   kvd: %q", k, want, got)
		}
		// And back: kvd's payload restored by Redis.
		kp := kc.do("DUMP", k)
		rc.do("DEL", k)
		if r := rc.do("RESTORE", k, ttl, bulkBody(kp)); r != "+OK\r\n" {
			t.Fatalf("RESTORE %s on redis: %q", k, r)
		}
		if got := streamState(t, rc, k); got != want {
			t.Errorf("%s back in Redis:\n before: %q\n  after: %q", k, want, got)
		}
	}
	// DEBUG RELOAD saves and loads an RDB of kvd's own.
	before := map[string]string{}
	for _, k := range keys {
		before[k] = streamState(t, kc, k)
	}
	if r := kc.do("DEBUG", "RELOAD"); r != "+OK\r\n" {
		t.Fatalf("DEBUG RELOAD: %q", r)
	}
	for _, k := range keys {
		if got := streamState(t, kc, k); got != before[k] {
			t.Errorf("%s after DEBUG RELOAD:\n before: %q\n  after: %q", k, before[k], got)
		}
	}
}

// bulkBody returns a raw bulk reply's payload.
func bulkBody(bulk string) string {
	for i := 0; i < len(bulk); i++ {
		if bulk[i] == '\n' {
			return bulk[i+1 : len(bulk)-2]
		}
	}
	return ""
}

func TestStreamRDBFiles(t *testing.T) {
	needRedis(t)
	dir := t.TempDir()
	kc := kvdInDir(t, dir, nil)
	keys := populateStreams(t, kc)
	want := map[string]string{}
	for _, k := range keys {
		want[k] = streamState(t, kc, k)
	}
	if r := kc.do("SAVE"); r != "+OK\r\n" {
		t.Fatalf("SAVE: %q", r)
	}
	checkRDB(t, filepath.Join(dir, "dump.rdb"))
	rc := redisInDir(t, dir)
	for _, k := range keys {
		if got := streamState(t, rc, k); got != want[k] {
			t.Errorf("%s loaded by Redis:\n   kvd: %q\n redis: %q", k, want[k], got)
		}
	}
	if r := rc.do("SAVE"); r != "+OK\r\n" {
		t.Fatalf("SAVE: %q", r)
	}
	kc2 := kvdInDir(t, dir, nil)
	for _, k := range keys {
		if got := streamState(t, kc2, k); got != want[k] {
			t.Errorf("%s loaded by kvd from Redis's file:\n want: %q\n  got: %q", k, want[k], got)
		}
	}
}
