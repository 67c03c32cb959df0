package tests

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"testing"
)

// Streams with the generic key commands and keyspace notifications.

func TestDiffStreamKeys(t *testing.T) {
	diffCases(t, []dcase{
		{name: "generic", steps: join(xaddSteps("s", 1, 5), []step{
			"XGROUP CREATE s g 0", "XREADGROUP GROUP g c COUNT 2 STREAMS s >", "TYPE s", "OBJECT ENCODING s",
			"COPY s s2", "!type XINFO STREAM s2 FULL", "XINFO GROUPS s2", "XPENDING s2 g", "RENAME s2 s3", "XRANGE s3 - +", "MOVE s3 1", "SELECT 1",
			"XLEN s3", "SELECT 0", "!scanset SCAN 0 TYPE stream", "SORT s", "SORT s BY nosort", "DEL s", "EXISTS s",
			"XADD s 1-1 a b", "SET s x", "TYPE s", "DEBUG DIGEST-VALUE nokey",
		})},
		{name: "digest", steps: join(xaddSteps("s", 1, 5), []step{
			"DEBUG DIGEST-VALUE s", "DEBUG DIGEST", "!skip DEBUG OBJECT s", "XDEL s 2-1", "DEBUG DIGEST-VALUE s", "DEBUG DIGEST", "XADD e 1-1 a b", "XDEL e 1-1", "DEBUG DIGEST-VALUE e",
		})},
	})
}

var streamNotifyScript = []string{
	"XADD s 1-1 a 1", "XADD s MAXLEN 1 2-1 b 2", "XADD s NOMKSTREAM 3-1 c 3", "XADD q NOMKSTREAM 1-1 a 1",
	"XDEL s 3-1", "XDEL s 99-1", "XTRIM s MAXLEN 0", "XTRIM s MAXLEN 0", "XSETID s 10-1",
	"XGROUP CREATE s g $", "XGROUP CREATE m g $ MKSTREAM", "XGROUP CREATECONSUMER s g c",
	"XGROUP CREATECONSUMER s g c", "XADD s 11-1 a 1", "XREADGROUP GROUP g c2 STREAMS s >", "XGROUP SETID s g 0",
	"XCLAIM s g c3 0 11-1", "XAUTOCLAIM s g c4 0 0", "XGROUP DELCONSUMER s g c", "XGROUP DELCONSUMER s g c4",
	"XGROUP DESTROY s g", "XGROUP DESTROY s g", "XADD s MINID 20 30-1 a 1", "DEL s", "XADD s 1-1 a b", "EXPIRE s 100",
	"RENAME s t",
}

func TestDiffStreamNotify(t *testing.T) {
	needRedis(t)
	s := sharedServers()
	cmds := splitSteps(t, streamNotifyScript)
	for _, events := range []string{"KEA", "Et", "Kg"} {
		t.Run(events, func(t *testing.T) { diffNotify(t, s, events, cmds) })
	}
	t.Cleanup(func() {
		for _, addr := range []string{s.kvd, s.redis} {
			dial(t, addr).do("CONFIG", "SET", "notify-keyspace-events", "")
		}
	})
}

