package server

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestStreamPropagationReplay runs a seeded stream workload (XADD with "*"
// and "ms-*" IDs and approximate trimming, XREADGROUP, XCLAIM,
// XAUTOCLAIM, XACK, XDEL, XGROUP, XSETID) on kvd, replays the propagation
// stream into a real redis-server as an append-only file, and compares
// every stream as XINFO STREAM FULL shows it (consumers' seen-time and the
// radix tree's sizes aside, which the stream does not carry).
func TestStreamPropagationReplay(t *testing.T) {
	if _, err := redisServerPath(); err != nil {
		needRedisServer(t, err)
	}
	seed := rand.Uint64()
	t.Logf("seed %d", seed)
	r := rand.New(rand.NewPCG(seed, 2))
	s := testClient(t, nil).srv
	c := s.newFakeClient()
	feed := newPropFeed()
	s.addPropConsumer(feed.append)
	keys := []string{"s1", "s2"}
	for i := 0; i < 1500; i++ {
		k := keys[r.IntN(2)]
		g := []string{"g1", "g2"}[r.IntN(2)]
		cons := []string{"alice", "bob"}[r.IntN(2)]
		var cmd string
		switch x := r.IntN(20); {
		case x < 6:
			cmd = fmt.Sprintf("XADD %s * f %d", k, r.IntN(100))
		case x < 7:
			cmd = fmt.Sprintf("XADD %s MAXLEN ~ %d * f v", k, r.IntN(150))
		case x < 8:
			cmd = fmt.Sprintf("XADD %s %d-* a b", k, 1<<50+r.IntN(3))
		case x < 9:
			cmd = fmt.Sprintf("XGROUP CREATE %s %s 0 MKSTREAM", k, g)
		case x < 13:
			cmd = fmt.Sprintf("XREADGROUP GROUP %s %s COUNT %d STREAMS %s >", g, cons, 1+r.IntN(3), k)
		case x < 14:
			cmd = fmt.Sprintf("XREADGROUP GROUP %s %s NOACK COUNT 1 STREAMS %s >", g, cons, k)
		case x < 15:
			cmd = fmt.Sprintf("XAUTOCLAIM %s %s %s 0 0 COUNT 2", k, g, cons)
		case x < 16:
			if id := firstPending(t, c, k, g); id != "" {
				cmd = fmt.Sprintf("XCLAIM %s %s %s 0 %s", k, g, cons, id)
			}
		case x < 17:
			if id := firstPending(t, c, k, g); id != "" {
				cmd = fmt.Sprintf("XACK %s %s %s", k, g, id)
			}
		case x < 18:
			if id := firstPending(t, c, k, g); id != "" {
				cmd = fmt.Sprintf("XDEL %s %s", k, id)
			}
		case x < 19:
			cmd = fmt.Sprintf("XTRIM %s MAXLEN ~ %d", k, r.IntN(100))
		default:
			cmd = fmt.Sprintf("XGROUP SETID %s %s 0", k, g)
		}
		if cmd != "" {
			fakeRun(c, strings.Fields(cmd)...)
		}
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "appendonly.aof"), feed.buf, 0o644); err != nil {
		t.Fatal(err)
	}
	addr := startTestRedis(t, dir, "--appendonly", "yes")
	rc := dialRedis(t, addr)
	defer rc.close()
	mask := regexp.MustCompile(`((radix-tree-(keys|nodes)|seen-time)\r\n):\d+`)
	for _, k := range keys {
		want := mask.ReplaceAllString(fakeRun(c, "XINFO", "STREAM", k, "FULL", "COUNT", "0"), "$1:x")
		got := mask.ReplaceAllString(rc.do("XINFO", "STREAM", k, "FULL", "COUNT", "0"), "$1:x")
		if want != got {
			t.Errorf("%s after replay:\n   kvd: %q\n redis: %q", k, want, got)
		}
	}
}

// firstPending returns the first pending ID of group g of key k, or "".
func firstPending(t *testing.T, c *Client, k, g string) string {
	raw := fakeRun(c, "XPENDING", k, g)
	if raw[0] == '-' {
		return ""
	}
	v, ok := parseReply(t, raw).([]any)
	if !ok || len(v) < 2 {
		return ""
	}
	id, _ := v[1].(string)
	return id
}
