package tests

import (
	"testing"
)

// TestPubsubACL checks PUBLISH, SPUBLISH and the subscribe commands
// against a user's channel permissions: the NOPERM errors and the ACL LOG
// entries (context and object "channel") they leave.
func TestPubsubACL(t *testing.T) {
	s := privateServers(t, nil)
	diffSession(t, s, []step{
		"ACL SETUSER pub on >pw +@all -@dangerous &chan:* &lit",
		"ACL SETUSER none on >pw +@all resetchannels",
		"ACL LOG RESET",
	})
	diffSession(t, s, []step{
		"AUTH pub pw",
		"PUBLISH chan:1 x", "PUBLISH other x", "SPUBLISH chan:2 x", "SPUBLISH other x", "PUBLISH lit x", "PUBLISH li x",
		"SUBSCRIBE other", "SUBSCRIBE chan:1 other", "SSUBSCRIBE other", "PSUBSCRIBE chan:1*", "PSUBSCRIBE chan:* other",
		"PUBSUB NUMPAT", "MULTI", "PUBLISH other x", "PUBLISH chan:1 y", "EXEC",
		"AUTH none pw", "PUBLISH a b", "UNSUBSCRIBE a", "PUNSUBSCRIBE", "SUNSUBSCRIBE x",
		"AUTH pub pw", "PSUBSCRIBE chan:*", "SUBSCRIBE chan:9", "SSUBSCRIBE lit", "PING",
	})
	diffSession(t, s, []step{"!acl ACL LOG"})
}

// TestPubsubACLKill checks that ACL SETUSER disconnects the subscribers of
// a user whose new channel permissions no longer allow a subscription (a
// pattern must be one of the user's patterns literally), and only them.
func TestPubsubACLKill(t *testing.T) {
	s := privateServers(t, nil)
	diffScenarios(t, s, map[string][]string{
		"narrowed": {
			"X: ACL SETUSER sub on nopass +@all &news.* &sport",
			"A: AUTH sub x", "A: SUBSCRIBE news.1",
			"B: AUTH sub x", "B: PSUBSCRIBE news.*",
			"C: AUTH sub x", "C: SUBSCRIBE sport",
			"D: AUTH sub x", "D: SSUBSCRIBE news.2",
			"E: PSUBSCRIBE news.*",                                     // the default user: untouched
			"X: ACL SETUSER sub &more", "sleep 20", "X: PUBSUB NUMPAT", // a superset: no one is dropped
			"X: ACL SETUSER sub resetchannels &news.?", "sleep 50",
			"X: PUBSUB NUMSUB news.1 sport", "X: PUBSUB NUMPAT", "X: PUBSUB SHARDNUMSUB news.2",
			"X: PUBLISH news.1 m", "A<", "E<",
			"X: ACL SETUSER sub allchannels", "X: ACL SETUSER sub resetchannels", "sleep 50", "X: PUBSUB NUMSUB news.1",
			"X: ACL SETUSER sub reset", "X: ACL SETUSER sub on nopass +@all",
		},
	})
}
