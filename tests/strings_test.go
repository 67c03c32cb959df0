package tests

import (
	"strings"
	"testing"
)

// Differential tests of the string commands. TTLs are compared with
// !approx (the two servers run a case a few milliseconds apart).

func TestDiffStringsSet(t *testing.T) {
	diffCases(t, []dcase{
		{name: "set options", steps: []step{
			"SET k v NX GET", "GET k", "SET k v2 NX GET", "GET k",
			"SET x v XX GET", "GET x", "SET k v3 XX GET", "GET k",
			"SET k v4 GET GET", "SET k v5 get", "GET k",
			"SET k v nx xx", "SET k v xx nx", "SET k v FOO", "SET k v EX", "SET k v PX",
			"SET k v EX 10 PX 10", "SET k v PX 10 EX 10", "SET k v EXAT 10 PXAT 10",
			"SET k v KEEPTTL PX 10", "SET k v PERSIST", "SET k v EX 1.5", "SET k v EX 0",
			"SET k v EX -5", "SET k v PX 0", "SET k v EXAT 0", "SET k v PXAT -1",
			"SET k v EX 9223372036854775807", "SET k v EX 9223372036854775",
			"SET k v PX 9223372036854775807", "SET k v EX 9223372036854775808",
			"GET k",
		}},
		{name: "set nul option", steps: []step{
			`SET k v "nx\x00junk"`, "GET k", `SET k w "xx\x00"`, "GET k", `SET k w "nxx"`,
			`SET k z "get\x00"`, `SET k y "ex\x00" 100`, "!approx TTL k",
		}},
		{name: "set expire", steps: []step{
			"SET k v EX 100", "!approx TTL k", "SET k v2", "TTL k", "GET k",
			"SET k v PX 100000", "!approx TTL k", "SET k v3 KEEPTTL", "!approx TTL k", "GET k",
			"SET k v EX 10 EX 200", "!approx TTL k",
			"SET k v EXAT 1", "GET k", "GET k",
			"SET k v PXAT 1000", "GET k",
			"SET k v EXAT 99999999999", "!approx TTL k",
			"SET k v PXAT 99999999999999", "!approx TTL k",
			"SET k v KEEPTTL GET", "!approx TTL k",
		}},
		{name: "set values", steps: []step{
			`SET k "a\x00b\r\nc"`, "GET k", `SET k ""`, "GET k", "STRLEN k",
			"SET k 12345", "GET k", "SET k -0", "GET k", "SET k 007", "GET k",
			"SET k " + strings.Repeat("x", 100), "GET k", "STRLEN k",
		}},
		{name: "set arity", steps: []step{"SET", "SET k", "set k", "GET", "GET a b"}},
		{name: "setnx", steps: []step{
			"SETNX k v", "SETNX k w", "GET k", "SETNX k", "SETNX k a b",
			"SET t v EX 100", "SETNX t w", "GET t", "!approx TTL t",
		}},
		{name: "setex", steps: []step{
			"SETEX k 100 v", "GET k", "!approx TTL k", "SETEX k 0 v", "SETEX k -1 v",
			"SETEX k abc v", "SETEX k 1.5 v", "SETEX k 100", "SETEX k 100 v x",
			"SETEX k 9223372036854775807 v", "SETEX k 10 w", "GET k", "!approx TTL k",
		}},
		{name: "psetex", steps: []step{
			"PSETEX k 100000 v", "GET k", "!approx TTL k", "PSETEX k 0 v", "PSETEX k -1 v",
			"PSETEX k x v", "PSETEX k 9223372036854775807 v", "PSETEX k 100",
		}},
	})
}

