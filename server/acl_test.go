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
