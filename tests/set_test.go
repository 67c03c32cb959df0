package tests

import (
	"fmt"
	"math/rand/v2"
	"path"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/kvdserver/kvd/server"
)

// ---- helpers for the set tests ----

// bulkStrings returns the bulk strings of an array or set reply (nil for
// any other reply).
func bulkStrings(t testing.TB, raw string) []string {
	t.Helper()
	v, err := parseValue(raw)
	if err != nil {
		t.Fatalf("parsing %q: %v", truncateStr(raw, 200), err)
	}
	if v.kind != '*' && v.kind != '~' {
		return nil
	}
	out := make([]string, len(v.elems))
	for i, e := range v.elems {
		out[i] = e.str
	}
	return out
}

// uniqSorted returns the distinct strings, sorted.
func uniqSorted(s []string) []string {
	out := sortedStrings(s)
	return slices.Compact(out)
}

// sortedStrings returns a sorted copy.
func sortedStrings(s []string) []string {
	out := append([]string(nil), s...)
	sort.Strings(out)
	return out
}

// sscanAll runs a whole SSCAN iteration and returns every member returned
// (with repeats) and the number of calls.
func sscanAll(t testing.TB, c *conn, key string, count int, opts ...string) ([]string, int) {
	t.Helper()
	var out []string
	calls := scanEach(t, c, []string{"SSCAN", key}, append([]string{"COUNT", strconv.Itoa(count)}, opts...), func(ms []value) {
		for _, m := range ms {
			out = append(out, m.str)
		}
	})
	return out, calls
}

// ---- static differential cases ----

func TestDiffSetBasics(t *testing.T) {
	diffCases(t, []dcase{
		{name: "sadd", steps: []step{"SADD s a b c", "SADD s a d", "SADD s a a a", "SCARD s", "SISMEMBER s a", "SISMEMBER s z",
			"!sort SMEMBERS s", "TYPE s", "OBJECT ENCODING s", "SaDd s e", "scard s"}},
		{name: "sadd duplicates in one call", steps: []step{"SADD s x x y x", "SCARD s", "SADD n 1 1 2 1", "SMEMBERS n"}},
		{name: "arity", steps: []step{"SADD", "SADD s", "SREM s", "SCARD", "SCARD a b", "SISMEMBER s", "SISMEMBER s a b",
			"SMISMEMBER s", "SMEMBERS", "SMEMBERS a b", "SPOP", "SRANDMEMBER", "SMOVE a b", "SMOVE a b c d", "SINTER",
			"SINTERCARD 1", "SINTERCARD", "SINTERSTORE d", "SUNION", "SUNIONSTORE d", "SDIFF", "SDIFFSTORE d", "SSCAN s", "SSCAN"}},
		{name: "wrongtype", steps: []step{"SET str x", "SADD str a", "SREM str a", "SCARD str", "SISMEMBER str a",
			"SMISMEMBER str a", "SMEMBERS str", "SPOP str", "SPOP str 2", "SPOP str 0", "SRANDMEMBER str", "SRANDMEMBER str 2",
			"SRANDMEMBER str 0", "SSCAN str 0", "SSCAN str 0 COUNT 0", "SINTER str", "SUNION str", "SDIFF str",
			"SINTERSTORE d str", "SUNIONSTORE d str", "SDIFFSTORE d str", "SINTERCARD 1 str", "GET str", "EXISTS d"}},
		{name: "wrongtype later key", steps: []step{"SADD s 1", "SET str x", "SINTER s str", "SINTER nokey str",
			"SUNION s nokey str", "SDIFF nokey str", "SDIFF s str", "SINTERSTORE d s str", "EXISTS d",
			"SDIFFSTORE d nokey str", "SUNIONSTORE d s str", "SINTERCARD 3 nokey s str", "SINTERCARD 2 s str", "EXISTS d"}},
		{name: "missing keys", steps: []step{"SCARD nokey", "SISMEMBER nokey a", "SMISMEMBER nokey a b", "SMEMBERS nokey",
			"SREM nokey a", "SPOP nokey", "SPOP nokey 3", "SPOP nokey 0", "SRANDMEMBER nokey", "SRANDMEMBER nokey 3",
			"SRANDMEMBER nokey -3", "SRANDMEMBER nokey 0", "SSCAN nokey 0", "SSCAN nokey 5 COUNT 0", "SSCAN nokey 0 TYPE x",
			"SINTER nokey", "SINTER nokey nokey2", "SUNION nokey", "SDIFF nokey", "SINTERCARD 1 nokey",
			"SMOVE nokey dst a", "EXISTS dst", "DBSIZE"}},
		{name: "srem deletes the key", steps: []step{"SADD s a b", "SREM s a x", "SREM s b", "EXISTS s", "SADD s 1 2",
			"SREM s 1 2 3", "EXISTS s", "SADD s 1 2", "SREM s 3 4", "SCARD s"}},
		{name: "srem stops once empty", steps: []step{"SADD s a", "SREM s a a b", "EXISTS s", "SADD s 1", "SREM s 1 1", "EXISTS s"}},
		{name: "srem intset", steps: []step{"SADD s 1 2 3", "SREM s 01 a -0 +2 2", "SMEMBERS s", "OBJECT ENCODING s"}},
		{name: "smismember", steps: []step{"SADD s a b 1", `SMISMEMBER s a c 1 b ""`, "SMISMEMBER s a",
			"SMISMEMBER nokey a", "SADD n 1 2", "SMISMEMBER n 1 01 -0 2 3 x"}},
		{name: "empty member", steps: []step{`SADD s ""`, `SISMEMBER s ""`, "SMEMBERS s", "SCARD s", "OBJECT ENCODING s",
			`SREM s ""`, "EXISTS s"}},
		{name: "binary members", steps: []step{`SADD s "\x00\x01" "a\r\nb" "\xff" "a b"`, "!sort SMEMBERS s",
			`SISMEMBER s "\x00\x01"`, `SISMEMBER s "\x00"`, `SREM s "\xff"`, "!sort SMEMBERS s", `SMISMEMBER s "a b" "a\r\nb"`}},
		{name: "ttl kept by changes", steps: []step{"SADD s 1 2 3 a", "EXPIRE s 100", "SADD s b", "!approx TTL s", "SREM s a",
			"!approx TTL s", "SPOP s 0", "!approx TTL s", "SREM s 1 2 3 b", "TTL s"}},
		{name: "copy rename type", steps: []step{"SADD a 1 2", "COPY a b", "SMEMBERS b", "OBJECT ENCODING b", "SADD b x",
			"SMEMBERS a", "OBJECT ENCODING a", "SADD h x y", "COPY h h2", "!sort SMEMBERS h2", "SREM h2 x", "!sort SMEMBERS h",
			"RENAME h h3", "TYPE h3", "!sort SMEMBERS h3", "EXISTS h", "MOVE h3 1", "SELECT 1", "!sort SMEMBERS h3"}},
		{name: "del and re-add", steps: []step{"SADD s a", "DEL s", "SADD s 1", "OBJECT ENCODING s", "SMEMBERS s"}},
	})
}