func TestDiffStringsGetVariants(t *testing.T) {
	diffCases(t, []dcase{
		{name: "getset", steps: []step{
			"GETSET k v", "GET k", "GETSET k w", "GET k",
			"SET t v EX 100", "GETSET t w", "TTL t", "GET t",
			`GETSET k "a\x00b"`, "GET k", "GETSET k", "GETSET k a b",
		}},
		{name: "getdel", steps: []step{
			"SET k v", "GETDEL k", "GETDEL k", "GET k", "GET k",
			"SET n 123", "GETDEL n", "GETDEL", "GETDEL a b",
			"SET t v EX 100", "GETDEL t", "TTL t",
		}},
		{name: "getex plain", steps: []step{
			"GETEX missing", "SET k v", "GETEX k", "TTL k", "GETEX", "GETEX k persist",
			"SET t v EX 100", "GETEX t", "!approx TTL t",
		}},
		{name: "getex expire", steps: []step{
			"SET k v", "GETEX k EX 100", "!approx TTL k", "GETEX k PX 200000", "!approx TTL k",
			"GETEX k EXAT 99999999999", "!approx TTL k", "GETEX k PXAT 99999999999999", "!approx TTL k",
			"GETEX k ex 10 ex 20", "!approx TTL k", "GETEX k PERSIST", "TTL k", "GETEX k persist", "TTL k",
		}},
		{name: "getex past", steps: []step{
			"SET k v", "GETEX k EXAT 1", "GET k", "GETEX k", "SET k v",
			"GETEX k PXAT 1", "GET k", "SET k 42", "GETEX k pxat 1000", "GET k",
		}},
		{name: "getex errors", steps: []step{
			"GETEX missing EX 0", "GETEX missing FOO", "SET k v EX 100",
			"GETEX k EX 0", "GETEX k EX -1", "GETEX k PX abc", "GETEX k EXAT 0", "GETEX k PXAT -5",
			"GETEX k EX", "GETEX k PX", "GETEX k persist ex 10", "GETEX k ex 10 persist",
			"GETEX k ex 10 px 10", "GETEX k keepttl", "GETEX k nx", "GETEX k xx", "GETEX k get",
			"GETEX k ex 9223372036854775807", "GETEX k ex 9223372036854775",
			"GETEX k px 9223372036854775807", "GETEX k pxat 9223372036854775807", "GET k",
			"GETEX k exat 9223372036854775", "!approx TTL k",
			"GETEX k persist persist", "TTL k",
		}},
		{name: "mget", steps: []step{
			"MSET a 1 b 2", "MGET a b c", "MGET c", "MGET a a a", "MGET",
			`SET bin "\x00\xff"`, "MGET bin a", "SET e \"\"", "MGET e missing",
		}},
	})
}

func TestDiffStringsMset(t *testing.T) {
	diffCases(t, []dcase{
		{name: "mset", steps: []step{
			"MSET a 1 b 2 c 3", "MGET a b c", "MSET a x", "GET a",
			"MSET a 1 b", "MSET a", "MSET", "mset a 1 b 2 c",
			"MSET d 1 d 2 d 3", "GET d",
			`MSET bin "\x00" empty ""`, "MGET bin empty",
			"SET t v EX 100", "MSET t w", "TTL t", "GET t",
		}},
		{name: "msetnx", steps: []step{
			"MSETNX a 1 b 2", "MGET a b", "MSETNX b 3 c 4", "MGET a b c",
			"MSETNX c 1 c 2", "GET c", "MSETNX x 1 y", "MSETNX x", "MSETNX", "GET x",
			"SET t v EX 100", "MSETNX t 1 u 2", "GET u",
		}},
	})
}

func TestDiffStringsAppendStrlen(t *testing.T) {
	diffCases(t, []dcase{
		{name: "append", steps: []step{
			"APPEND k hello", "APPEND k \" world\"", "GET k", "STRLEN k",
			`APPEND k "\x00\x01"`, "GET k", "APPEND k \"\"", "GET k",
			"APPEND e \"\"", "GET e", "GET e", "STRLEN e",
			"APPEND n 123", "APPEND n 456", "GET n", "INCR n",
			"APPEND", "APPEND k", "APPEND k a b",
		}},
		{name: "append keeps ttl", steps: []step{
			"SET k v EX 100", "APPEND k w", "!approx TTL k", "GET k",
			"SET n 10 EX 100", "APPEND n 0", "!approx TTL n", "INCR n", "!approx TTL n",
		}},
		{name: "append grows", steps: []step{
			"APPEND k " + strings.Repeat("a", 40), "APPEND k " + strings.Repeat("b", 40),
			"APPEND k " + strings.Repeat("c", 100), "STRLEN k", "GET k",
			"SET m " + strings.Repeat("m", 70), "APPEND m z", "GET m",
		}},
		{name: "strlen", steps: []step{
			"STRLEN missing", "SET k hello", "STRLEN k", "SET n -12345", "STRLEN n",
			`SET b "\x00\x00\x00"`, "STRLEN b", "SET e \"\"", "STRLEN e",
			"STRLEN", "STRLEN a b",
		}},
	})
}

