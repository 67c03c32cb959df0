package tests

import (
	"regexp"
	"strconv"
	"testing"
)

// changesRe finds rdb_changes_since_last_save in INFO persistence.
var changesRe = regexp.MustCompile(`rdb_changes_since_last_save:(\d+)`)

// changesSince returns the server's rdb_changes_since_last_save.
func changesSince(t *testing.T, c *conn) int {
	t.Helper()
	m := changesRe.FindStringSubmatch(c.do("INFO", "persistence"))
	if m == nil {
		t.Fatal("no rdb_changes_since_last_save in INFO persistence")
	}
	n, _ := strconv.Atoi(m[1])
	return n
}

// TestChangesCounted compares how many changes each write counts in
// rdb_changes_since_last_save (Redis's server.dirty, which also decides
// what is propagated): writes that change nothing count none, and SETBIT
// and BITFIELD count the bits and fields they really change.
func TestChangesCounted(t *testing.T) {
	needRedis(t)
	s := privateServers(t, nil)
	steps := [][]string{
		{"SET", "k", "v"},
		{"SET", "k", "w", "NX"},
		{"SET", "nokey", "w", "XX"},
		{"SET", "k", "v", "XX", "GET"},
		{"EXPIRE", "nokey", "100"},
		{"EXPIRE", "k", "100"},
		{"EXPIRE", "k", "10", "GT"},
		{"PERSIST", "k"},
		{"PERSIST", "k"},
		{"GETEX", "k"},
		{"GETEX", "nokey", "EX", "10"},
		{"GETEX", "k", "PX", "100000"},
		{"GETEX", "k", "PERSIST"},
		{"GETDEL", "nokey"},
		{"GETDEL", "k"},
		{"SPOP", "nokey"},
		{"SPOP", "nokey", "3"},
		{"SADD", "s", "a"},
		{"SPOP", "s"},
		{"SETBIT", "b", "0", "1"},
		{"SETBIT", "b", "0", "1"},
		{"SETBIT", "b", "0", "0"},
		{"SETBIT", "b", "100", "0"},
		{"SETBIT", "new", "0", "0"},
		{"SET", "i", "12"},
		{"SETBIT", "i", "0", "0"},
		{"BITFIELD", "i", "SET", "u8", "0", "49"},
		{"BITFIELD", "n", "SET", "u8", "0", "5"},
		{"BITFIELD", "n", "SET", "u8", "0", "5"},
		{"BITFIELD", "n", "SET", "u8", "100", "5"},
		{"BITFIELD", "n", "SET", "u8", "200", "0", "SET", "u8", "0", "6"},
		{"BITFIELD", "n", "SET", "u8", "0", "1", "SET", "u8", "0", "6"},
		{"BITFIELD", "n", "GET", "u8", "0", "SET", "u8", "0", "6", "INCRBY", "u8", "8", "0"},
		{"BITFIELD", "n", "OVERFLOW", "FAIL", "INCRBY", "u8", "300", "300"},
		{"BITFIELD", "n", "OVERFLOW", "FAIL", "INCRBY", "u8", "0", "300"},
		{"BITFIELD", "n", "OVERFLOW", "SAT", "INCRBY", "u8", "0", "300"},
		{"BITFIELD", "n", "OVERFLOW", "SAT", "INCRBY", "u8", "0", "300"},
	}
	rc, kc := dial(t, s.redis), dial(t, s.kvd)
	for _, st := range steps {
		r0, k0 := changesSince(t, rc), changesSince(t, kc)
		rr, kr := rc.do(st...), kc.do(st...)
		if rr != kr {
			t.Errorf("%q: redis %q, kvd %q", st, rr, kr)
		}
		if rd, kd := changesSince(t, rc)-r0, changesSince(t, kc)-k0; rd != kd {
			t.Errorf("%q: redis counts %d changes, kvd %d", st, rd, kd)
		}
	}
}

// TestErrorRepliesTrimmed checks that an argument quoted in an error reply
// has CR and LF trimmed at the message's ends and turned into spaces
// inside, as Redis's addReplyErrorFormat does.
func TestErrorRepliesTrimmed(t *testing.T) {
	diffCases(t, []dcase{
		{name: "expire option with CR", steps: []step{"SET k v", "EXPIRE k 10 \"ab\\r\"", "EXPIRE k 10 \"a\\r\\nb\"", "EXPIRE k 10 \"\\nab\\n\""}},
		{name: "unknown command with CRLF", steps: []step{"\"foo\\r\\n\" a", "\"f\\no\" \"x\\ry\""}},
		{name: "unknown subcommand with LF", steps: []step{"CONFIG \"get\\n\"", "OBJECT \"x\\r\""}},
	})
}