func TestDiffSetIntset(t *testing.T) {
	var canonical []step
	for i, m := range []string{"01", "-0", "+1", `" 1"`, `"1 "`, "1.0", "0x1", "9223372036854775808",
		"-9223372036854775809", `""`, "00", "-", "1e3"} {
		k := "k" + strconv.Itoa(i)
		canonical = append(canonical, "SADD "+k+" "+m, "OBJECT ENCODING "+k)
	}
	canonical = append(canonical, "SADD big 9223372036854775807 -9223372036854775808", "OBJECT ENCODING big", "SMEMBERS big")
	diffCases(t, []dcase{
		{name: "order", steps: []step{"SADD s 5 -1 100000 3 -70000 9223372036854775807 -9223372036854775808 0",
			"SMEMBERS s", "OBJECT ENCODING s", "SSCAN s 0", "SSCAN s 0 COUNT 1", "SSCAN s 123 MATCH *0*", "SINTER s",
			"SUNION s", "SDIFF s", "SRANDMEMBER s 100", "SRANDMEMBER s 8", "SINTERCARD 1 s"}},
		{name: "widths", steps: []step{"SADD s 1", "SADD s 40000", "SADD s 5000000000", "SMEMBERS s", "SREM s 5000000000",
			"SMEMBERS s", "SISMEMBER s 40000", "SISMEMBER s 1", "SISMEMBER s 5000000000", "SADD s -2", "SMEMBERS s"}},
		{name: "canonical integers", steps: canonical},
		{name: "512 entries", steps: []step{"SADD s " + wordList("", 0, 512), "OBJECT ENCODING s", "SCARD s", "SADD s 511",
			"OBJECT ENCODING s", "SADD s 512", "OBJECT ENCODING s", "SCARD s", "SREM s 512", "OBJECT ENCODING s", "SCARD s",
			"SISMEMBER s 100", "SREM s " + wordList("", 0, 600), "EXISTS s"}},
		{name: "513 in one call", steps: []step{"SADD s " + wordList("", 0, 513), "OBJECT ENCODING s", "SCARD s",
			"SADD t " + wordList("", 1000, 1512), "SMEMBERS t"}},
		{name: "string converts", steps: []step{"SADD s 1 2 3", "OBJECT ENCODING s", "SADD s a", "OBJECT ENCODING s",
			"SREM s a", "OBJECT ENCODING s", "!sort SMEMBERS s", "SISMEMBER s 1", "SISMEMBER s 01", "SADD s 01", "SCARD s"}},
		{name: "first member string", steps: []step{"SADD s a 1", "OBJECT ENCODING s", "SREM s a", "OBJECT ENCODING s",
			"SMEMBERS s"}},
		{name: "canonical lookups", steps: []step{"SADD s 1 0 -1", "SISMEMBER s 01", "SISMEMBER s +1", "SISMEMBER s 1",
			"SISMEMBER s -0", "SISMEMBER s 0", "SMISMEMBER s 1 01 -0 0 -1 x", "SREM s -0", "SREM s 0", "SMEMBERS s"}},
		{name: "hashtable integer members", steps: []step{"SADD s a 1 2", "SREM s a", "SISMEMBER s 1", "SISMEMBER s 01",
			"SADD s 01", "SCARD s", "OBJECT ENCODING s"}},
	})
}

