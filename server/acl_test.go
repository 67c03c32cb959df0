package server

import (
	"strings"
	"testing"
)

// TestACLDescribeRoundTrip: the rules ACL LIST gives for a user recreate
// the same permissions, as Redis's ACLDescribeSelectorCommandRules
// guarantees (and panics otherwise).
func TestACLDescribeRoundTrip(t *testing.T) {
	tab := aclCommands()
	for _, rules := range []string{
		"+get +@string -set",
		"+@all -@dangerous -flushall +debug",
		"+@read -@hash +config|get +client|id",
		"-@all +select|0 +select|1 +@hash -hget",
		"+@all -@write +set -config -client +client|kill",
		"nocommands +@pubsub +@transaction -exec",
	} {
		u := newUser("u", 0)
		for _, op := range strings.Fields(rules) {
			if e := u.set(tab, op, 0); e != aclErrNone {
				t.Fatalf("%q: %s", op, e)
			}
		}
		desc := u.root().describeCommands(tab)
		v := newUser("v", 0)
		for _, op := range strings.Fields(desc) {
			if e := v.set(tab, op, 0); e != aclErrNone {
				t.Fatalf("%q from %q: %s", op, desc, e)
			}
		}
		if v.root().allowed != u.root().allowed || !equalFirstArgs(v.root().firstArgs, u.root().firstArgs) {
			t.Errorf("%q described as %q: permissions differ", rules, desc)
		}
	}
}

func equalFirstArgs(a, b map[int][]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if strings.Join(v, " ") != strings.Join(b[k], " ") {
			return false
		}
	}
	return true
}

// TestACLPassword: passwords are kept as SHA-256 hex and checked against
// every one of the user's passwords.
func TestACLPassword(t *testing.T) {
	tab := aclCommands()
	u := newUser("u", 0)
	u.set(tab, ">one", 0)
	u.set(tab, ">two", 0)
	if u.passwords[0] != "7692c3ad3540bb803c020b3aee66cd8887123234ea0c6e7143c0add73ff431ed" {
		t.Errorf("hash of %q: %s", "one", u.passwords[0])
	}
	for pass, want := range map[string]bool{"one": true, "two": true, "three": false, "": false} {
		if got := u.checkPassword([]byte(pass)); got != want {
			t.Errorf("checkPassword(%q) = %v", pass, got)
		}
	}
	u.set(tab, "nopass", 0)
	if !u.checkPassword([]byte("anything")) {
		t.Errorf("nopass user refused a password")
	}
}

// restrictedClient returns a test client authenticated as a user limited
// to keys app:* (every command allowed).
func restrictedClient(tb testing.TB) *Client {
	c := testClient(tb, nil)
	if got := testRun(c, "ACL SETUSER u on nopass ~app:* +@all"); got != "+OK\r\n" {
		tb.Fatalf("ACL SETUSER: %q", got)
	}
	c.user = c.srv.acl.users["u"]
	return c
}

// TestACLKeyCheckDoesNotAllocate: the permission check a restricted user's
// every command goes through allocates nothing (the executor reuses one
// scratch slice for the command's keys).
func TestACLKeyCheckDoesNotAllocate(t *testing.T) {
	c := restrictedClient(t)
	for _, cmd := range []string{"SET app:1 v", "SET app:1 v GET", "GET app:1", "MSET app:1 a app:2 b", "MGET app:1 app:2 app:3", "SORT app:l BY app:* STORE app:d"} {
		argv := testArgv(cmd)
		cmdState := c.srv.commands.lookup(argv)
		c.srv.acl.users["u"].checkCommandScratch(cmdState, argv, &c.srv.aclKeys) // warm the scratch slice
		n := testing.AllocsPerRun(100, func() {
			if res, _ := c.user.checkCommandScratch(cmdState, argv, &c.srv.aclKeys); res != aclOK {
				t.Fatalf("%s refused", cmd)
			}
		})
		if n != 0 && cmdState.GetKeys == nil {
			t.Errorf("%s: the ACL check allocates %.0f times per command", cmd, n)
		}
	}
	argv := testArgv("GET other")
	if res, _ := c.user.checkCommandScratch(c.srv.commands.lookup(argv), argv, &c.srv.aclKeys); res != aclDeniedKey {
		t.Errorf("GET other: %v, want a key refusal", res)
	}
}

// BenchmarkRestrictedUserSet runs SET as a user with key patterns, whose
// every command goes through the key permission check.
func BenchmarkRestrictedUserSet(b *testing.B) {
	c := restrictedClient(b)
	benchCommand(b, c, testArgv("SET app:1 v"))
}