func TestDiffStringsIncr(t *testing.T) {
	diffCases(t, []dcase{
		{name: "incr decr", steps: []step{
			"INCR k", "INCR k", "GET k", "DECR k", "DECR k", "DECR k", "GET k",
			"DECR new", "INCR", "INCR a b", "DECR", "DECR a b",
		}},
		{name: "incrby decrby", steps: []step{
			"INCRBY k 10", "INCRBY k -3", "DECRBY k 100", "DECRBY k -5", "GET k",
			"INCRBY k 0", "INCRBY k abc", "INCRBY k 1.5", "INCRBY k \"\"", "INCRBY k +1",
			"INCRBY k \" 1\"", "INCRBY k 01", "INCRBY k -0", "DECRBY k x",
			"INCRBY k 99999999999999999999", "INCRBY", "INCRBY k", "INCRBY k 1 2",
			"DECRBY k", "DECRBY k 1 2",
		}},
		{name: "incr not integer", steps: []step{
			"SET k abc", "INCR k", "DECR k", "INCRBY k 1", "DECRBY k 1",
			"SET k \" 1\"", "INCR k", "SET k \"1 \"", "INCR k", "SET k 1.0", "INCR k",
			"SET k +5", "INCR k", "SET k 0x10", "INCR k", "SET k 007", "INCR k",
			"SET k \"\"", "INCR k", `SET k "1\x00"`, "INCR k",
			"SET k 99999999999999999999", "INCR k", "SET k 123456789012345678901", "INCR k",
			"SET k -9223372036854775809", "DECR k",
		}},
		{name: "incr overflow", steps: []step{
			"SET k 9223372036854775806", "INCR k", "INCR k", "GET k", "INCRBY k 0",
			"SET k -9223372036854775807", "DECR k", "DECR k", "GET k",
			"SET k 1", "INCRBY k 9223372036854775807", "SET k -1", "INCRBY k -9223372036854775808",
			"SET k -2", "INCRBY k -9223372036854775807", "SET k 0", "INCRBY k -9223372036854775808",
			"DECRBY k -9223372036854775807", "SET k 5", "DECRBY k -9223372036854775808",
			"DECRBY missing -9223372036854775808", "DECRBY k 9223372036854775807",
			"SET k -1", "DECRBY k 9223372036854775807", "DECRBY k 1", "GET k",
		}},
		{name: "incr keeps ttl", steps: []step{
			"SET k 5 EX 100", "INCR k", "!approx TTL k", "DECRBY k 10", "!approx TTL k", "GET k",
			"SET s 10", "APPEND s 0", "INCR s", "GET s",
		}},
		{name: "incr binary key", steps: []step{
			`INCR "\x00k"`, `INCRBY "\x00k" 5`, `GET "\x00k"`, "GET k",
		}},
	})
}