func TestDiffSetPopRandom(t *testing.T) {
	diffCases(t, []dcase{
		{name: "spop single", steps: []step{"SADD s a", "SPOP s", "EXISTS s", "SADD s 7", "SPOP s", "EXISTS s", "SPOP s"}},
		{name: "spop errors", steps: []step{"SPOP s -1", "SPOP s abc", "SPOP s 1 2", "SPOP s 1.5", "SPOP s 0", "SADD s a",
			"SPOP s 0", "SCARD s", "SPOP s -0", "SPOP s 9223372036854775808", "SPOP s 01"}},
		{name: "spop all intset", steps: []step{"SADD s 3 1 2", "SPOP s 3", "EXISTS s", "SADD s 3 1 2", "SPOP s 100",
			"EXISTS s", "SADD s 5", "SPOP s 9223372036854775807", "EXISTS s"}},
		{name: "spop all hashtable of integers", steps: []step{"SADD s a 3 1 2", "SREM s a", "OBJECT ENCODING s",
			"SPOP s 3", "EXISTS s"}},
		{name: "spop all strings", steps: []step{"SADD s a b c", "!sort SPOP s 5", "EXISTS s", "SADD s x 1", "!sort SPOP s 2"}},
		{name: "spop some", steps: []step{"SADD s " + wordList("", 1, 11), "!type SPOP s 3", "SCARD s", "!type SPOP s 6",
			"SCARD s", "OBJECT ENCODING s", "!type SPOP s", "EXISTS s"}},
		{name: "spop rebuild to intset", steps: []step{"SADD s a " + wordList("", 1, 21), "SREM s a", "OBJECT ENCODING s",
			"!type SPOP s 18", "OBJECT ENCODING s", "SCARD s", "SADD t a " + wordList("", 1, 21), "SREM t a", "!type SPOP t 3",
			"OBJECT ENCODING t", "SCARD t"}},
		{name: "spop rebuild strings", steps: []step{"SADD s " + wordList("m", 0, 20), "!type SPOP s 19", "OBJECT ENCODING s",
			"SCARD s"}},
		{name: "srandmember errors", steps: []step{"SRANDMEMBER s abc", "SRANDMEMBER s -9223372036854775808",
			"SRANDMEMBER s 1 2", "SRANDMEMBER nokey -9223372036854775807", "SRANDMEMBER s 1.0", "SADD s a",
			"SRANDMEMBER s -9223372036854775808", "SRANDMEMBER s 9223372036854775808"}},
		{name: "srandmember whole set", steps: []step{"SADD s 3 1 2", "SRANDMEMBER s 3", "SRANDMEMBER s 10",
			"SRANDMEMBER s 9223372036854775807", "SRANDMEMBER s 0", "SADD h a b c", "!sort SRANDMEMBER h 3",
			"!sort SRANDMEMBER h 100", "SRANDMEMBER h 0"}},
		{name: "srandmember one member", steps: []step{"SADD s a", "SRANDMEMBER s", "SRANDMEMBER s 1", "SRANDMEMBER s -3",
			"SRANDMEMBER s 2", "SADD n 42", "SRANDMEMBER n -2", "SRANDMEMBER n"}},
		{name: "srandmember shapes", steps: []step{"SADD t " + wordList("", 1, 11), "!type SRANDMEMBER t 2", "!type SRANDMEMBER t 9",
			"!type SRANDMEMBER t -20", "!type SRANDMEMBER t 1", "!type SRANDMEMBER t", "SADD u " + wordList("x", 0, 100),
			"!type SRANDMEMBER u 5", "!type SRANDMEMBER u 60", "!type SRANDMEMBER u -5", "SCARD u"}},
	})
}

func TestDiffSetMove(t *testing.T) {
	diffCases(t, []dcase{
		{name: "basic", steps: []step{"SADD a 1 2 x", "SADD b 3", "SMOVE a b 1", "!sort SMEMBERS a", "SMEMBERS b",
			"SMOVE a b nothere", "SMOVE a b x", "OBJECT ENCODING b", "!sort SMEMBERS b", "SMEMBERS a"}},
		{name: "creates and deletes", steps: []step{"SADD a 5", "SMOVE a b 5", "EXISTS a", "SMEMBERS b", "OBJECT ENCODING b",
			"SADD c x", "SMOVE c d x", "OBJECT ENCODING d", "EXISTS c", "SMEMBERS d"}},
		{name: "same key", steps: []step{"SADD a 1 x", "SMOVE a a 1", "SMOVE a a 2", "SMOVE a a x", "SCARD a"}},
		{name: "wrongtype", steps: []step{"SET str v", "SADD a 1", "SMOVE a str 1", "SISMEMBER a 1", "SMOVE str a 1",
			"SMOVE nokey str 1", "SMOVE str str 1", "SMOVE a nokey 9", "EXISTS nokey"}},
		{name: "member already in destination", steps: []step{"SADD a 1 2", "SADD b 1", "SMOVE a b 1", "SMEMBERS a",
			"SMEMBERS b", "SMOVE a b 2", "EXISTS a", "SMEMBERS b"}},
		{name: "destination past the intset limit", steps: []step{"SADD b " + wordList("", 0, 512), "SADD a 600",
			"SMOVE a b 600", "OBJECT ENCODING b", "SCARD b", "EXISTS a"}},
		{name: "ttl", steps: []step{"SADD a 1 2", "EXPIRE a 100", "SADD b 3", "EXPIRE b 200", "SMOVE a b 1", "!approx TTL a",
			"!approx TTL b", "SMOVE a c 2", "TTL a", "TTL c"}},
	})
}

