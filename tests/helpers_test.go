package tests

import (
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kvdserver/kvd/server"
)

// Helpers shared by the command families' tests.

// ---- pipelines ----

// pipeline sends every command in one write, from another goroutine so
// that neither side waits on the other however large the batch, and
// returns the raw replies in order.
func (c *conn) pipeline(cmds [][]string) []string {
	c.t.Helper()
	var buf []byte
	for _, cmd := range cmds {
		buf = append(buf, encode(cmd...)...)
	}
	done := make(chan error, 1)
	go func() {
		c.nc.SetWriteDeadline(time.Now().Add(60 * time.Second))
		_, err := c.nc.Write(buf)
		done <- err
	}()
	replies := make([]string, len(cmds))
	for i := range cmds {
		c.nc.SetReadDeadline(time.Now().Add(60 * time.Second))
		b, err := readReply(c.r)
		if err != nil {
			c.t.Fatalf("reading reply %d of %d: %v", i, len(cmds), err)
		}
		replies[i] = string(b)
	}
	if err := <-done; err != nil {
		c.t.Fatalf("pipelined write: %v", err)
	}
	return replies
}

// batchCmds spreads args over commands cmd... args[i:i+per]... (the last
// one may take fewer), as in "SADD key m1 m2 ...".
func batchCmds(args []string, per int, cmd ...string) [][]string {
	var cmds [][]string
	for i := 0; i < len(args); i += per {
		cmds = append(cmds, append(slices.Clone(cmd), args[i:min(i+per, len(args))]...))
	}
	return cmds
}

// mustLoad pipelines cmds, which add data, and fails the test unless each
// replies an integer.
func (c *conn) mustLoad(cmds [][]string) {
	c.t.Helper()
	for i, r := range c.pipeline(cmds) {
		if !strings.HasPrefix(r, ":") {
			c.t.Fatalf("%s batch %d: %q", cmds[i][0], i, r)
		}
	}
}

// ---- building commands ----

// words returns prefix<from>, prefix<from+1>, ..., prefix<to-1>.
func words(prefix string, from, to int) []string {
	out := make([]string, 0, max(to-from, 0))
	for i := from; i < to; i++ {
		out = append(out, prefix+strconv.Itoa(i))
	}
	return out
}

// wordList is words joined by spaces, to write into a step.
func wordList(prefix string, from, to int) string {
	return strings.Join(words(prefix, from, to), " ")
}

// ---- seeded random streams ----

// testSeed returns the seed of a random command stream: the environment
// variable name's value if it is set, else a new seed. It logs the seed,
// so that a failing stream can be replayed.
func testSeed(t testing.TB, name string) uint64 {
	t.Helper()
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv(name); s != "" {
		v, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		seed = v
	}
	t.Logf("seed %d (%s=%d replays it)", seed, name, seed)
	return seed
}

// ---- whole *SCAN iterations ----

// scanEach runs a whole *SCAN iteration, sending cmd (SCAN, or HSCAN,
// SSCAN or ZSCAN and the key), the cursor and opts, and calling fn with
// each reply's elements. It returns the number of calls.
func scanEach(t testing.TB, c *conn, cmd, opts []string, fn func(elems []value)) int {
	t.Helper()
	cursor := "0"
	for calls := 1; ; calls++ {
		args := append(append(slices.Clone(cmd), cursor), opts...)
		raw := c.do(args...)
		v, err := parseValue(raw)
		if err != nil || len(v.elems) != 2 {
			t.Fatalf("%q: bad reply %q", args, truncateStr(raw, 300))
		}
		fn(v.elems[1].elems)
		if cursor = v.elems[0].str; cursor == "0" {
			return calls
		}
		if calls == 1_000_000 {
			t.Fatalf("%q does not end", args)
		}
	}
}

// checkScannedOnce checks what a *SCAN iteration under changes must give,
// from how many times it returned each element: stable:0 to
// stable:<stable-1>, present throughout, once each, and no element twice.
func checkScannedOnce(t *testing.T, seen map[string]int, stable int) {
	t.Helper()
	for i := 0; i < stable; i++ {
		if k := "stable:" + strconv.Itoa(i); seen[k] != 1 {
			t.Errorf("%s returned %d times", k, seen[k])
		}
	}
	for k, n := range seen {
		if n != 1 {
			t.Errorf("%s returned %d times", k, n)
		}
	}
}

// checkOutputLimitCloses runs setup (which adds one element), then cmd,
// whose reply would be huge, on private servers with a 1 MB output buffer
// limit, and requires each to close the connection once over the limit
// rather than build the whole reply.
func checkOutputLimitCloses(t *testing.T, setup, cmd []string) {
	t.Helper()
	s := privateServers(t, func(c *server.Config) { c.OutputLimit = server.OutputLimit{Hard: 1 << 20} },
		"--client-output-buffer-limit", "normal 1mb 0 0")
	onBoth(t, s, func(t *testing.T, addr string) {
		c := dial(t, addr)
		mustDo(t, c, ":1\r\n", setup...)
		c.write(encode(cmd...))
		var err error
		for i := 0; i < 1_000_000 && err == nil; i++ {
			_, err = c.readErr(10 * time.Second)
		}
		if err == nil || isTimeout(err) {
			t.Fatalf("the connection was not closed: %v", err)
		}
	})
}

// ---- keyspace statistics ----

// compareKeyspaceStats runs cmds on fresh private servers after CONFIG
// RESETSTAT, then compares INFO's keyspace_hits, keyspace_misses and
// total_error_replies, and the calls, rejected_calls and failed_calls of
// every commandstats entry Redis reports whose name mine accepts. It
// returns how many entries it compared.
func compareKeyspaceStats(t *testing.T, cmds [][]string, mine func(cmdstat string) bool) int {
	t.Helper()
	s := privateServers(t, nil)
	results := map[string]map[string][][2]string{}
	for _, addr := range []string{s.redis, s.kvd} {
		c := dial(t, addr)
		c.do("CONFIG", "RESETSTAT")
		for _, cmd := range cmds {
			c.do(cmd...)
		}
		results[addr] = parseInfo(t, c.do("INFO", "stats", "commandstats"))
	}
	want, got := results[s.redis], results[s.kvd]
	if v, _ := infoValue(want["stats"], "keyspace_misses"); v == "" || v == "0" {
		t.Fatalf("Redis reports keyspace_misses %q: the scenario checks nothing", v)
	}
	for _, f := range []string{"keyspace_hits", "keyspace_misses", "total_error_replies"} {
		w, _ := infoValue(want["stats"], f)
		g, _ := infoValue(got["stats"], f)
		if w != g {
			t.Errorf("%s: redis %s, kvd %s", f, w, g)
		}
	}
	calls := regexp.MustCompile(`^calls=(\d+),usec=\d+,usec_per_call=[\d.]+,rejected_calls=(\d+),failed_calls=(\d+)$`)
	n := 0
	for _, f := range want["commandstats"] {
		if !mine(f[0]) {
			continue
		}
		n++
		g, _ := infoValue(got["commandstats"], f[0])
		wm, gm := calls.FindStringSubmatch(f[1]), calls.FindStringSubmatch(g)
		if wm == nil || gm == nil || wm[1] != gm[1] || wm[2] != gm[2] || wm[3] != gm[3] {
			t.Errorf("%s: redis %q, kvd %q", f[0], f[1], g)
		}
	}
	return n
}