func TestDiffStringsIncrByFloat(t *testing.T) {
	tenths := []step{}
	for i := 0; i < 12; i++ {
		tenths = append(tenths, "INCRBYFLOAT k 0.1")
	}
	diffCases(t, []dcase{
		{name: "incrbyfloat tenths", steps: append(tenths, "GET k", "INCRBYFLOAT k -1.2", "INCRBYFLOAT k -0.1")},
		{name: "incrbyfloat basic", steps: []step{
			"INCRBYFLOAT k 10.5", "INCRBYFLOAT k 0.1", "INCRBYFLOAT k -5", "GET k",
			"SET k 10", "INCRBYFLOAT k 1.5", "SET k 5.0e3", "INCRBYFLOAT k 2.0e2",
			"SET k 1", "INCRBYFLOAT k 1", "GET k", "INCRBYFLOAT k 0",
			"INCRBYFLOAT k -2", "INCRBYFLOAT k 1e-18", "INCRBYFLOAT k 0.000003814697265625",
		}},
		{name: "incrbyfloat formats", steps: []step{
			"INCRBYFLOAT a 5.0e3", "INCRBYFLOAT b 0x10", "INCRBYFLOAT c 0x1p-3", "INCRBYFLOAT d +5",
			"INCRBYFLOAT e .5", "INCRBYFLOAT f 1.", "INCRBYFLOAT g 1e+5", "INCRBYFLOAT h -0",
			"INCRBYFLOAT i 00012.5000", "INCRBYFLOAT j 0X1.8P1", "INCRBYFLOAT l 1e25",
			"INCRBYFLOAT m 12345678901234567890123", "INCRBYFLOAT n 0.12345678901234567890123",
			"INCRBYFLOAT o 123456789.123456789", "INCRBYFLOAT p -1e-20", "INCRBYFLOAT q 1e-4940",
			"INCRBYFLOAT r 0.000000000000000015", "INCRBYFLOAT s 0.000000000000000025",
		}},
		{name: "incrbyfloat huge", steps: []step{
			"INCRBYFLOAT k 1e308", "INCRBYFLOAT k 1e308", "STRLEN k",
			"INCRBYFLOAT big 1e4932", "STRLEN big", "INCRBYFLOAT big 1e4932",
			"INCRBYFLOAT max 0x1.fffffffffffffffep16383", "INCRBYFLOAT max 0x1p16319",
			"INCRBYFLOAT max -1e4932",
		}},
		{name: "incrbyfloat bad increments", steps: []step{
			"INCRBYFLOAT k \" 1\"", "INCRBYFLOAT k \"1 \"", "INCRBYFLOAT k nan", "INCRBYFLOAT k inf",
			"INCRBYFLOAT k -inf", "INCRBYFLOAT k Infinity", "INCRBYFLOAT k abc", "INCRBYFLOAT k \"\"",
			"INCRBYFLOAT k 0x", "INCRBYFLOAT k 1e", "INCRBYFLOAT k .", "INCRBYFLOAT k 1e5000",
			"INCRBYFLOAT k 1e-5000", "INCRBYFLOAT k 0x1p-16446", `INCRBYFLOAT k "1\x00"`,
			"INCRBYFLOAT k 1,5", "INCRBYFLOAT k nan(1)", "INCRBYFLOAT k " + strings.Repeat("1", 5200),
			"GET k", "INCRBYFLOAT", "INCRBYFLOAT k", "INCRBYFLOAT k 1 2",
		}},
		{name: "incrbyfloat bad values", steps: []step{
			"SET k abc", "INCRBYFLOAT k 1", "SET k \" 1\"", "INCRBYFLOAT k 1", "SET k \"1 \"", "INCRBYFLOAT k 1",
			"SET k inf", "INCRBYFLOAT k 1", "SET k nan", "INCRBYFLOAT k 1", "SET k 0x10", "INCRBYFLOAT k 1",
			"SET k 1e5000", "INCRBYFLOAT k 1", "SET k 1", "INCRBYFLOAT k abc", "GET k",
		}},
		{name: "incrbyfloat integers", steps: []step{
			"SET k 9223372036854775807", "INCRBYFLOAT k 1", "INCRBYFLOAT k 0.5",
			"SET k 18446744073709551615", "INCRBYFLOAT k 1", "SET k 1e19", "INCRBYFLOAT k 0.5",
			"SET k 17179869184.5", "INCRBYFLOAT k 0.25", "INCR k",
		}},
		{name: "incrbyfloat keeps ttl", steps: []step{
			"SET k 1.5 EX 100", "INCRBYFLOAT k 1", "!approx TTL k", "GET k",
		}},
	})
}