func TestDiffSetAlgebra(t *testing.T) {
	diffCases(t, []dcase{
		{name: "sinter", steps: []step{"SADD a 1 2 3 4", "SADD b 2 3 5", "SADD c 3 2 9", "SINTER a b c", "SINTER a",
			"SINTER a nokey", "SINTER b a", "SINTERSTORE d a b c", "SMEMBERS d", "OBJECT ENCODING d", "SINTER a b c a"}},
		{name: "sinter mixed", steps: []step{"SADD a x y 1 2", "SADD b 1 2 3 x", "!sort SINTER a b", "SINTERSTORE d a b",
			"!sort SMEMBERS d", "OBJECT ENCODING d", "SINTERCARD 2 a b"}},
		{name: "sinter hashtable integers store intset", steps: []step{"SADD a x 1 2 3", "SREM a x", "SADD b 3 2 1 0",
			"SINTERSTORE d a b", "OBJECT ENCODING d", "SMEMBERS d"}},
		{name: "sinter tie keeps argument order", steps: []step{"SADD a 3 2 1", "SADD b x 1 2", "SINTER a b", "!sort SINTER b a"}},
		{name: "sinter smallest intset", steps: []step{"SADD a x 1 2 3 4 5", "SADD b 5 4 3", "SINTER a b", "SINTER b a"}},
		{name: "sinter same key", steps: []step{"SADD a 1 2", "SINTER a a", "SINTERCARD 2 a a", "SINTERSTORE d a a",
			"SMEMBERS d"}},
		{name: "sinterstore empty deletes", steps: []step{"SADD a 1", "SADD b 2", "SET d x", "SINTERSTORE d a b", "EXISTS d",
			"SET d x", "SINTERSTORE d a nokey", "EXISTS d", "SET d x", "SINTERSTORE d nokey", "EXISTS d", "SINTERSTORE d a b"}},
		{name: "store replaces value and ttl", steps: []step{"SADD a 1 2", "SET d x EX 100", "SINTERSTORE d a", "TTL d",
			"TYPE d", "SADD d2 9", "EXPIRE d2 100", "SUNIONSTORE d2 a", "TTL d2", "EXPIRE d2 100", "SDIFFSTORE d2 a", "TTL d2",
			"SMEMBERS d2"}},
		{name: "store into a source", steps: []step{"SADD a 1 2 3", "SADD b 2 3 4", "SINTERSTORE a a b", "SMEMBERS a",
			"SUNIONSTORE b b a", "SMEMBERS b", "SDIFFSTORE b b a", "SMEMBERS b"}},
		{name: "sintercard", steps: []step{"SADD a 1 2 3 4 5", "SADD b 3 4 5 6", "SINTERCARD 2 a b", "SINTERCARD 2 a b LIMIT 2",
			"SINTERCARD 2 a b LIMIT 0", "SINTERCARD 2 a b LIMIT 10", "SINTERCARD 2 a b limit 1 LIMIT 3", "SINTERCARD 1 a",
			"SINTERCARD 2 a nokey", "SINTERCARD 1 nokey", "SINTERCARD 1 a LIMIT 1"}},
		{name: "sintercard errors", steps: []step{"SINTERCARD 0 a", "SINTERCARD abc a", "SINTERCARD -1 a", "SINTERCARD 3 a b",
			"SINTERCARD 1 a limit", "SINTERCARD 1 a limit -1", "SINTERCARD 1 a limit abc", "SINTERCARD 1 a foo",
			"SINTERCARD 1 a limit 1 limit 2", "SINTERCARD 9223372036854775808 a", "SINTERCARD 2 a LIMIT",
			"SINTERCARD 1 a LIMIT 1 x", "SINTERCARD 01 a"}},
		{name: "sunion", steps: []step{"SADD a 3 1", "SADD b 2 1", "SUNION a b", "SUNION a nokey b", "SUNIONSTORE d a b",
			"SMEMBERS d", "OBJECT ENCODING d", "SADD c z", "!sort SUNION a c", "SUNIONSTORE d a c", "OBJECT ENCODING d",
			"!sort SMEMBERS d", "SUNION nokey"}},
		{name: "sunion hashtable integers", steps: []step{"SADD a x 5 4", "SREM a x", "SUNION a", "SUNIONSTORE d a",
			"OBJECT ENCODING d", "SMEMBERS d"}},
		{name: "sunion past the limit", steps: []step{"SADD a " + wordList("", 0, 301), "SADD b " + wordList("", 300, 601),
			"!sort SUNION a b", "SUNIONSTORE d a b", "OBJECT ENCODING d", "SUNION a", "SADD c " + wordList("", 300, 513),
			"!sort SUNION a c", "SUNIONSTORE d a c", "OBJECT ENCODING d"}},
		{name: "sunionstore empty", steps: []step{"SET d x", "SUNIONSTORE d nokey nokey2", "EXISTS d", "SUNIONSTORE d nokey"}},
		{name: "sdiff", steps: []step{"SADD a 1 2 3 4", "SADD b 2", "SADD c 4 5", "SDIFF a b c", "SDIFF a", "SDIFF a nokey",
			"SDIFF nokey a", "SDIFF a a", "SDIFF a b a", "SDIFFSTORE d a b c", "SMEMBERS d", "SDIFFSTORE d a a", "EXISTS d",
			"SDIFF c a b"}},
		{name: "sdiff mixed", steps: []step{"SADD a x y 1", "SADD b y", "!sort SDIFF a b", "SDIFFSTORE d a b",
			"OBJECT ENCODING d", "SADD e x 1 2", "SADD g x", "SDIFFSTORE f e g", "OBJECT ENCODING f", "SMEMBERS f", "SDIFF e g"}},
		{name: "sdiff large first", steps: []step{"SADD a " + wordList("", 0, 200), "SADD b " + wordList("", 0, 199), "SADD c 5",
			"SDIFF a b c", "SDIFF a c", "SDIFFSTORE d a b", "SMEMBERS d"}},
		{name: "binary algebra", steps: []step{`SADD a "\x00" "a\x00b" 1`, `SADD b "a\x00b" 2`, "!sort SINTER a b",
			"!sort SUNION a b", "!sort SDIFF a b"}},
	})
}