// TestDiffStreamRandom replays a seeded random workload of XADD, XTRIM,
// XDEL, XREADGROUP, XACK, XCLAIM, XAUTOCLAIM, XPENDING and XINFO on both
// servers and compares every reply. Idle times are kept out: every time
// option is explicit or the reply is compared by shape only.
func TestDiffStreamRandom(t *testing.T) {
	needRedis(t)
	seed := rand.Uint64()
	t.Logf("seed %d", seed)
	r := rand.New(rand.NewPCG(seed, 1))
	keys := []string{"s1", "s2"}
	groups := []string{"g1", "g2"}
	consumers := []string{"alice", "bob", "carol"}
	next := map[string]int{}
	id := func(k string) string { return strconv.Itoa(r.IntN(next[k]+3)) + "-" + strconv.Itoa(r.IntN(3)) }
	var steps []step
	for i := 0; i < 1500; i++ {
		k := keys[r.IntN(len(keys))]
		g := groups[r.IntN(len(groups))]
		c := consumers[r.IntN(len(consumers))]
		switch x := r.IntN(100); {
		case x < 30:
			next[k] += 1 + r.IntN(3)
			fields := ""
			for j := 0; j <= r.IntN(3); j++ {
				fields += fmt.Sprintf(" f%d v%d", r.IntN(4), r.IntN(1000))
			}
			trim := ""
			switch r.IntN(10) {
			case 0:
				trim = " MAXLEN " + strconv.Itoa(r.IntN(200))
			case 1:
				trim = " MAXLEN ~ " + strconv.Itoa(r.IntN(200))
			case 2:
				trim = " MINID " + id(k)
			}
			steps = append(steps, fmt.Sprintf("XADD %s%s %d-%d%s", k, trim, next[k], r.IntN(2), fields))
		case x < 33:
			steps = append(steps, fmt.Sprintf("XTRIM %s MAXLEN ~ %d LIMIT %d", k, r.IntN(300), 1+r.IntN(300)))
		case x < 36:
			steps = append(steps, fmt.Sprintf("XTRIM %s MINID %s", k, id(k)))
		case x < 42:
			steps = append(steps, fmt.Sprintf("XDEL %s %s %s", k, id(k), id(k)))
		case x < 45:
			steps = append(steps, fmt.Sprintf("XGROUP CREATE %s %s %s MKSTREAM", k, g, id(k)))
		case x < 46:
			steps = append(steps, fmt.Sprintf("XGROUP SETID %s %s %s", k, g, id(k)))
		case x < 58:
			steps = append(steps, fmt.Sprintf("XREADGROUP GROUP %s %s COUNT %d STREAMS %s >", g, c, 1+r.IntN(5), k))
		case x < 61:
			steps = append(steps, fmt.Sprintf("XREADGROUP GROUP %s %s COUNT %d STREAMS %s %s", g, c, r.IntN(4), k, id(k)))
		case x < 68:
			steps = append(steps, fmt.Sprintf("XACK %s %s %s %s", k, g, id(k), id(k)))
		case x < 72:
			steps = append(steps, fmt.Sprintf("XCLAIM %s %s %s 0 %s %s TIME %d RETRYCOUNT %d", k, g, c, id(k), id(k), 1700000000000+r.IntN(1000), r.IntN(5)))
		case x < 74:
			steps = append(steps, fmt.Sprintf("XCLAIM %s %s %s 0 %s FORCE JUSTID", k, g, c, id(k)))
		case x < 77:
			steps = append(steps, fmt.Sprintf("!type XAUTOCLAIM %s %s %s 0 %s COUNT %d", k, g, c, id(k), 1+r.IntN(4)))
			steps = append(steps, fmt.Sprintf("XPENDING %s %s", k, g))
		case x < 80:
			steps = append(steps, fmt.Sprintf("!type XPENDING %s %s - + %d", k, g, r.IntN(10)))
		case x < 84:
			steps = append(steps, fmt.Sprintf("XRANGE %s %s + COUNT %d", k, id(k), r.IntN(5)))
		case x < 86:
			steps = append(steps, fmt.Sprintf("XREVRANGE %s + %s COUNT %d", k, id(k), r.IntN(5)))
		case x < 89:
			steps = append(steps, "XINFO GROUPS "+k)
		case x < 92:
			steps = append(steps, "XINFO STREAM "+k)
		case x < 94:
			steps = append(steps, "XLEN "+k)
		case x < 95:
			steps = append(steps, fmt.Sprintf("XGROUP DELCONSUMER %s %s %s", k, g, c))
		case x < 96:
			steps = append(steps, fmt.Sprintf("XSETID %s %d-5", k, next[k]+1))
			next[k]++
		default:
			steps = append(steps, fmt.Sprintf("XREAD COUNT 3 STREAMS %s %s", k, id(k)))
		}
	}
	steps = append(steps, "XINFO GROUPS s1", "XINFO GROUPS s2", "XRANGE s1 - +", "XRANGE s2 - +")
	diffCasesOn(t, sharedServers(), []dcase{{name: "random", steps: steps, resp2Only: true}})
}