func TestDiffStringsRanges(t *testing.T) {
	diffCases(t, []dcase{
		{name: "getrange", steps: []step{
			"SET k \"Hello World\"", "GETRANGE k 0 4", "GETRANGE k -5 -1", "GETRANGE k 0 -1",
			"GETRANGE k 0 100", "GETRANGE k 5 3", "GETRANGE k -100 2", "GETRANGE k -1 -5",
			"GETRANGE k -3 -5", "GETRANGE k 10 10", "GETRANGE k 11 11", "GETRANGE k 100 200",
			"GETRANGE k -1 0", "GETRANGE k -12 -12", "GETRANGE k 0 0",
			"GETRANGE k -9223372036854775808 9223372036854775807",
			"GETRANGE k 9223372036854775807 -9223372036854775808",
			"GETRANGE k -9223372036854775808 -9223372036854775808",
		}},
		{name: "getrange edge", steps: []step{
			"GETRANGE missing 0 -1", "GETRANGE missing 0 x", "SET k abc",
			"GETRANGE k a 1", "GETRANGE k 0 1.5", "GETRANGE k 0 99999999999999999999",
			"SET e \"\"", "GETRANGE e 0 -1", "GETRANGE e 0 0", "GETRANGE e -1 -1",
			"SET n 12345", "GETRANGE n 1 3", "GETRANGE n -2 -1",
			`SET b "a\x00b\x00c"`, "GETRANGE b 1 3",
			"GETRANGE", "GETRANGE k", "GETRANGE k 0", "GETRANGE k 0 1 2",
		}},
		{name: "substr", steps: []step{
			"SET k abcdef", "SUBSTR k 1 3", "SUBSTR k -2 -1", "SUBSTR k 4 1",
			"SUBSTR missing 0 1", "SUBSTR k x 1", "SUBSTR k 0", "substr k 0 -1",
		}},
		{name: "setrange", steps: []step{
			"SETRANGE k 0 hello", "GET k", "SETRANGE k 6 world", "GET k", "STRLEN k",
			"SETRANGE k 1 EL", "GET k", "SETRANGE k 0 \"\"", "SETRANGE k 100 \"\"", "STRLEN k",
			"SETRANGE p 3 x", "GET p", `SETRANGE p 1 "\x00\xff"`, "GET p",
		}},
		{name: "setrange missing", steps: []step{
			"SETRANGE k 0 \"\"", "GET k", "SETRANGE k 9223372036854775807 \"\"", "GET k",
			"SETRANGE k 5 \"\"", "GET k",
		}},
		{name: "setrange errors", steps: []step{
			"SETRANGE k -1 x", "SETRANGE k -1 \"\"", "SETRANGE k abc x", "SETRANGE k 1.5 x",
			"SETRANGE k 536870911 ab", "SETRANGE k 536870912 a", "SETRANGE k 9223372036854775807 x",
			"SETRANGE k 9223372036854775800 xxxxxxxxxxxxxxxxxx", "SETRANGE k 99999999999999999999 x",
			"GET k", "SET k v", "SETRANGE k 536870912 x", "SETRANGE k 536870912 \"\"", "GET k",
			"SETRANGE", "SETRANGE k", "SETRANGE k 0", "SETRANGE k 0 a b",
		}},
		{name: "setrange int", steps: []step{
			"SET n 12345", "SETRANGE n 0 \"\"", "SETRANGE n 1 9", "GET n", "INCR n",
			"SETRANGE n 10 x", "GET n", "INCR n",
		}},
		{name: "setrange keeps ttl", steps: []step{
			"SET k hello EX 100", "SETRANGE k 1 a", "!approx TTL k", "GET k",
			"SET l " + strings.Repeat("L", 80), "SETRANGE l 90 end", "GET l", "SETRANGE l 2 mid", "GET l",
		}},
	})
}

