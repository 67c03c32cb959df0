package server

import (
	"strconv"
	"strings"
	"testing"
)

// debugClient is a test client with DEBUG enabled.
func debugClient(tb testing.TB) *Client {
	return testClient(tb, func(cfg *Config) { cfg.EnableDebugCommand = "yes" })
}

// TestDebugHelpCoversTable checks that every subcommand with a procedure
// is reachable and that HELP lists each table entry.
func TestDebugHelpCoversTable(t *testing.T) {
	c := debugClient(t)
	help := testRun(c, "DEBUG HELP")
	for _, d := range debugSubcommands {
		if !strings.Contains(help, "+"+strings.ToUpper(d.name)) {
			t.Errorf("DEBUG HELP lacks %s", d.name)
		}
		if d.minArgs < 2 || d.maxArgs >= 0 && d.maxArgs < d.minArgs {
			t.Errorf("%s: bad arity %d..%d", d.name, d.minArgs, d.maxArgs)
		}
	}
}

// TestDebugObjectListLayout checks the simulated quicklist layout against
// shapes redis-server 7.0.15 reported.
func TestDebugObjectListLayout(t *testing.T) {
	c := debugClient(t)
	for _, tt := range []struct {
		n, size int
		want    string
	}{
		{681, 10, "ql_nodes:1 ql_avg_node:681.00 ql_listpack_max:-2 ql_compressed:0 ql_uncompressed_size:8179"},
		{682, 10, "ql_nodes:2 ql_avg_node:341.00 ql_listpack_max:-2 ql_compressed:0 ql_uncompressed_size:8198"},
		{100, 100, "ql_nodes:2 ql_avg_node:50.00 ql_listpack_max:-2 ql_compressed:0 ql_uncompressed_size:10314"},
	} {
		testRun(c, "DEL l")
		for i := 0; i < tt.n; i++ {
			testRun(c, "RPUSH l "+strings.Repeat("x", tt.size-len(strconv.Itoa(i)))+strconv.Itoa(i))
		}
		got := testRun(c, "DEBUG OBJECT l")
		if !strings.Contains(got, " "+tt.want+"\r\n") {
			t.Errorf("%d elements of %d bytes: %q, want %q", tt.n, tt.size, got, tt.want)
		}
	}
}

func BenchmarkDebugObjectHash(b *testing.B) {
	c := debugClient(b)
	for i := 0; i < 1000; i++ {
		testRun(c, "HSET h field"+strconv.Itoa(i)+" "+strings.Repeat("value", 10))
	}
	benchCommand(b, c, testArgv("DEBUG OBJECT h"))
}

func BenchmarkDebugDigestValue(b *testing.B) {
	c := debugClient(b)
	for i := 0; i < 1000; i++ {
		testRun(c, "ZADD z "+strconv.Itoa(i)+".5 member"+strconv.Itoa(i))
	}
	benchCommand(b, c, testArgv("DEBUG DIGEST-VALUE z"))
}

func BenchmarkLolwut5(b *testing.B) {
	c := debugClient(b)
	benchCommand(b, c, testArgv("LOLWUT VERSION 5"))
}

func BenchmarkLolwut6(b *testing.B) {
	c := debugClient(b)
	benchCommand(b, c, testArgv("LOLWUT VERSION 6"))
}

// TestDebugHTStats checks DEBUG HTSTATS's report of a database with keys.
func TestDebugHTStats(t *testing.T) {
	c := debugClient(t)
	for i := 0; i < 100; i++ {
		testRun(c, "SET k"+strconv.Itoa(i)+" v")
	}
	testRun(c, "EXPIRE k1 100")
	got := testRun(c, "DEBUG HTSTATS 0")
	for _, want := range []string{"[Dictionary HT]\nHash table 0 stats (main hash table):\n table size: ",
		"\n number of elements: 100\n different slots: 100\n max chain length: 1\n",
		"[Expires HT]\nHash table 0 stats (main hash table):\n table size: 1\n number of elements: 1\n"} {
		if !strings.Contains(got, want) {
			t.Errorf("DEBUG HTSTATS 0: %q lacks %q", got, want)
		}
	}
}