func TestDiffSetScan(t *testing.T) {
	diffCases(t, []dcase{
		{name: "intset", steps: []step{"SADD s 1 2 3 10 20", "SSCAN s 0", "SSCAN s 99 COUNT 1", "SSCAN s 0 MATCH 2",
			"SSCAN s 0 MATCH * COUNT 1000", "SSCAN s 0 MATCH *0", "SSCAN s 0 match 1* count 2"}},
		{name: "options", steps: []step{"SADD s 1 2 3", "SSCAN s 0 count abc", "SSCAN s 0 COUNT 0", "SSCAN s 0 COUNT -1",
			"SSCAN s 0 TYPE set", "SSCAN s 0 MATCH", "SSCAN s 0 NOPE x", "SSCAN s 0 COUNT 1 MATCH", "SSCAN s abc",
			"SSCAN s -1", "SSCAN s 18446744073709551616", "SSCAN s 18446744073709551615", "SSCAN s +0", "SSCAN s \" 0\"",
			"SSCAN s 0 COUNT 9223372036854775807", "SSCAN s 0 COUNT 9223372036854775808",
			"SSCAN s 0 COUNT x TYPE y", "SSCAN s 0 TYPE y COUNT x"}},
		{name: "small hashtable", steps: []step{"SADD s a b c 1", "!scanset SSCAN s 0", "!scanset SSCAN s 0 MATCH a*",
			"!scanset SSCAN s 0 MATCH [ab]", "!scanset SSCAN s 0 COUNT 100", "SSCAN s 0 MATCH zzz", `SADD b "\x00" "x y"`,
			"!scanset SSCAN b 0"}},
		{name: "missing key", steps: []step{"SSCAN nokey 0 COUNT 0", "SSCAN nokey 0 TYPE x", "SSCAN nokey abc", "SSCAN nokey 7"}},
	})
}

func TestDiffSetMore(t *testing.T) {
	big := strings.Repeat("x", 10000)
	diffCases(t, []dcase{
		{name: "big members", steps: []step{"SADD s " + big + " " + big + "y 1", "SCARD s", "SISMEMBER s " + big,
			"!sort SMEMBERS s", "SREM s " + big, "!sort SMEMBERS s", "OBJECT ENCODING s"}},
		{name: "intset meets hashtable", steps: []step{"SADD a 1 2 3", "SADD b 01 1 x 3", "SINTER a b", "!sort SINTER b a",
			"SINTERCARD 2 a b", "SDIFF a b", "!sort SDIFF b a", "!sort SUNION a b", "SUNIONSTORE u a b", "SCARD u",
			"SISMEMBER u 01", "SINTERSTORE i b a", "OBJECT ENCODING i", "SMEMBERS i"}},
		{name: "count signs", steps: []step{"SADD s 1 2", "SPOP s +1", "SRANDMEMBER s +1", "SRANDMEMBER s -0",
			"SRANDMEMBER s 00", "SPOP s 00", `SPOP s ""`, `SRANDMEMBER s ""`, "SCARD s"}},
		{name: "many keys", steps: []step{"SADD k1 1 2 3 4 5 6 7 8 9", "SADD k2 2 3 4 5 6 7 8 9", "SADD k3 3 4 5 6 7 8 9",
			"SADD k4 4 5 6 7 8 9", "SADD k5 5 6 7 8 9", "SADD k6 6 7 8 9", "SADD k7 7 8 9", "SADD k8 8 9", "SADD k9 9 x",
			"!sort SINTER k1 k2 k3 k4 k5 k6 k7 k8 k9", "SINTER k1 k2 k3 k4 k5 k6 k7 k8", "SUNION k1 k2 k3 k4 k5 k6 k7 k8",
			"!sort SUNION k1 k2 k3 k4 k5 k6 k7 k8 k9", "SDIFF k1 k2 k3 k4 k5 k6 k7 k8 k9", "SDIFF k1 k9 k8 k7 k6 k5 k4 k3 k2",
			"SINTERCARD 9 k1 k2 k3 k4 k5 k6 k7 k8 k9", "SINTERSTORE d k1 k2 k3 k4 k5 k6 k7 k8 k9", "SMEMBERS d",
			"SDIFFSTORE d k1 k3 k5 k7 k9", "SMEMBERS d"}},
		{name: "type and scan type", steps: []step{"SADD s a", "SET str x", "TYPE s", "SCAN 0 TYPE set", "SCAN 0 TYPE SET"}},
		{name: "smismember many", steps: []step{"SADD s " + wordList("", 0, 100), "SMISMEMBER s " + wordList("", 90, 110),
			"SADD h " + wordList("h", 0, 100), "SMISMEMBER h " + wordList("h", 95, 105)}},
	})
}

// TestDiffSetConfigCommand checks set-max-intset-entries through CONFIG
// (on private servers: it changes the configuration) and the set commands'
// COMMAND INFO and GETKEYS.
func TestDiffSetConfigCommand(t *testing.T) {
	s := privateServers(t, nil)
	diffSession(t, s, []step{
		"CONFIG GET set-max-intset-entries", "CONFIG SET set-max-intset-entries 2", "SADD s 1 2", "OBJECT ENCODING s",
		"SADD s 3", "OBJECT ENCODING s", "CONFIG SET set-max-intset-entries -1", "CONFIG SET set-max-intset-entries 1k",
		"CONFIG SET set-max-intset-entries +5", "CONFIG SET set-max-intset-entries 9223372036854775808",
		"CONFIG SET set-max-intset-entries 9223372036854775807", "!pairs CONFIG GET set-max-*",
		"CONFIG SET set-max-intset-entries 0", "SADD z 1", "OBJECT ENCODING z", "CONFIG SET set-max-intset-entries 512",
		"SADD y 1", "OBJECT ENCODING y",
		"COMMAND GETKEYS SINTERCARD 2 a b LIMIT 1", "COMMAND GETKEYS SINTERCARD 3 a b", "COMMAND GETKEYS SINTERCARD 0 a",
		"COMMAND GETKEYS SMOVE a b m", "COMMAND GETKEYS SINTERSTORE d a b", "COMMAND GETKEYS SADD k m",
		"COMMAND GETKEYS SSCAN k 0", `COMMAND GETKEYS SINTERCARD 1x a`, `COMMAND GETKEYS SINTERCARD " +1" a`,
		"COMMAND GETKEYS SINTERCARD 4294967297 a", "COMMAND INFO sintercard sadd smembers sscan",
		"COMMAND DOCS srandmember", "COMMAND INFO sinterstore smove",
	})
}

