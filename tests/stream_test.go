package tests

import (
	"strconv"
	"strings"
	"testing"
)

// Differential tests of the stream commands. IDs are explicit wherever a
// reply shows them ("*" takes the clock's time, which differs between the
// servers), and idle times are compared with !approx or left out.

// xaddSteps builds n XADD steps on key with IDs from..from+n-1 ("<i>-1").
func xaddSteps(key string, from, n int) []step {
	var out []step
	for i := from; i < from+n; i++ {
		out = append(out, "XADD "+key+" "+strconv.Itoa(i)+"-1 f "+strconv.Itoa(i)+" g v")
	}
	return out
}

func join(parts ...[]step) []step {
	var out []step
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

func TestDiffStreamAdd(t *testing.T) {
	diffCases(t, []dcase{
		{name: "xadd basic", steps: []step{
			"XADD s 1-1 a 1", "XADD s 1-2 b 2 c 3", "XADD s 1-2 a 1", "XADD s 1-1 a 1", "XADD s 0-5 a 1",
			"XADD s 2 a 1", "XADD s 2-* a 1", "XADD s 2-* a 1", "XADD s 1-* a 1", "XADD s 5-* a 1",
			"XLEN s", "TYPE s", "OBJECT ENCODING s", "XRANGE s - +", "XREVRANGE s + -",
		}},
		{name: "xadd errors", steps: []step{
			"XADD s 0 a b", "XADD s 0-0 a b", "XADD s 0-* a b", "XADD s 1-1 a", "XADD s 1-1 a b c", "XADD s 1-1",
			"XADD s", "XADD s abc a b", "XADD s 1-x a b", "XADD s -1 a b", "XADD s + a b", "XADD s - a b",
			"XADD s ' +5-1' a b", "XADD s 18446744073709551615-18446744073709551615 a b",
			"XADD s 18446744073709551615-18446744073709551615 a b", "XADD s * a b", "XADD s 18446744073709551615-* a b",
			"XADD s 18446744073709551616-1 a b", "XLEN s", "XADD q NOMKSTREAM 1-1 a b", "EXISTS q",
			"XADD q nomkstream * a b", "SET str x", "XADD str 1-1 a b", "XADD str NOMKSTREAM 1-1 a b",
			"XADD s maxlen", "XADD s maxlen 1", "XADD s maxlen -1 * a b", "XADD s maxlen x * a b",
			"XADD s maxlen 1 minid 2 * a b", "XADD s limit 2 9-1 a b", "XADD s limit 0 9-1 a b",
			"XADD s maxlen 1 limit 2 9-1 a b", "XADD s maxlen ~ 1 limit -1 9-1 a b", "XADD s minid abc 9-1 a b",
			"XADD s minid + 9-1 a b", "XADD s bogus 9-1 a b",
		}},
		{name: "xadd maxlen exact", steps: join(xaddSteps("s", 1, 10), []step{
			"XADD s MAXLEN 5 11-1 a b", "XLEN s", "XRANGE s - +", "XADD s MAXLEN = 3 12-1 a b", "XRANGE s - +",
			"XADD s maxlen 0 13-1 a b", "XLEN s", "EXISTS s", "XINFO STREAM s",
		})},
		{name: "xadd minid", steps: join(xaddSteps("s", 1, 10), []step{
			"XADD s MINID 5 11-1 a b", "XRANGE s - 6", "XADD s MINID = 7-1 12-1 a b", "XLEN s",
			"XADD s MINID 100 13-1 a b", "XRANGE s - +", "XINFO STREAM s",
		})},
		{name: "xadd approx", steps: join(xaddSteps("s", 1, 250), []step{
			"XADD s MAXLEN ~ 120 1000-1 a b", "XLEN s", "XADD s MAXLEN ~ 10 LIMIT 50 1001-1 a b", "XLEN s",
			"XADD s MAXLEN ~ 10 LIMIT 200 1002-1 a b", "XLEN s", "XRANGE s - + COUNT 3",
			"XADD s MINID ~ 240 1003-1 a b", "XLEN s", "XINFO STREAM s",
		})},
		{name: "xadd field values", steps: []step{
			"XADD s 1-1 '' ''", "XADD s 2-1 a " + strings.Repeat("x", 5000), "XADD s 3-1 a 1 a 2",
			"XRANGE s - +", "XINFO STREAM s",
		}},
	})
}

func TestDiffStreamRange(t *testing.T) {
	diffCases(t, []dcase{
		{name: "xrange", steps: join(xaddSteps("s", 1, 20), []step{
			"XRANGE s - +", "XRANGE s 5 7", "XRANGE s 5-1 7-1", "XRANGE s (5-1 (7-1", "XRANGE s (5 7",
			"XRANGE s - + COUNT 3", "XRANGE s - + COUNT 0", "XRANGE s - + COUNT -1", "XRANGE s - + count 2 count 1",
			"XRANGE s - + COUNT", "XRANGE s - + COUNT x", "XRANGE s - + FOO 1", "XRANGE s 7 5", "XRANGE s ( +",
			"XRANGE s (- +", "XRANGE s - (+", "XRANGE s (0-0 +", "XRANGE s - (0-0",
			"XRANGE s (18446744073709551615-18446744073709551615 +", "XRANGE s 10-2 10-2", "XRANGE s 10 10",
			"XRANGE nokey - +", "XRANGE nokey - + COUNT 0", "XRANGE s abc +", "XRANGE s - 1-x",
		})},
		{name: "xrevrange", steps: join(xaddSteps("s", 1, 20), []step{
			"XREVRANGE s + -", "XREVRANGE s 7 5", "XREVRANGE s (7-1 (5-1", "XREVRANGE s + - COUNT 3",
			"XREVRANGE s + - COUNT 0", "XREVRANGE s 5 7", "XREVRANGE nokey + -", "XREVRANGE s + (20-1",
		})},
		{name: "big stream", steps: join(xaddSteps("s", 1, 450), []step{
			"XRANGE s 95 105", "XREVRANGE s 305 295", "XRANGE s (199-1 + COUNT 3", "XREVRANGE s (301-1 - COUNT 3",
			"XLEN s", "XINFO STREAM s",
		})},
		{name: "wrongtype", steps: []step{
			"SET k v", "XRANGE k - +", "XREVRANGE k + -", "XLEN k", "XDEL k 1-1", "XTRIM k MAXLEN 1",
			"XSETID k 1-1", "XINFO STREAM k",
		}},
	})
}

func TestDiffStreamDelTrim(t *testing.T) {
	diffCases(t, []dcase{
		{name: "xdel", steps: join(xaddSteps("s", 1, 10), []step{
			"XDEL s 3-1", "XDEL s 3-1 4-1 5-1", "XDEL s 99-1", "XDEL s abc", "XDEL s 1-1 abc", "XLEN s",
			"XRANGE s - +", "XDEL s 1-1", "XINFO STREAM s", "XDEL s 10-1", "XINFO STREAM s",
			"XDEL s 2-1 6-1 7-1 8-1 9-1", "XLEN s", "XINFO STREAM s", "EXISTS s", "XDEL nokey 1-1", "XDEL s 1",
		})},
		{name: "xdel whole blocks", steps: join(xaddSteps("s", 1, 250), []step{
			"XDEL s 1-1 2-1 3-1", "XINFO STREAM s", "XTRIM s MAXLEN ~ 100", "XLEN s", "XINFO STREAM s",
			"XADD s 300-1 a b", "XINFO STREAM s",
		})},
		{name: "xtrim", steps: join(xaddSteps("s", 1, 250), []step{
			"XTRIM s", "XTRIM s MAXLEN", "XTRIM s LIMIT 1", "XTRIM s MAXLEN 1 LIMIT 1", "XTRIM s FOO",
			"XTRIM s MAXLEN ~ 230", "XTRIM s MAXLEN = 240", "XLEN s", "XTRIM s MINID 10", "XLEN s",
			"XTRIM s MINID ~ 150", "XLEN s", "XTRIM s MAXLEN ~ 0 LIMIT 10", "XLEN s", "XTRIM s MAXLEN ~ 0 LIMIT 0",
			"XLEN s", "XTRIM nokey MAXLEN 0", "XTRIM s MAXLEN 0", "XINFO STREAM s", "XTRIM s MINID -1",
		})},
		{name: "xsetid", steps: join(xaddSteps("s", 1, 5), []step{
			"XSETID s 3-1", "XSETID s 5-1", "XSETID s 10-1", "XINFO STREAM s", "XADD s 9-1 a b",
			"XSETID s 20-1 ENTRIESADDED 2", "XSETID s 20-1 ENTRIESADDED -1", "XSETID s 20-1 ENTRIESADDED 100",
			"XSETID s 20-1 MAXDELETEDID 30-1", "XSETID s 20-1 MAXDELETEDID 15-1", "XINFO STREAM s",
			"XSETID s 19-1", "XSETID s 25-1 FOO", "XSETID s 25-1 ENTRIESADDED", "XSETID nokey 1-1",
			"XSETID s +", "XSETID s abc", "XDEL s 1-1 2-1 3-1 4-1 5-1", "XSETID s 1-1", "XSETID s 1-1 MAXDELETEDID 0-1",
		})},
	})
}

func TestDiffStreamGroups(t *testing.T) {
	diffCases(t, []dcase{
		{name: "xgroup", steps: join(xaddSteps("s", 1, 5), []step{
			"XGROUP CREATE s g $", "XGROUP CREATE s g 0", "XGROUP CREATE s g2 0 ENTRIESREAD 2",
			"XGROUP CREATE s g3 0 ENTRIESREAD -2", "XGROUP CREATE s g3 0 FOO", "XGROUP CREATE s g3 abc",
			"XGROUP CREATE nokey g 0", "XGROUP CREATE nokey g $ MKSTREAM", "XINFO STREAM nokey",
			"XGROUP CREATECONSUMER s g c1", "XGROUP CREATECONSUMER s g c1", "XGROUP CREATECONSUMER s nog c1",
			"XGROUP DELCONSUMER s g c1", "XGROUP DELCONSUMER s g c1", "XGROUP DELCONSUMER nokey2 g c",
			"XGROUP SETID s g 2-1", "XGROUP SETID s g $ ENTRIESREAD 3", "XGROUP SETID s g 0 FOO 3",
			"XGROUP SETID s nog 0", "XGROUP SETID s g -", "!skip XINFO GROUPS s", "XGROUP DESTROY s g2",
			"XGROUP DESTROY s g2", "XGROUP HELP", "XGROUP HELP x", "XGROUP FOO", "XGROUP FOO a b c",
			"XGROUP CREATE s", "SET str x", "XGROUP CREATE str g 0", "XGROUP DESTROY nokey3 g",
		})},
		{name: "xreadgroup", steps: join(xaddSteps("s", 1, 5), []step{
			"XGROUP CREATE s g 0", "XREADGROUP GROUP g c1 COUNT 2 STREAMS s >", "XREADGROUP GROUP g c2 STREAMS s >",
			"XREADGROUP GROUP g c2 STREAMS s >", "XREADGROUP GROUP g c1 STREAMS s 0", "XREADGROUP GROUP g c1 STREAMS s 1-1",
			"XREADGROUP GROUP g c1 COUNT 1 STREAMS s 0", "XACK s g 1-1", "XACK s g 1-1 2-1 9-1", "XACK s g abc",
			"XACK s nog 1-1", "XACK nokey g 1-1", "XREADGROUP GROUP g c1 STREAMS s 0", "XPENDING s g",
			"XINFO GROUPS s", "XADD s 6-1 a b", "XINFO GROUPS s", "XREADGROUP GROUP g c3 NOACK STREAMS s >",
			"XPENDING s g", "XINFO GROUPS s", "XDEL s 3-1", "XREADGROUP GROUP g c2 STREAMS s 0", "XINFO GROUPS s",
		})},
		{name: "xreadgroup errors", steps: join(xaddSteps("s", 1, 3), []step{
			"XGROUP CREATE s g 0", "XREADGROUP STREAMS s >", "XREADGROUP GROUP g c STREAMS s", "XREADGROUP GROUP g c STREAMS s $",
			"XREADGROUP GROUP nog c STREAMS s >", "XREADGROUP GROUP g c STREAMS nokey >", "XREADGROUP GROUP g c COUNT x STREAMS s >",
			"XREADGROUP GROUP g c FOO STREAMS s >", "XREADGROUP GROUP g c STREAMS s abc", "XREADGROUP GROUP g", "XREAD GROUP g c STREAMS s >",
			"XREAD NOACK STREAMS s 0", "XREAD STREAMS s >", "XREAD STREAMS s", "XREAD COUNT 1", "XREAD STREAMS s 0 t",
			"XREADGROUP GROUP g c BLOCK -1 STREAMS s >", "XREADGROUP GROUP g c BLOCK x STREAMS s >",
		})},
		{name: "xread", steps: join(xaddSteps("s", 1, 5), xaddSteps("t", 3, 2), []step{
			"XREAD STREAMS s 0", "XREAD COUNT 2 STREAMS s t 0 0", "XREAD STREAMS s t 3-1 5-1", "XREAD STREAMS s $",
			"XREAD STREAMS nokey 0", "XREAD STREAMS s nokey 0 0", "XREAD COUNT 0 STREAMS s 4", "XREAD STREAMS s +",
			"XREAD STREAMS s -", "SET str x", "XREAD STREAMS str 0", "XREAD BLOCK 0 STREAMS s 0", "XREAD COUNT -5 STREAMS s 3",
		})},
		{name: "xpending", steps: join(xaddSteps("s", 1, 10), []step{
			"XGROUP CREATE s g 0", "XREADGROUP GROUP g alice COUNT 3 STREAMS s >", "XREADGROUP GROUP g bob COUNT 4 STREAMS s >",
			"XPENDING s g", "!type XPENDING s g - + 10", "!type XPENDING s g - + 2 bob", "!type XPENDING s g - + 10 nobody",
			"!type XPENDING s g IDLE 0 - + 10", "!type XPENDING s g (1-1 (5-1 10", "XPENDING s g - +", "XPENDING s g - + 1 a b c",
			"XPENDING s g IDLE 10 - +", "XPENDING s g IDLE x - + 10", "XPENDING s g - + x", "XPENDING s g abc + 10",
			"XPENDING s nog", "XPENDING nokey g", "XPENDING s g - + 0", "XPENDING s g - + -3",
			"XPENDING s g IDLE 100000 - + 10", "XPENDING s g (18446744073709551615-18446744073709551615 + 1",
		})},
		{name: "xclaim", steps: join(xaddSteps("s", 1, 10), []step{
			"XGROUP CREATE s g 0", "XREADGROUP GROUP g alice COUNT 5 STREAMS s >",
			"XCLAIM s g bob 0 1-1 2-1", "XPENDING s g", "XCLAIM s g bob 0 1-1 JUSTID", "XCLAIM s g bob 100000 3-1",
			"XCLAIM s g carol 0 3-1 RETRYCOUNT 7 JUSTID", "!type XPENDING s g - + 10", "XCLAIM s g bob 0 8-1",
			"XCLAIM s g bob 0 8-1 FORCE JUSTID", "XCLAIM s g bob 0 9-1 FORCE", "XPENDING s g",
			"XCLAIM s g bob 0 4-1 LASTID 20-1", "XINFO GROUPS s", "XCLAIM s g bob 0 4-1 FOO", "XCLAIM s g bob x 4-1",
			"XCLAIM s g bob 0 4-1 IDLE x", "XCLAIM s g bob 0 4-1 TIME x", "XCLAIM s g bob 0 4-1 RETRYCOUNT x",
			"XCLAIM s g bob 0 4-1 LASTID x", "XCLAIM s nog bob 0 4-1", "XCLAIM nokey g bob 0 4-1",
			"XDEL s 5-1", "XCLAIM s g bob 0 5-1", "XPENDING s g", "XCLAIM s g dave 0 abc", "XINFO CONSUMERS s nog",
		})},
		{name: "xautoclaim", steps: join(xaddSteps("s", 1, 10), []step{
			"XGROUP CREATE s g 0", "XREADGROUP GROUP g alice STREAMS s >", "XAUTOCLAIM s g bob 0 0 COUNT 3",
			"XAUTOCLAIM s g bob 0 (3-1 COUNT 2 JUSTID", "XDEL s 6-1 7-1", "XAUTOCLAIM s g carol 0 0", "XPENDING s g",
			"XAUTOCLAIM s g bob 100000 0", "XAUTOCLAIM s g bob 0 0 COUNT 0", "XAUTOCLAIM s g bob 0 0 COUNT x",
			"XAUTOCLAIM s g bob 0 0 FOO", "XAUTOCLAIM s g bob x 0", "XAUTOCLAIM s g bob 0 x", "XAUTOCLAIM s nog bob 0 0",
			"XAUTOCLAIM nokey g bob 0 0", "XAUTOCLAIM s g bob 0 (18446744073709551615-18446744073709551615",
			"XAUTOCLAIM s g bob 0 9-1 COUNT 1",
		})},
		{name: "xinfo", steps: join(xaddSteps("s", 1, 5), []step{
			"XGROUP CREATE s g 0", "XGROUP CREATE s a $", "XREADGROUP GROUP g alice COUNT 2 STREAMS s >",
			"XINFO GROUPS s", "XINFO STREAM s", "XINFO HELP", "XINFO HELP x", "XINFO", "XINFO STREAM nokey",
			"XINFO STREAM s FOO", "XINFO STREAM s FULL COUNT", "XINFO STREAM s FULL COUNT x", "XINFO STREAM s FULL FOO 1",
			"XINFO GROUPS nokey", "XINFO CONSUMERS s nog", "XINFO FOO s", "XINFO GROUPS s x",
			"XDEL s 4-1", "XINFO GROUPS s", "XGROUP SETID s a 0", "XINFO GROUPS s",
		})},
	})
}
