package tests

import (
	"strings"
	"testing"
	"time"
)

// The may_replicate flag, which Redis 7.0 hides from COMMAND INFO but acts
// on: CLIENT PAUSE WRITE holds back PUBLISH, SPUBLISH, PFCOUNT (and
// scripts), a read-only script may not call them, a monitor may not run
// them. Other commands that only read are not held.
func TestMayReplicateFlag(t *testing.T) {
	s := privateServers(t, nil)
	diffLatency(t, s, 2, []string{
		`EVAL_RO "return redis.call('publish','c','m')" 0`,
		`EVAL_RO "return redis.call('spublish','c','m')" 0`,
		`EVAL_RO "return redis.call('pfcount','h')" 0`,
		`EVAL_RO "return redis.call('get','h')" 0`,
		"!sort COMMAND INFO publish pfcount spublish eval evalsha fcall",
	})
	onBoth(t, s, func(t *testing.T, addr string) {
		admin := dial(t, addr)
		mustDo(t, admin, "+OK\r\n", "CLIENT", "PAUSE", "100000", "WRITE")
		var held []*conn
		for _, cmd := range [][]string{{"PUBLISH", "c", "m"}, {"SPUBLISH", "c", "m"}, {"PFCOUNT", "h"}} {
			w := dial(t, addr)
			w.write(encode(cmd...))
			n := len(held) + 1
			waitFor(t, 10*time.Second, cmd[0]+" to be held", func() bool { return len(blockedIDs(t, admin)) == n })
			held = append(held, w)
		}
		// Reads that may not replicate still run.
		mustDo(t, admin, ":0\r\n", "EXISTS", "h")
		mustDo(t, admin, "+OK\r\n", "CLIENT", "UNPAUSE")
		for i, want := range []string{":0\r\n", ":0\r\n", ":0\r\n"} {
			if got := held[i].read(); got != want {
				t.Errorf("held command %d answered %q, want %q", i, got, want)
			}
		}
		// A monitor may not publish.
		m := dial(t, addr)
		mustDo(t, m, "+OK\r\n", "MONITOR")
		m.write(encode("PUBLISH", "c", "m"))
		if got := m.read(); !strings.HasPrefix(got, "-ERR Replica can't interact with the keyspace") {
			t.Errorf("PUBLISH from a monitor: %q", got)
		}
	})
}