func TestDiffStringsLCS(t *testing.T) {
	long := strings.Repeat("x", 12000)
	diffCases(t, []dcase{
		{name: "lcs basic", steps: []step{
			"MSET key1 ohmytext key2 mynewtext", "LCS key1 key2", "LCS key1 key2 LEN",
			"LCS key1 key2 IDX", "LCS key1 key2 IDX MINMATCHLEN 4", "LCS key1 key2 IDX MINMATCHLEN 4 WITHMATCHLEN",
			"LCS key1 key2 IDX WITHMATCHLEN", "LCS key1 key2 idx minmatchlen -5 withmatchlen",
			"LCS key2 key1 IDX WITHMATCHLEN", "LCS key1 key1 IDX", "LCS key1 key1",
		}},
		{name: "lcs missing", steps: []step{
			"SET a hello", "LCS a missing", "LCS missing a LEN", "LCS missing other IDX",
			"LCS missing other", "LCS a missing IDX WITHMATCHLEN",
		}},
		{name: "lcs options", steps: []step{
			"MSET a abcdefgh b xbcdyefgz", "LCS a b LEN IDX", "LCS a b IDX LEN", "LCS a b FOO",
			"LCS a b MINMATCHLEN", "LCS a b MINMATCHLEN x", "LCS a b MINMATCHLEN 1.5 IDX",
			"LCS a b IDX MINMATCHLEN 3", "LCS a b IDX MINMATCHLEN 99", "LCS a b MINMATCHLEN 2",
			"LCS a b LEN LEN", "LCS a b WITHMATCHLEN", "LCS a b LEN WITHMATCHLEN",
			"LCS a b FOO MINMATCHLEN x", `LCS a b "idx\x00x"`, "LCS", "LCS a",
		}},
		{name: "lcs strings", steps: []step{
			"MSET a AGGTAB b GXTXAYB", "LCS a b", "LCS a b IDX WITHMATCHLEN",
			"MSET c 1234567890 d 0987654321", "LCS c d", "LCS c d IDX",
			`MSET e "a\x00b\x00c" f "\x00\x00"`, "LCS e f", "LCS e f IDX",
			"MSET g abc h xyz", "LCS g h", "LCS g h IDX", "LCS g h LEN",
			"MSET i aaaa j aa", "LCS i j IDX WITHMATCHLEN", "LCS j i IDX WITHMATCHLEN",
			"MSET k abcabcabc l cbacbacba", "LCS k l", "LCS k l IDX WITHMATCHLEN",
			"MSET m 12 n 1122", "LCS m n IDX",
		}},
		{name: "lcs too big", steps: []step{
			"MSET a " + long + " b " + long, "LCS a b", "LCS a b LEN",
		}},
	})
}

// lcg returns n pseudo-random bytes from a small alphabet, the same on
// every run.
func lcg(seed uint32, n int, alphabet string) string {
	b := make([]byte, n)
	for i := range b {
		seed = seed*1664525 + 1013904223
		b[i] = alphabet[(seed>>16)%uint32(len(alphabet))]
	}
	return string(b)
}

func TestDiffStringsMisc(t *testing.T) {
	manyKeys := "MGET"
	manySet := "MSET"
	for i := 0; i < 50; i++ {
		k := "key" + strings.Repeat("x", i%7) + string(rune('a'+i%26))
		manyKeys += " " + k
		if i%3 == 0 {
			manySet += " " + k + " v" + k
		}
	}
	a, b := lcg(1, 300, "ACGT"), lcg(2, 250, "ACGT")
	diffCases(t, []dcase{
		{name: "case insensitive", steps: []step{
			"set K v", "gEt K", "mGeT K", "IncrByFloat f 1.5", "getex K Px 100000", "!approx ttl K",
			"GeTdEl K", "aPPend K v", "sTRlen K", "incr n", "DecrBy n 3", "SetRange K 3 x", "GetRange K 0 -1",
			"msetnx q 1", "GETSET q 2", "lcs K q", "LCS K K Idx WithMatchLen MinMatchLen 1",
		}},
		{name: "select db", steps: []step{
			"SELECT 1", "SET k one", "INCR n", "INCRBYFLOAT f 2.5", "SELECT 0", "GET k", "MGET k n f",
			"SET k zero", "SELECT 1", "MGET k n f", "GETDEL k", "SELECT 0", "GET k",
		}},
		{name: "expired keys", steps: []step{
			"SET k 5 PXAT 1", "INCR k", "SET a v PXAT 1", "APPEND a x", "GET a",
			"SET s v PXAT 1", "SETRANGE s 2 x", "GET s", "SET g v PXAT 1", "GETSET g w", "GET g",
			"SET d v PXAT 1", "GETDEL d", "STRLEN d", "SET r v PXAT 1", "GETRANGE r 0 -1",
			"SET l v PXAT 1", "LCS l g", "SET m v PXAT 1", "MSETNX m 1", "GET m",
			"SET x v PXAT 1", "GETEX x PERSIST", "SET y v PXAT 1", "MGET y g", "SET f 1.5 PXAT 1", "INCRBYFLOAT f 1",
		}},
		{name: "float then int", steps: []step{
			"INCRBYFLOAT k 5", "INCR k", "INCRBYFLOAT k 1.5", "INCR k", "INCRBYFLOAT k -0.5",
			"INCRBY k 10", "GET k", "INCRBYFLOAT k 1e3", "DECR k",
		}},
		{name: "big values", steps: []step{
			"SET k " + strings.Repeat("abc", 400), "APPEND k " + strings.Repeat("d", 500), "STRLEN k",
			"GETRANGE k 1195 1205", "SETRANGE k 1198 XYZ", "GETRANGE k 1190 1210", "GETRANGE k -10 -1",
			"SETRANGE z 1000 x", "STRLEN z", "GETRANGE z 995 1000", "SETRANGE z 5000 y", "STRLEN z", "GETRANGE z 4998 -1",
		}},
		{name: "lcs long", steps: []step{
			"MSET a " + a + " b " + b, "LCS a b", "LCS a b LEN", "LCS a b IDX", "LCS a b IDX WITHMATCHLEN MINMATCHLEN 3",
			"LCS b a IDX MINMATCHLEN 4",
		}},
		{name: "mget many", steps: []step{manySet, manyKeys, "MSET " + strings.Repeat("k v ", 100), "MGET k k"}},
		{name: "binary keys", steps: []step{
			`MSET "\x00" a "\x00\x00" b "\xff" c`, `MGET "\x00" "\x00\x00" "\xff" ""`, `APPEND "" x`, `GET ""`,
			`INCR "\r\n"`, `GETRANGE "\r\n" 0 -1`, `LCS "\x00" "\x00\x00"`,
		}},
	})
}

