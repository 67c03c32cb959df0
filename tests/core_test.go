package tests

import "testing"

func TestDiffCore(t *testing.T) {
	diffCases(t, []dcase{
		{name: "ping", steps: []step{"PING", "PING hello", "PING a b", "ping", "ECHO x", "ECHO", "ECHO a b"}},
		{name: "unknown", steps: []step{"FOO", "FOO a b c", `foo "a\x00b"`, "GET", "get a b"}},
		{name: "set get", steps: []step{"SET k v", "GET k", "GET missing", "SET k v2 NX", "SET k v3 XX", "GET k", "SET k v GET", "SET n 1 EX 0", "SET n 1 EX abc", "SET n 1 EX 10 PX 10", "SET n 1 KEEPTTL EX 1", "SET n 1 NX XX", "SET n v EX 100", "!approx TTL n"}},
		{name: "select", steps: []step{"SELECT 1", "SET a 1", "SELECT 0", "GET a", "SELECT 16", "SELECT -1", "SELECT x", "SELECT 2147483648", "SELECT -4294967296", "SELECT 1.0", "SELECT 1", "GET a", "DBSIZE"}},
	})
}