// TestDiffSetExpiry runs cases that need time to pass, one step at a time
// on both servers (see diffKeysInterleaved).
func TestDiffSetExpiry(t *testing.T) {
	diffKeysInterleaved(t, []dcase{
		{name: "expired set", steps: []step{"SADD s 1 2", "PEXPIRE s 20", "SADD h a b", "PEXPIRE h 20", "SLEEP 60",
			"SCARD s", "SISMEMBER h a", "SMEMBERS s", "SADD s 3", "SMEMBERS s", "TTL s", "SPOP h", "EXISTS h",
			"SADD a x", "PEXPIRE a 20", "SADD b y", "SLEEP 60", "SINTER a b", "SUNION a b", "SMOVE a b x",
			"SMEMBERS b", "SINTERSTORE b a", "EXISTS b"}},
		{name: "store over an expiring key", steps: []step{"SADD a 1", "SADD d 9", "PEXPIRE d 50", "SUNIONSTORE d a",
			"TTL d", "SLEEP 80", "SMEMBERS d"}},
	})
}

// TestDiffSetLimits runs cases on private servers with a small
// set-max-intset-entries, and with 0.
func TestDiffSetLimits(t *testing.T) {
	for _, limit := range []int64{4, 0} {
		t.Run("limit"+strconv.FormatInt(limit, 10), func(t *testing.T) {
			s := privateServers(t, func(c *server.Config) { c.SetMaxIntsetEntries = limit },
				"--set-max-intset-entries", strconv.FormatInt(limit, 10))
			for _, proto := range []string{"2", "3"} {
				t.Run("resp"+proto, func(t *testing.T) {
					diffSession(t, s, []step{
						"!skip HELLO " + proto, "!skip FLUSHALL",
						"SADD s 1 2 3 4", "OBJECT ENCODING s", "SADD s 5", "OBJECT ENCODING s", "!sort SMEMBERS s",
						"SADD a 3 2 1", "OBJECT ENCODING a", "!sort SMEMBERS a",
						"SADD b 1 2 3 4 5 6", "SUNIONSTORE d a", "OBJECT ENCODING d", "SUNIONSTORE d b", "OBJECT ENCODING d",
						"!sort SUNION b", "SINTERSTORE d b s", "OBJECT ENCODING d", "SDIFFSTORE d b a", "OBJECT ENCODING d",
						"SADD m " + wordList("", 0, 30), "!type SPOP m 27", "OBJECT ENCODING m", "SCARD m",
						"SADD x 1 2 3", "SADD y 7", "SMOVE y x 7", "OBJECT ENCODING x", "SMOVE x z 1", "OBJECT ENCODING z",
						"!sort SPOP b 6", "!sort SPOP s 100", "SADD i 9 8 7", "!sort SPOP i 3",
					})
				})
			}
		})
	}
}

// ---- large sets ----

// TestSetLarge loads sets of 100,000 members on both servers and compares
// whole-set replies as sorted collections, and full SSCAN iterations as sets.
func TestSetLarge(t *testing.T) {
	needRedis(t)
	const n = 100_000
	var a, b []string
	for i := 0; i < n; i++ {
		if i%3 == 0 {
			a = append(a, strconv.Itoa(i))
		} else {
			a = append(a, fmt.Sprintf("member:%d", i))
		}
		if i%2 == 0 {
			b = append(b, a[i])
		} else {
			b = append(b, fmt.Sprintf("other:%d", i))
		}
	}
	rc, kc := redisConn(t), kvdConn(t)
	for _, c := range []*conn{rc, kc} {
		c.mustLoad(batchCmds(a, 1000, "SADD", "a"))
		c.mustLoad(batchCmds(b, 1000, "SADD", "b"))
		c.mustLoad(batchCmds(words("", 0, n), 1000, "SADD", "ints"))
	}
	probe := []string{"SMISMEMBER", "a"}
	for i := 0; i < 5000; i++ {
		probe = append(probe, a[i*7%n], fmt.Sprintf("nope:%d", i), strconv.Itoa(i*13))
	}
	exact := [][]string{
		{"SCARD", "a"}, {"SCARD", "b"}, {"SCARD", "ints"}, {"OBJECT", "ENCODING", "a"}, {"OBJECT", "ENCODING", "ints"},
		probe, {"SINTERCARD", "2", "a", "b"}, {"SINTERCARD", "2", "a", "b", "LIMIT", "1000"},
		{"SINTERSTORE", "i", "a", "b"}, {"SUNIONSTORE", "u", "a", "b"}, {"SDIFFSTORE", "d", "a", "b"},
		{"SDIFFSTORE", "d2", "ints", "a"}, {"OBJECT", "ENCODING", "d2"}, {"SCARD", "d2"},
		{"SINTERCARD", "3", "a", "b", "ints"},
	}
	for _, cmd := range exact {
		if want, got := rc.do(cmd...), kc.do(cmd...); want != got {
			t.Errorf("%.60v:\n redis: %q\n   kvd: %q", cmd, truncateStr(want, 200), truncateStr(got, 200))
		}
	}
	sorted := [][]string{
		{"SMEMBERS", "a"}, {"SMEMBERS", "ints"}, {"SINTER", "a", "b"}, {"SUNION", "a", "b"}, {"SDIFF", "a", "b"},
		{"SDIFF", "b", "a", "ints"}, {"SMEMBERS", "u"}, {"SMEMBERS", "i"}, {"SRANDMEMBER", "a", "200000"},
	}
	for _, cmd := range sorted {
		want, got := bulkStrings(t, rc.do(cmd...)), bulkStrings(t, kc.do(cmd...))
		if len(want) == 0 || !slices.Equal(sortedStrings(want), sortedStrings(got)) {
			t.Errorf("%v: redis %d members, kvd %d, or they differ", cmd, len(want), len(got))
		}
	}
	for _, pat := range []string{"member:1*", "*7"} {
		want := bulkStrings(t, kc.do("SMEMBERS", "a"))
		var match []string
		for _, m := range want {
			if ok, _ := path.Match(pat, m); ok {
				match = append(match, m)
			}
		}
		for name, c := range map[string]*conn{"redis": rc, "kvd": kc} {
			got, _ := sscanAll(t, c, "a", 100, "MATCH", pat)
			if !slices.Equal(uniqSorted(got), sortedStrings(match)) {
				t.Errorf("%s: SSCAN a MATCH %s gave %d distinct members, want %d", name, pat, len(uniqSorted(got)), len(match))
			}
		}
	}
	for _, key := range []string{"a", "ints"} {
		members := sortedStrings(bulkStrings(t, kc.do("SMEMBERS", key)))
		for name, c := range map[string]*conn{"redis": rc, "kvd": kc} {
			got, calls := sscanAll(t, c, key, 100)
			if uniq := uniqSorted(got); !slices.Equal(uniq, members) {
				t.Errorf("%s: SSCAN of %s gave %d distinct members, want %d", name, key, len(uniq), len(members))
			}
			if calls < n/100/2 {
				t.Errorf("%s: SSCAN of %s in %d calls of COUNT 100", name, key, calls)
			}
		}
	}
}