// TestDiffStringsEncoding compares OBJECT ENCODING and OBJECT REFCOUNT
// after each string command (shared integers are 0..9999).
func TestDiffStringsEncoding(t *testing.T) {
	x45 := strings.Repeat("x", 45)
	diffCases(t, []dcase{
		{name: "set family", steps: []step{
			"SET k 123", "OBJECT ENCODING k", "OBJECT REFCOUNT k", "SET k 12345", "OBJECT ENCODING k", "OBJECT REFCOUNT k",
			"SET k -0", "OBJECT ENCODING k", "SET k 12345678901234567890", "OBJECT ENCODING k",
			"SET k " + strings.Repeat("x", 44), "OBJECT ENCODING k", "SET k " + x45, "OBJECT ENCODING k",
			"SETEX k 100 12", "OBJECT ENCODING k", "GETEX k PERSIST", "OBJECT ENCODING k",
			"GETSET k 77", "OBJECT ENCODING k", "OBJECT REFCOUNT k", "PSETEX k 100000 hi", "OBJECT ENCODING k",
			"MSET a 1 b hello c " + x45, "OBJECT ENCODING a", "OBJECT ENCODING b", "OBJECT ENCODING c",
			"MSETNX d 20000", "OBJECT ENCODING d", "OBJECT REFCOUNT d",
		}},
		{name: "modifying commands", steps: []step{
			"APPEND a 123", "OBJECT ENCODING a", "OBJECT REFCOUNT a", "APPEND a 4", "OBJECT ENCODING a",
			"INCR a", "OBJECT ENCODING a", "OBJECT REFCOUNT a",
			`APPEND e ""`, "OBJECT ENCODING e", "SET n 12", `APPEND n ""`, "OBJECT ENCODING n",
			"INCRBYFLOAT f 3", "OBJECT ENCODING f", "INCRBYFLOAT f 0.5", "OBJECT ENCODING f",
			"INCRBYFLOAT g 1e308", "OBJECT ENCODING g",
			"SETRANGE s 0 12", "OBJECT ENCODING s", "SET t 12", `SETRANGE t 0 ""`, "OBJECT ENCODING t",
			"SETRANGE t 0 3", "OBJECT ENCODING t", "INCR t", "OBJECT ENCODING t", "OBJECT REFCOUNT t",
			"SET i 9998", "INCR i", "OBJECT REFCOUNT i", "INCR i", "OBJECT REFCOUNT i", "DECR i", "OBJECT REFCOUNT i",
			"SET j -1", "INCR j", "OBJECT REFCOUNT j", "DECRBY j 5", "OBJECT ENCODING j", "OBJECT REFCOUNT j",
		}},
	})
}
