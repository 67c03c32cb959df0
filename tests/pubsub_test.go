package tests

import (
	"testing"
)

// Pub/Sub: SUBSCRIBE and friends, PUBLISH, PUBSUB, subscribed mode.
// The scenarios (see runScenario) run over several connections to each
// server, in RESP2 and RESP3, and every reply and message is compared.

// TestPubsubScenarios compares subscriptions, messages and their
// confirmations between kvd and Redis.
func TestPubsubScenarios(t *testing.T) {
	needRedis(t)
	diffScenarios(t, sharedServers(), map[string][]string{
		"subscribe and publish": {
			"A: SUBSCRIBE ch", "B: PUBLISH ch hello", "A<", "B: PUBLISH other x", "A-",
			"A: SUBSCRIBE ch2", "A: SUBSCRIBE ch", "B: PUBLISH ch2 \"\"", "A<",
			"A: UNSUBSCRIBE ch", "B: PUBLISH ch gone", "A-", "A: UNSUBSCRIBE ch2", "A: UNSUBSCRIBE", "A: PING",
		},
		"several subscribers in order": {
			"A: SUBSCRIBE c", "B: SUBSCRIBE c", "C: PSUBSCRIBE c*", "D: PUBLISH c m1", "A<", "B<", "C<",
			"E: PSUBSCRIBE *", "D: PUBLISH c m2", "A<", "B<", "C<", "E<", "D: PUBLISH cx m3", "C<", "E<", "A-",
			"D: PUBSUB NUMSUB c cx", "D: PUBSUB NUMPAT", "D: PUBSUB CHANNELS", "D: PUBSUB CHANNELS x*",
		},
		"multiple arguments": {
			"A> SUBSCRIBE a b c", "A<", "A<", "A<", "A> PSUBSCRIBE p* q*", "A<", "A<",
			"A> UNSUBSCRIBE a x", "A<", "A<", "A> PUNSUBSCRIBE", "A<", "A<", "A> PUNSUBSCRIBE", "A<",
			"B: PUBLISH b 1", "A<", "B: PUBSUB NUMPAT",
		},
		"unsubscribe from nothing": {
			"A: UNSUBSCRIBE", "A: PUNSUBSCRIBE", "A: SUNSUBSCRIBE", "A: UNSUBSCRIBE x", "A: PUNSUBSCRIBE y", "A: GET k",
		},
		"subscribed mode": {
			"A: SUBSCRIBE ch", "A: PING", "A: PING hi", "A: GET k", "A: DBSIZE", "A: CONFIG GET hz", "A: MULTI", "A: PING a b", "A: PSUBSCRIBE p",
			"A: PUNSUBSCRIBE p", "A: UNSUBSCRIBE ch", "A: GET k", "A: PING",
		},
		"shard channels": {
			"A: SSUBSCRIBE s", "B: SPUBLISH s m", "A<", "B: PUBLISH s m", "A-", "C: PSUBSCRIBE *", "B: SPUBLISH s m2", "A<", "C-",
			"B: PUBSUB SHARDNUMSUB s t", "B: PUBSUB SHARDCHANNELS", "B: PUBSUB SHARDCHANNELS x", "B: PUBSUB CHANNELS",
			"A: SUBSCRIBE s", "A: SUNSUBSCRIBE", "A: SUNSUBSCRIBE", "A: UNSUBSCRIBE", "A: PING",
		},
		"multi": {
			"A: MULTI", "A: SUBSCRIBE a", "A: SSUBSCRIBE b", "A: PSUBSCRIBE c*", "A: EXEC", "A: PING",
			"B: PUBLISH a x", "A<", "B: PUBLISH cc y", "A<",
		},
		"publish to self": {
			"A: SUBSCRIBE me", "B: PUBLISH me x", "A<", "A: PING",
		},
		"reset and quit": {
			"A: SUBSCRIBE a", "A: PSUBSCRIBE b*", "A: SSUBSCRIBE c", "A: RESET", "B: PUBSUB NUMSUB a", "B: PUBSUB NUMPAT",
			"B: PUBSUB SHARDNUMSUB c", "B: PUBLISH a x", "A-", "A: GET k",
			"C: SUBSCRIBE q", "C: QUIT", "sleep 50", "B: PUBSUB NUMSUB q", "D: PSUBSCRIBE z", "D close", "sleep 50", "B: PUBSUB NUMPAT",
		},
		"binary and glob": {
			"A: PSUBSCRIBE \"a\\x00*\" h?llo h[ae]lp \"h\\\\*\" h[^e]y", "A<", "A<", "A<", "A<",
			"B: PUBLISH \"a\\x00\\xff\" x", "A<", "B: PUBLISH hello 1", "A<", "B: PUBLISH help 1", "A<", "B: PUBLISH h* 2", "A<",
			"B: PUBLISH hay 3", "A<", "B: PUBLISH hey 4", "A-",
		},
		"wrong arguments": {
			"A: SUBSCRIBE", "A: PSUBSCRIBE", "A: PUBLISH a", "A: SPUBLISH a", "A: PUBSUB", "A: PUBSUB FOO",
			"A: PUBSUB CHANNELS a b", "A: PUBSUB NUMPAT x", "A: PUBSUB HELP", "A: PUBSUB NUMSUB", "A: PUBSUB SHARDCHANNELS a b",
		},
	})
}