// ---- guarantees checked on both servers ----

// TestSetScanUnderChanges checks SSCAN's guarantee while the set changes
// between calls: every member present for the whole iteration is returned.
func TestSetScanUnderChanges(t *testing.T) {
	onBoth(t, sharedServers(), func(t *testing.T, addr string) {
		c := dial(t, addr)
		c.do("FLUSHALL")
		var stable []string
		for i := 0; i < 5000; i++ {
			stable = append(stable, fmt.Sprintf("stable:%d", i))
		}
		c.mustLoad(batchCmds(stable, 1000, "SADD", "s"))
		c.mustLoad(batchCmds(words("gone:", 0, 3000), 1000, "SADD", "s"))
		r := rand.New(rand.NewPCG(7, 7))
		seen := map[string]bool{}
		cursor, added, removed := "0", 0, 0
		for calls := 0; ; calls++ {
			v, err := parseValue(c.do("SSCAN", "s", cursor, "COUNT", "25"))
			if err != nil || len(v.elems) != 2 {
				t.Fatalf("SSCAN: %v", err)
			}
			cursor = v.elems[0].str
			for _, e := range v.elems[1].elems {
				seen[e.str] = true
			}
			if cursor == "0" {
				break
			}
			// Grow the set (Redis rehashes as it grows) and shrink it.
			for j := 0; j < 40; j++ {
				c.do("SADD", "s", fmt.Sprintf("new:%d", added))
				added++
			}
			for j := 0; j < 10 && removed < 3000; j++ {
				c.do("SREM", "s", "gone:"+strconv.Itoa(r.IntN(3000)))
				removed++
			}
			if calls > 100000 {
				t.Fatal("SSCAN does not end")
			}
		}
		for _, m := range stable {
			if !seen[m] {
				t.Fatalf("%s was in the set throughout but SSCAN never returned it", m)
			}
		}
	})
}

// TestSetRandomInvariants checks SPOP and SRANDMEMBER by their invariants
// on both servers: counts, distinctness, membership, removal.
func TestSetRandomInvariants(t *testing.T) {
	onBoth(t, sharedServers(), func(t *testing.T, addr string) {
		for _, enc := range []string{"intset", "hashtable"} {
			t.Run(enc, func(t *testing.T) {
				c := dial(t, addr)
				c.do("FLUSHALL")
				all := words("", 0, 400)
				if enc == "hashtable" {
					all = words("m", 0, 1000)
				}
				in := map[string]bool{}
				for _, m := range all {
					in[m] = true
				}
				c.mustLoad(batchCmds(all, 1000, "SADD", "s"))
				if got := bulkText(t, c.do("OBJECT", "ENCODING", "s")); got != enc {
					t.Fatalf("encoding %s", got)
				}
				// SRANDMEMBER, positive counts: distinct members.
				for _, n := range []int{1, 5, len(all)/3 - 1, len(all)/3 + 1, len(all) - 1, len(all), len(all) + 5} {
					got := bulkStrings(t, c.do("SRANDMEMBER", "s", strconv.Itoa(n)))
					if len(got) != min(n, len(all)) {
						t.Fatalf("SRANDMEMBER %d gave %d", n, len(got))
					}
					dup := map[string]bool{}
					for _, m := range got {
						if !in[m] || dup[m] {
							t.Fatalf("SRANDMEMBER %d: %q repeated or not a member", n, m)
						}
						dup[m] = true
					}
				}
				// Negative counts: repeats allowed, all members.
				got := bulkStrings(t, c.do("SRANDMEMBER", "s", "-5000"))
				hit := map[string]bool{}
				for _, m := range got {
					if !in[m] {
						t.Fatalf("SRANDMEMBER -5000: %q not a member", m)
					}
					hit[m] = true
				}
				if len(got) != 5000 || len(hit) < len(all)/2 {
					t.Fatalf("SRANDMEMBER -5000: %d replies, %d distinct", len(got), len(hit))
				}
				// SRANDMEMBER without count visits every member of a small set.
				c.do("SADD", "small", "a", "b", "c")
				seen := map[string]bool{}
				for i := 0; i < 300; i++ {
					seen[bulkText(t, c.do("SRANDMEMBER", "small"))] = true
				}
				if len(seen) != 3 {
					t.Fatalf("SRANDMEMBER on 3 members saw %v", seen)
				}
				// SPOP: small and large counts, then single pops, until empty.
				left := len(all)
				for _, n := range []int{3, left / 2, left/2 - 10, 1} {
					got := bulkStrings(t, c.do("SPOP", "s", strconv.Itoa(n)))
					if len(got) != n {
						t.Fatalf("SPOP %d gave %d", n, len(got))
					}
					for _, m := range got {
						if !in[m] {
							t.Fatalf("SPOP %d: %q repeated or not a member", n, m)
						}
						delete(in, m)
						if r := c.do("SISMEMBER", "s", m); r != ":0\r\n" {
							t.Fatalf("%q still a member after SPOP", m)
						}
					}
					left -= n
					if r := c.do("SCARD", "s"); r != ":"+strconv.Itoa(left)+"\r\n" {
						t.Fatalf("SCARD after SPOP %d: %q, want %d", n, r, left)
					}
				}
				for left > 0 {
					m := bulkText(t, c.do("SPOP", "s"))
					if !in[m] {
						t.Fatalf("SPOP: %q repeated or not a member", m)
					}
					delete(in, m)
					left--
				}
				if r := c.do("EXISTS", "s"); r != ":0\r\n" {
					t.Fatalf("emptied set still exists: %q", r)
				}
			})
		}
	})
}

