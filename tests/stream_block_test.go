package tests

import "testing"

// Blocking XREAD and XREADGROUP over several connections, every reply (or
// its absence) compared with Redis's (see runScenario).
func TestStreamBlockingScenarios(t *testing.T) {
	needRedis(t)
	diffScenarios(t, sharedServers(), map[string][]string{
		"xread served": {
			"A> XREAD BLOCK 0 STREAMS s $", "blocked 1", "B: XADD s 1-1 a 1", "A<",
			"A> XREAD BLOCK 0 STREAMS s2 s 0 $", "blocked 1", "B: XADD s 2-1 b 2", "A<",
			"A> XREAD BLOCK 0 STREAMS s 1-1", "A<",
		},
		"xread order and several": {
			"A> XREAD BLOCK 0 STREAMS s $", "blocked 1", "B> XREAD COUNT 1 BLOCK 0 STREAMS t s 0 $", "blocked 2",
			"C> XREAD BLOCK 0 STREAMS t $", "blocked 3", "D: XADD s 1-1 a 1", "A<", "B<", "C-", "D: XADD t 5-1 x y", "C<",
		},
		"xread timeout and unblock": {
			"A: XREAD BLOCK 10 STREAMS s $", "A> XREAD BLOCK 0 STREAMS s $", "blocked 1", "B: CLIENT UNBLOCK $A", "A<",
			"A> XREAD BLOCK 0 STREAMS s $", "blocked 1", "B: CLIENT UNBLOCK $A ERROR", "A<",
		},
		"xread not served by smaller ids": {
			"B: XADD s 5-1 a 1", "A> XREAD BLOCK 0 STREAMS s $", "blocked 1", "B: XSETID s 10-1", "A-", "B: XADD s 11-1 a 1", "A<",
			"A> XREAD BLOCK 0 STREAMS s 20-1", "blocked 1", "B: XADD s 15-1 a 1", "A-", "B: XADD s 25-1 a 1", "A<",
		},
		"xread multi exec": {
			"A> XREAD BLOCK 0 STREAMS s $", "blocked 1", "B: MULTI", "B: XADD s 1-1 a 1", "B: XADD s 2-1 b 2",
			"B: EXEC", "A<", "B: MULTI", "B: XREAD BLOCK 0 STREAMS s $", "B: EXEC",
		},
		"xread script": {
			"A> XREAD BLOCK 0 STREAMS s $", "blocked 1", "B: EVAL \"redis.call('xadd', KEYS[1], '1-1', 'a', 'b'); return 1\" 1 s", "A<",
		},
		"xreadgroup served": {
			"B: XGROUP CREATE s g $ MKSTREAM", "A> XREADGROUP GROUP g c1 BLOCK 0 STREAMS s >", "blocked 1",
			"C> XREADGROUP GROUP g c2 COUNT 1 BLOCK 0 STREAMS s >", "blocked 2", "B: XADD s 1-1 a 1", "A<", "C-",
			"B: XADD s 2-1 a 2", "C<", "B: XPENDING s g", "B: XINFO GROUPS s",
		},
		"xreadgroup noack and several added": {
			"B: XGROUP CREATE s g $ MKSTREAM", "A> XREADGROUP GROUP g c1 NOACK BLOCK 0 STREAMS s >", "blocked 1",
			"B: MULTI", "B: XADD s 1-1 a 1", "B: XADD s 2-1 a 2", "B: EXEC", "A<", "B: XPENDING s g", "B: XINFO GROUPS s",
		},
		"xreadgroup group destroyed": {
			"B: XGROUP CREATE s g $ MKSTREAM", "A> XREADGROUP GROUP g c1 BLOCK 0 STREAMS s >", "blocked 1",
			"B: XGROUP DESTROY s g", "A<",
		},
		"xreadgroup key deleted": {
			"B: XGROUP CREATE s g $ MKSTREAM", "A> XREADGROUP GROUP g c1 BLOCK 0 STREAMS s >", "blocked 1",
			"C> XREAD BLOCK 0 STREAMS s $", "blocked 2", "B: DEL s", "A<", "C-", "B: XADD s 1-1 a b", "C<",
		},
		"xreadgroup key replaced": {
			"B: XGROUP CREATE s g $ MKSTREAM", "A> XREADGROUP GROUP g c1 BLOCK 0 STREAMS s >", "blocked 1",
			"B: SET s x", "A<",
		},
		"xreadgroup flushall and rename": {
			"B: XGROUP CREATE s g $ MKSTREAM", "A> XREADGROUP GROUP g c1 BLOCK 0 STREAMS s >", "blocked 1",
			"C> BLPOP l 0", "blocked 2", "B: FLUSHALL", "A<", "C-", "B: RPUSH l x", "C<",
			"B: XGROUP CREATE s g $ MKSTREAM", "A> XREADGROUP GROUP g c1 BLOCK 0 STREAMS s >", "blocked 1",
			"B: RENAME s s2", "A<", "B: XGROUP CREATE s g $ MKSTREAM", "B: XGROUP CREATE s3 g $ MKSTREAM", "B: XADD s3 5-5 a b",
			"A> XREADGROUP GROUP g c1 BLOCK 0 STREAMS s >", "blocked 1", "B: RENAME s3 s", "A<",
			"B: XGROUP CREATE f g $ MKSTREAM", "A> XREADGROUP GROUP g c1 BLOCK 0 STREAMS f >", "blocked 1",
			"B: FLUSHDB", "A<",
		},
		"xreadgroup timeout": {
			"B: XGROUP CREATE s g $ MKSTREAM", "A: XREADGROUP GROUP g c1 BLOCK 10 STREAMS s >", "B: XINFO GROUPS s",
			"B: XINFO CONSUMERS s g",
		},
	})
}
