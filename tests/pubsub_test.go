package tests

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/kvdserver/kvd/server"
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
		"messages between replies": {
			"A: SUBSCRIBE ch", "B: PUBLISH ch m1", "B: PUBLISH ch m2", "A: GET k", "A<", "A<", "A> PING", "A> PING x",
			"A<", "A<", "B: PUBLISH ch m3", "A<",
		},
		"edge cases": {
			"A> SUBSCRIBE a a \"\"", "A<", "A<", "A<", "B: PUBSUB NUMSUB a a \"\" b", "B: PUBLISH \"\" e", "A<",
			"A: GET k", "A> UNSUBSCRIBE a \"\"", "A<", "A<", "A: GET k",
			"C: PUBSUB CHANNELS \"[\"", "C: PUBSUB CHANNELS \"\\\\\"",
		},
		"reply off": { // messages and confirmations are not silenced
			"A> CLIENT REPLY OFF", "A> SUBSCRIBE a b", "A<", "A<", "A> PING", "B: PUBLISH a x", "A<",
			"A> UNSUBSCRIBE b", "A<", "A> PSUBSCRIBE p*", "A<", "B: PUBLISH pa y", "A<",
			"A> UNSUBSCRIBE", "A<", "A> PUNSUBSCRIBE", "A<", "A: CLIENT REPLY ON", "A> CLIENT REPLY SKIP", "A> SUBSCRIBE c",
			"A> PING", "A<", "A<", "A> MULTI", "A: UNSUBSCRIBE", "A: EXEC",
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

// TestPubsubClientFields compares CLIENT LIST's sub, psub, ssub and flags
// fields of subscribers, CLIENT LIST/KILL TYPE pubsub, and INFO's
// pubsub_channels, pubsub_patterns and pubsubshard_channels.
func TestPubsubClientFields(t *testing.T) {
	s := privateServers(t, nil)
	fields := regexp.MustCompile(` (flags=\S+ db=\d+ sub=\d+ psub=\d+ ssub=\d+) `)
	run := func(t *testing.T, addr string) []string {
		var out []string
		ctl := dial(t, addr)
		a, b := dial(t, addr), dialProto(t, addr, 3)
		a.send("SUBSCRIBE", "c1", "c2")
		a.read()
		a.read()
		a.do("PSUBSCRIBE", "p*")
		b.do("SSUBSCRIBE", "s1")
		b.do("SUBSCRIBE", "c1")
		out = append(out, fields.FindStringSubmatch(b.do("CLIENT", "INFO"))[1])
		b.do("MULTI")
		list := func() {
			for _, l := range strings.Split(ctl.do("CLIENT", "LIST", "TYPE", "pubsub"), "\n") {
				if m := fields.FindStringSubmatch(l); m != nil {
					out = append(out, m[1])
				}
			}
			for _, f := range []string{"pubsub_channels", "pubsub_patterns", "pubsubshard_channels"} {
				out = append(out, f+"="+infoField(t, ctl, "stats", f))
			}
		}
		list()
		out = append(out, b.do("EXEC"))
		out = append(out, ctl.do("CLIENT", "KILL", "TYPE", "pubsub"))
		time.Sleep(50 * time.Millisecond)
		list()
		return out
	}
	want, got := run(t, s.redis), run(t, s.kvd)
	if strings.Join(want, "|") != strings.Join(got, "|") {
		t.Errorf("differ:\n redis: %q\n   kvd: %q", want, got)
	}
}

// TestPubsubIdleTimeout checks that, as in Redis, the timeout directive
// closes an idle client but neither an idle subscriber nor a monitor.
func TestPubsubIdleTimeout(t *testing.T) {
	s := privateServers(t, func(c *server.Config) { c.Timeout = 1 }, "--timeout", "1")
	onBoth(t, s, func(t *testing.T, addr string) {
		idle, sub, mon := dial(t, addr), dial(t, addr), dial(t, addr)
		idle.do("PING")
		sub.do("SUBSCRIBE", "ch")
		mon.do("MONITOR")
		time.Sleep(2500 * time.Millisecond)
		if _, err := idle.readErr(2 * time.Second); err == nil || isTimeout(err) {
			t.Errorf("the idle client was not closed: %v", err)
		}
		ctl := dial(t, addr)
		if r := ctl.do("PUBLISH", "ch", "still here"); r != ":1\r\n" {
			t.Errorf("PUBLISH after the timeout: %q", r)
		}
		if r := sub.read(); !strings.Contains(r, "still here") {
			t.Errorf("subscriber got %q", r)
		}
		if r := mon.read(); !strings.Contains(r, `"PUBLISH" "ch" "still here"`) {
			t.Errorf("monitor got %q", r)
		}
	})
}