// ---- seeded random command stream ----

// TestDiffSetRandomStream replays a seeded random stream of set commands on
// both servers (with set-max-intset-entries 8, so that sets change encoding
// often) and compares every reply; unordered collection replies are
// compared sorted. KVD_SET_SEED replays a given seed.
func TestDiffSetRandomStream(t *testing.T) {
	s := privateServers(t, func(c *server.Config) { c.SetMaxIntsetEntries = 8 }, "--set-max-intset-entries", "8")
	seed := testSeed(t, "KVD_SET_SEED")
	r := rand.New(rand.NewPCG(seed, 0))
	keys := []string{"s0", "s1", "s2", "s3", "str"}
	universe := []string{"0", "1", "2", "3", "5", "8", "13", "-1", "-7", "100000", "9223372036854775807",
		"01", "-0", "a", "b", "c", "x y", "\x00", ""}
	key := func() string { return keys[r.IntN(len(keys))] }
	mem := func() string { return universe[r.IntN(len(universe))] }
	mems := func(n int) []string {
		out := make([]string, n)
		for i := range out {
			out[i] = mem()
		}
		return out
	}
	keyList := func() []string {
		out := make([]string, 1+r.IntN(3))
		for i := range out {
			out[i] = key()
		}
		return out
	}
	unordered := map[string]bool{"SMEMBERS": true, "SINTER": true, "SUNION": true, "SDIFF": true, "SPOP": true, "SRANDMEMBER": true}
	rc, kc := dial(t, s.redis), dial(t, s.kvd)
	for _, c := range []*conn{rc, kc} {
		c.do("FLUSHALL")
		c.do("SET", "str", "v")
	}
	for i := 0; i < 3000; i++ {
		var cmd []string
		switch op := r.IntN(20); op {
		case 0, 1, 2, 3:
			cmd = append([]string{"SADD", key()}, mems(1+r.IntN(4))...)
		case 4, 5:
			cmd = append([]string{"SREM", key()}, mems(1+r.IntN(3))...)
		case 6:
			cmd = []string{"SCARD", key()}
		case 7:
			cmd = []string{"SISMEMBER", key(), mem()}
		case 8:
			cmd = append([]string{"SMISMEMBER", key()}, mems(1+r.IntN(3))...)
		case 9:
			cmd = []string{"SMEMBERS", key()}
		case 10:
			cmd = []string{"SMOVE", key(), key(), mem()}
		case 11:
			cmd = append([]string{"SINTER"}, keyList()...)
		case 12:
			ks := keyList()
			cmd = append([]string{"SINTERCARD", strconv.Itoa(len(ks))}, ks...)
			if r.IntN(2) == 0 {
				cmd = append(cmd, "LIMIT", strconv.Itoa(r.IntN(3)))
			}
		case 13:
			cmd = append([]string{[]string{"SINTERSTORE", "SUNIONSTORE", "SDIFFSTORE"}[r.IntN(3)], key()}, keyList()...)
		case 14:
			cmd = append([]string{"SUNION"}, keyList()...)
		case 15:
			cmd = append([]string{"SDIFF"}, keyList()...)
		case 16:
			cmd = []string{"OBJECT", "ENCODING", key()}
		case 17:
			// Deterministic forms of the random commands: the whole set.
			cmd = []string{[]string{"SPOP", "SRANDMEMBER"}[r.IntN(2)], key(), "1000"}
		case 18:
			cmd = []string{"EXISTS", key()}
		case 19:
			cmd = []string{"TYPE", key()}
		}
		want, got := rc.do(cmd...), kc.do(cmd...)
		if want == got {
			continue
		}
		if unordered[cmd[0]] {
			wv, err1 := parseValue(want)
			gv, err2 := parseValue(got)
			if err1 == nil && err2 == nil && wv.sorted().String() == gv.sorted().String() {
				continue
			}
		}
		t.Fatalf("command %d %q:\n redis: %q\n   kvd: %q", i, cmd, want, got)
	}
}

// TestSetSrandmemberOutputLimit checks that SRANDMEMBER with a huge
// negative count stops once the client is over its output buffer limit,
// and the client is closed, rather than building the reply for ever.
func TestSetSrandmemberOutputLimit(t *testing.T) {
	checkOutputLimitCloses(t, []string{"SADD", "s", "a"}, []string{"SRANDMEMBER", "s", "-9223372036854775807"})
}
