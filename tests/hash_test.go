package tests

import (
	"fmt"
	"math/rand/v2"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/kvdserver/kvd/server"
)

// Differential tests of the hash commands. While a hash is small (listpack)
// Redis's order is insertion order, so HGETALL, HKEYS, HVALS, HSCAN and
// HRANDFIELD with a count past the size are compared exactly; once it is a
// hashtable they are compared as sets (!sort, !pairs).

// hsetStep builds the step "HSET key <prefix><i> <val(i)> ..." for n
// fields, i counting from from.
func hsetStep(key, prefix string, from, n int, val func(i int) string) string {
	var b strings.Builder
	b.WriteString("HSET " + key)
	for i := from; i < from+n; i++ {
		b.WriteString(" " + prefix + strconv.Itoa(i) + " " + val(i))
	}
	return b.String()
}

func TestDiffHashSet(t *testing.T) {
	diffCases(t, []dcase{
		{name: "hset basic", steps: []step{
			"HSET h a 1", "HSET h a 2 b 3", "HSET h c 4 d 5 e 6", "HGET h a", "HGETALL h", "HLEN h",
			"HSET h a 2 a 3", "HGET h a", "HSET h b 3 b 3", "HSET h x 1 x 2 y 3", "HGETALL h", "TYPE h",
		}},
		{name: "hset keeps place", steps: []step{
			"HSET h a 1 b 2 c 3", "HSET h b 2222", "HGETALL h", "HSET h b 9", "HGETALL h",
			"HSET h a " + strings.Repeat("z", 40), "HGETALL h", "HSET h c ''", "HGETALL h", "HKEYS h", "HVALS h",
		}},
		{name: "hset arity", steps: []step{
			"HSET", "HSET h", "HSET h a", "HSET h a 1 b", "HSET h a 1 b 2 c", "hset h a 1 b", "EXISTS h",
			"HMSET", "HMSET h", "HMSET h a", "HMSET h a 1 b", "EXISTS h",
		}},
		{name: "hmset", steps: []step{
			"HMSET h a 1 b 2", "HMSET h a 3 c 4", "HGETALL h", "HMSET h a 3", "HLEN h", "hmset h d 1", "HKEYS h",
		}},
		{name: "hsetnx", steps: []step{
			"HSETNX h a 1", "HSETNX h a 2", "HGET h a", "HSETNX h b 3", "HGETALL h", "HSETNX h", "HSETNX h a",
			"HSETNX h a 1 2", "HSETNX h c " + strings.Repeat("v", 100), "OBJECT ENCODING h", "HGET h c",
		}},
		{name: "hsetnx long value on existing field", steps: []step{
			"HSET h a 1", "HSETNX h a " + strings.Repeat("v", 100), "OBJECT ENCODING h", "HGET h a",
			"HSETNX h " + strings.Repeat("f", 65) + " 1", "OBJECT ENCODING h",
		}},
		{name: "case-insensitive names", steps: []step{
			"hSeT h a 1", "HgEt h a", "hmget h a b", "HGETALL h", "hdel h a", "EXISTS h",
		}},
	})
}

func TestDiffHashGet(t *testing.T) {
	diffCases(t, []dcase{
		{name: "hget", steps: []step{
			"HGET h a", "HSET h a 1 b hello", "HGET h a", "HGET h b", "HGET h c", "HGET nokey a",
			"HGET h", "HGET h a b", "HGET",
		}},
		{name: "hmget", steps: []step{
			"HMGET h a", "HMGET h a b c", "HSET h a 1 c 3", "HMGET h a b c", "HMGET h c c a", "HMGET h z",
			"HMGET h", "HMGET",
		}},
		{name: "hstrlen", steps: []step{
			"HSTRLEN h a", "HSET h a hello b 12345 c -1 d '' e 3.14", "HSTRLEN h a", "HSTRLEN h b", "HSTRLEN h c",
			"HSTRLEN h d", "HSTRLEN h e", "HSTRLEN h zz", "HSTRLEN h", "HSTRLEN h a b",
			"HSET h big " + strings.Repeat("x", 1000), "HSTRLEN h big", "HSTRLEN h b",
		}},
		{name: "hexists", steps: []step{
			"HEXISTS h a", "HSET h a 1", "HEXISTS h a", "HEXISTS h b", "HEXISTS h", "HEXISTS h a b",
			"HDEL h a", "HEXISTS h a",
		}},
		{name: "hlen", steps: []step{
			"HLEN h", "HSET h a 1 b 2", "HLEN h", "HSET h a 5", "HLEN h", "HDEL h a", "HLEN h", "HLEN", "HLEN h x",
		}},
		{name: "hkeys hvals hgetall", steps: []step{
			"HKEYS h", "HVALS h", "HGETALL h",
			"HSET h z 1 y 2 x 3 w 4", "HKEYS h", "HVALS h", "HGETALL h",
			"HDEL h y", "HSET h y 5 v 6", "HKEYS h", "HVALS h", "HGETALL h",
			"HKEYS", "HKEYS h x", "HVALS", "HVALS h x", "HGETALL", "HGETALL h x",
		}},
	})
}

func TestDiffHashDel(t *testing.T) {
	diffCases(t, []dcase{
		{name: "hdel", steps: []step{
			"HDEL h a", "HSET h a 1 b 2 c 3 d 4", "HDEL h a", "HDEL h a", "HGETALL h", "HDEL h b c zz", "HGETALL h",
			"HDEL h", "HDEL",
		}},
		{name: "hdel last field removes key", steps: []step{
			"HSET h a 1", "HDEL h a", "EXISTS h", "TYPE h", "HLEN h", "HGETALL h",
			"HSET h a 1 b 2", "HDEL h a b c", "EXISTS h", "HSET h a 1", "HDEL h a a a", "EXISTS h",
		}},
		{name: "hdel duplicates", steps: []step{
			"HSET h a 1 b 2 c 3", "HDEL h a a b", "HGETALL h", "HDEL h c c", "EXISTS h",
		}},
		{name: "hdel with ttl", steps: []step{
			"HSET h a 1 b 2", "EXPIRE h 1000", "HDEL h a", "!approx TTL h", "HSET h c 3", "!approx TTL h",
			"HDEL h b c", "TTL h", "HSET h a 1", "TTL h",
		}},
	})
}

func TestDiffHashIncr(t *testing.T) {
	diffCases(t, []dcase{
		{name: "hincrby", steps: []step{
			"HINCRBY h a 1", "HINCRBY h a 10", "HINCRBY h a -100", "HGET h a", "HINCRBY h b -5", "HGETALL h",
			"HINCRBY h a 0", "HSTRLEN h a", "HINCRBY nokey f 5", "HGETALL nokey",
		}},
		{name: "hincrby errors", steps: []step{
			"HSET h s abc f 1.5 sp ' 1' p +1 z 01 e '' m -0 big 99999999999999999999",
			"HINCRBY h s 1", "HINCRBY h f 1", "HINCRBY h sp 1", "HINCRBY h p 1", "HINCRBY h z 1", "HINCRBY h e 1",
			"HINCRBY h m 1", "HINCRBY h big 1", "HGETALL h",
			"HINCRBY h a x", "HINCRBY h a 1.5", "HINCRBY h a ''", "HINCRBY h a 9223372036854775808", "HINCRBY h a ' 1'",
			"HINCRBY h a", "HINCRBY h a 1 2", "EXISTS h2", "HINCRBY h2 a x", "EXISTS h2",
		}},
		{name: "hincrby overflow", steps: []step{
			"HSET h max 9223372036854775807 min -9223372036854775808",
			"HINCRBY h max 1", "HINCRBY h max 0", "HINCRBY h max -1", "HINCRBY h max 1",
			"HINCRBY h min -1", "HINCRBY h min 1", "HINCRBY h min -1", "HINCRBY h min -9223372036854775808",
			"HINCRBY h x -9223372036854775808", "HINCRBY h x -1", "HINCRBY h x 9223372036854775807", "HINCRBY h x 9223372036854775807",
			"HGETALL h",
		}},
		{name: "hincrbyfloat", steps: []step{
			"HINCRBYFLOAT h a 1.5", "HINCRBYFLOAT h a 0.1", "HINCRBYFLOAT h a -10", "HINCRBYFLOAT h b 3", "HINCRBYFLOAT h b 2.0e2",
			"HINCRBYFLOAT h c 0.1", "HINCRBYFLOAT h c 0.2", "HINCRBYFLOAT h d 1e-5", "HINCRBYFLOAT h e 0x10",
			"HINCRBYFLOAT h f 5.0e3", "HINCRBYFLOAT h g -0", "HINCRBYFLOAT h i 1.23456789012345678901",
			"HINCRBYFLOAT h j 1e30", "HINCRBYFLOAT h k -1.5e-300", "HGETALL h",
			"HSET h n 10", "HINCRBYFLOAT h n 0.5", "HINCRBYFLOAT h n -0.5", "HGET h n", "HINCRBY h n 1",
		}},
		{name: "hincrbyfloat errors", steps: []step{
			"HSET h s abc sp ' 1' e '' inf inf x 1", "HINCRBYFLOAT h s 1", "HINCRBYFLOAT h sp 1", "HINCRBYFLOAT h e 1",
			"HINCRBYFLOAT h inf 1", "HINCRBYFLOAT h x inf", "HINCRBYFLOAT h x -inf", "HINCRBYFLOAT h x nan",
			"HINCRBYFLOAT h x abc", "HINCRBYFLOAT h x ''", "HINCRBYFLOAT h x ' 1'", "HINCRBYFLOAT h x '1 '",
			"HINCRBYFLOAT h x 1e5000", "HINCRBYFLOAT h x 1e-5000", "HINCRBYFLOAT h x", "HINCRBYFLOAT h x 1 2",
			"HGETALL h", "EXISTS h2", "HINCRBYFLOAT h2 a inf", "HINCRBYFLOAT h2 a x", "EXISTS h2",
		}},
		{name: "hincrbyfloat huge", steps: []step{
			"HINCRBYFLOAT h z 1e4932", "HSTRLEN h z", "HINCRBYFLOAT h z 1e4932", "OBJECT ENCODING h",
			"HINCRBYFLOAT h y 1.18973149535723176502e+4932", "HINCRBYFLOAT h w -1e300", "HINCRBYFLOAT h w -1e300",
		}},
		{name: "incr on wrong type", steps: []step{
			"SET s x", "HINCRBY s f abc", "HINCRBY s f 1", "HINCRBYFLOAT s f abc", "HINCRBYFLOAT s f inf", "HINCRBYFLOAT s f 1",
		}},
	})
}

func TestDiffHashRandfield(t *testing.T) {
	diffCases(t, []dcase{
		{name: "hrandfield missing key", steps: []step{
			"HRANDFIELD h", "HRANDFIELD h 0", "HRANDFIELD h 5", "HRANDFIELD h -5", "HRANDFIELD h 5 WITHVALUES",
			"HRANDFIELD h 0 WITHVALUES",
		}},
		{name: "hrandfield errors", steps: []step{
			"HSET h a 1", "HRANDFIELD h x", "HRANDFIELD h 1.5", "HRANDFIELD h 1 WITHVALUE", "HRANDFIELD h 1 WITHVALUES x",
			"HRANDFIELD h -9223372036854775808", "HRANDFIELD h 9223372036854775808", "HRANDFIELD h -9223372036854775808 WITHVALUES",
			"HRANDFIELD h 4611686018427387904 WITHVALUES", "HRANDFIELD h -4611686018427387904 WITHVALUES",
			"HRANDFIELD h x WITHVALUES", "HRANDFIELD nokey 1 bad", "HRANDFIELD nokey x", "HRANDFIELD",
			"HRANDFIELD h 1 withvalues", `HRANDFIELD h 1 "withvalues\x00x"`, "HRANDFIELD h 1 withvaluesx",
		}},
		{name: "hrandfield single field", steps: []step{
			"HSET h only v", "HRANDFIELD h", "HRANDFIELD h 1", "HRANDFIELD h -1", "HRANDFIELD h -4", "HRANDFIELD h 3",
			"HRANDFIELD h 1 WITHVALUES", "HRANDFIELD h -3 WITHVALUES", "HRANDFIELD h 9 WITHVALUES", "HRANDFIELD h 0",
			"HRANDFIELD h 0 WITHVALUES",
		}},
		{name: "hrandfield whole listpack", steps: []step{
			"HSET h a 1 b 2 c 3 d 4", "HRANDFIELD h 4", "HRANDFIELD h 5", "HRANDFIELD h 100 WITHVALUES",
			"HRANDFIELD h 4 WITHVALUES", "HRANDFIELD h 4611686018427387903 WITHVALUES", "HRANDFIELD h 9223372036854775807",
			"!type HRANDFIELD h -6", "!type HRANDFIELD h -6 WITHVALUES", "!type HRANDFIELD h 2", "!type HRANDFIELD h 3 WITHVALUES",
		}},
		{name: "hrandfield whole hashtable", steps: []step{
			hsetStep("h", "f", 0, 600, func(i int) string { return strconv.Itoa(i * 7) }),
			"!sort HRANDFIELD h 600", "!sort HRANDFIELD h 1000", "!type HRANDFIELD h 599", "!type HRANDFIELD h -1000",
			"!type HRANDFIELD h 10 WITHVALUES", "!type HRANDFIELD h -10 WITHVALUES",
		}},
		{name: "hrandfield wrong type", steps: []step{
			"SET s x", "HRANDFIELD s", "HRANDFIELD s 0", "HRANDFIELD s 5 WITHVALUES", "HRANDFIELD s 5 bad", "HRANDFIELD s x",
		}},
	})
	// The flat RESP2 pair list as a set of pairs.
	diffCases(t, []dcase{{name: "hrandfield whole hashtable pairs", resp2Only: true, steps: []step{
		hsetStep("h", "f", 0, 600, func(i int) string { return strconv.Itoa(i * 7) }),
		"!pairs HRANDFIELD h 600 WITHVALUES", "!pairs HRANDFIELD h 700 WITHVALUES",
	}}, {name: "hrandfield whole hashtable nested pairs", resp3Only: true, steps: []step{
		hsetStep("h", "f", 0, 600, func(i int) string { return strconv.Itoa(i * 7) }),
		"!sort HRANDFIELD h 600 WITHVALUES", "!sort HRANDFIELD h 700 WITHVALUES",
	}}})
}

func TestDiffHashScan(t *testing.T) {
	diffCases(t, []dcase{
		{name: "hscan listpack", steps: []step{
			"HSET h a 1 b 2 c 3 ab 4 ba 5", "HSCAN h 0", "HSCAN h 0 COUNT 1", "HSCAN h 123", "HSCAN h 0 MATCH a*",
			"HSCAN h 0 MATCH *a", "HSCAN h 0 MATCH ? COUNT 2", "HSCAN h 0 MATCH * COUNT 100", "HSCAN h 0 match [ab] count 1",
			"HSCAN h 0 MATCH nothing", "HSCAN h 0 MATCH a* MATCH b*", "HSCAN h 0 COUNT 5 COUNT 1",
			"HSCAN h 18446744073709551615", "HSCAN h -1", "HSCAN h ''",
		}},
		{name: "hscan errors", steps: []step{
			"HSET h a 1", "HSCAN h x", "HSCAN h 1.5", "HSCAN h ' 1'", "HSCAN h 18446744073709551616",
			"HSCAN h 0 COUNT", "HSCAN h 0 COUNT 0", "HSCAN h 0 COUNT -1", "HSCAN h 0 COUNT x", "HSCAN h 0 MATCH",
			"HSCAN h 0 TYPE string", "HSCAN h 0 NOVALUES", "HSCAN h 0 FOO bar", "HSCAN h 0 COUNT x TYPE y",
			"HSCAN h 0 TYPE y COUNT x", "HSCAN h", "HSCAN",
		}},
		{name: "hscan missing key", steps: []step{
			"HSCAN h 0", "HSCAN h 0 COUNT 0", "HSCAN h 0 TYPE x", "HSCAN h x", "HSCAN h 7 MATCH *",
		}},
		{name: "hscan wrong type", steps: []step{
			"SET s x", "HSCAN s 0", "HSCAN s 0 COUNT 0", "HSCAN s x",
		}},
		{name: "hscan integer fields", steps: []step{
			"HSET h 1 a 22 b 333 c -4 d", "HSCAN h 0 MATCH 2*", "HSCAN h 0 MATCH -*", "HSCAN h 0 MATCH *3",
		}},
		{name: "hscan hashtable match nothing", steps: []step{
			hsetStep("h", "f", 0, 600, strconv.Itoa), "HSCAN h 0 MATCH nothing COUNT 10000",
		}},
	})
}

func TestDiffHashWrongTypeArity(t *testing.T) {
	var steps []step
	steps = append(steps, "SET s x")
	for _, cmd := range []string{
		"HSET s a 1", "HSETNX s a 1", "HGET s a", "HMSET s a 1", "HMGET s a", "HDEL s a", "HLEN s", "HSTRLEN s a",
		"HEXISTS s a", "HKEYS s", "HVALS s", "HGETALL s", "HINCRBY s a 1", "HINCRBYFLOAT s a 1", "HRANDFIELD s",
		"HRANDFIELD s 2", "HSCAN s 0",
	} {
		steps = append(steps, cmd)
	}
	steps = append(steps, "GET s", "HSET h a 1", "GET h", "INCR h", "APPEND h x", "TYPE h")
	diffCases(t, []dcase{
		{name: "wrongtype", steps: steps},
		{name: "arity", steps: []step{
			"HSET h", "HSETNX h a", "HSETNX h a b c", "HGET h", "HMSET h a", "HMGET h", "HDEL h", "HLEN", "HLEN a b",
			"HSTRLEN h", "HEXISTS h", "HKEYS", "HVALS", "HGETALL", "HINCRBY h a", "HINCRBYFLOAT h a", "HRANDFIELD",
			"HSCAN h", "HSET h a 1 b",
		}},
	})
}

func TestDiffHashEncoding(t *testing.T) {
	v64, v65 := strings.Repeat("v", 64), strings.Repeat("v", 65)
	f64, f65 := strings.Repeat("f", 64), strings.Repeat("f", 65)
	val := func(i int) string { return "v" + strconv.Itoa(i) }
	diffCases(t, []dcase{
		{name: "512 entries", steps: []step{
			hsetStep("h", "f", 0, 512, val), "OBJECT ENCODING h", "HLEN h", "HGETALL h", "HSCAN h 0 COUNT 10",
			"HSET h f0 again", "OBJECT ENCODING h", "HSET h f512 x", "OBJECT ENCODING h", "HLEN h",
			"HDEL h f512 f511 f510", "OBJECT ENCODING h", "!pairs HGETALL h",
		}},
		{name: "513 entries in one hset", steps: []step{
			hsetStep("h", "f", 0, 513, val), "OBJECT ENCODING h", "HLEN h", "!sort HKEYS h", "!sort HVALS h",
		}},
		{name: "64 and 65 byte values", steps: []step{
			"HSET h a " + v64, "OBJECT ENCODING h", "HSET h b " + v65, "OBJECT ENCODING h", "HDEL h b", "OBJECT ENCODING h",
			"HSET h2 " + f64 + " 1", "OBJECT ENCODING h2", "HSET h2 " + f65 + " 1", "OBJECT ENCODING h2",
			"HSET h3 a 1 b 2 c " + v65, "OBJECT ENCODING h3", "!pairs HGETALL h3",
		}},
		{name: "conversion by incr", steps: []step{
			"HINCRBY h " + f65 + " 1", "OBJECT ENCODING h",
			"HINCRBYFLOAT h2 a 1e70", "OBJECT ENCODING h2", "HGET h2 a",
			"HINCRBYFLOAT h3 a 1e50", "OBJECT ENCODING h3",
			"HSETNX h4 a " + v65, "OBJECT ENCODING h4", "HSETNX h5 " + f65 + " 1", "OBJECT ENCODING h5",
		}},
		{name: "hashtable stays", steps: []step{
			"HSET h a " + v65, "HDEL h a", "EXISTS h", "HSET h a " + v65 + " b 1", "HDEL h a", "OBJECT ENCODING h",
			"HGETALL h", "HSCAN h 0", "HRANDFIELD h", "HRANDFIELD h 2 WITHVALUES",
		}},
		{name: "copy rename keep encoding", steps: []step{
			"HSET h a 1 b 2", "COPY h c", "OBJECT ENCODING c", "HGETALL c", "HSET c a 9", "HGET h a",
			"HSET big x " + v65 + " y 2", "COPY big big2", "OBJECT ENCODING big2", "!pairs HGETALL big2",
			"HSET big2 y 3", "HGET big y", "HDEL big x", "HGET big2 x",
			"RENAME big moved", "OBJECT ENCODING moved", "!pairs HGETALL moved", "TYPE moved",
			"COPY h c", "COPY h c REPLACE", "HGETALL c", "MOVE c 1", "SELECT 1", "HGETALL c", "OBJECT ENCODING c",
		}},
		{name: "expire and type", steps: []step{
			"HSET h a 1", "EXPIRE h 100", "HSET h b 2", "!approx TTL h", "HINCRBY h c 1", "!approx TTL h",
			"PERSIST h", "TTL h", "TYPE h", "DEL h", "TYPE h", "HSET h a 1", "PEXPIREAT h 1", "EXISTS h", "HGET h a",
		}},
	})
}

// TestDiffHashBinary covers NUL bytes, CR LF, empty fields and values, and
// fields that look like integers.
func TestDiffHashBinary(t *testing.T) {
	diffCases(t, []dcase{
		{name: "binary", steps: []step{
			`HSET h "a\x00b" "v\x00\r\n" "\xff\xfe" "\x00" "" ""`, "HGETALL h", `HGET h "a\x00b"`, `HGET h "a"`,
			`HGET h ""`, `HSTRLEN h "a\x00b"`, `HEXISTS h ""`, `HDEL h "a\x00"`, `HDEL h "a\x00b"`, "HGETALL h",
			`HSCAN h 0 MATCH "\xff*"`, `HSET h "" x`, "HGETALL h", `HINCRBY h "" 1`, `HINCRBY h "\x00\x00" 5`, "HGETALL h",
		}},
		{name: "binary hashtable", steps: []step{
			`HSET h "a\x00b" "v\x00\r\n" "\xff\xfe" "\x00" "" "" long ` + strings.Repeat("\x01", 70),
			"OBJECT ENCODING h", "!pairs HGETALL h", `HGET h "a\x00b"`, `HGET h ""`, `HDEL h ""`, `HEXISTS h ""`,
			`HSET h "" ""`, `HGET h ""`, `HSTRLEN h ""`, "HLEN h",
		}},
		{name: "integer-like fields", steps: []step{
			"HSET h 1 1 01 2 -1 3 1.0 4 9223372036854775808 5 -0 6", "HGETALL h", "HGET h 1", "HGET h 01",
			"HINCRBY h 1 1", "HINCRBYFLOAT h 01 1", "HGETALL h",
		}},
	})
}

// TestDiffHashMore covers interactions with the key commands, databases,
// patterns and number formats.
func TestDiffHashMore(t *testing.T) {
	diffCases(t, []dcase{
		{name: "hincrbyfloat formats", steps: []step{
			"HINCRBYFLOAT h a 1.5e-7", "HINCRBYFLOAT h b 123456789.123456789", "HINCRBYFLOAT h c -0.0",
			"HINCRBYFLOAT h d 5.0000000000000001", "HINCRBYFLOAT h e 1e17", "HINCRBYFLOAT h f 9007199254740993",
			"HINCRBYFLOAT h g 0.1", "HINCRBYFLOAT h g 0.1", "HINCRBYFLOAT h g 0.1", "HINCRBYFLOAT h g 0.1",
			"HINCRBYFLOAT h i 3.0", "HINCRBY h i 1", "HINCRBYFLOAT h j 2.5", "HINCRBY h j 1", "HSTRLEN h b",
			"HINCRBYFLOAT h k .5", "HINCRBYFLOAT h l 5.", "HINCRBYFLOAT h m +7", "HINCRBYFLOAT h n 0x1p-3", "HGETALL h",
		}},
		{name: "hmget duplicates and order", steps: []step{
			"HSET h a 1 b 2", "HMGET h b a b a nope b", "HMGET h nope", "HMGET nokey nope nope",
		}},
		{name: "hscan patterns", steps: []step{
			`HSET h a*b 1 axb 2 "a\\b" 3 abc 4 bcd 5 cde 6`, `HSCAN h 0 MATCH "a\\*b"`, "HSCAN h 0 MATCH [^a]*",
			"HSCAN h 0 MATCH [a-b]*", "HSCAN h 0 MATCH *c*", "HSCAN h 0 MATCH ???", `HSCAN h 0 MATCH "a\\\\b"`,
		}},
		{name: "databases", steps: []step{
			"HSET h a 1", "SELECT 1", "HGET h a", "HSET h a 2", "SELECT 0", "HGET h a", "MOVE h 1", "SWAPDB 0 1",
			"HGET h a", "SELECT 1", "HGETALL h", "FLUSHDB", "SELECT 0", "HGETALL h",
		}},
		{name: "del unlink rename", steps: []step{
			"HSET h a 1 b 2", "DEL h", "HLEN h", "HSET h a 1", "UNLINK h", "EXISTS h", "HSET h a 1", "RENAME h g",
			"HGETALL g", "HGETALL h", "SET s x", "RENAME g s", "TYPE s", "HGETALL s", "RENAMENX s h", "HGETALL h",
		}},
		{name: "overwrite string with hash", steps: []step{
			"SET k v", "HSET k a 1", "DEL k", "HSET k a 1", "SET k v", "TYPE k", "GET k", "HGET k a",
		}},
		{name: "listpack order after updates", steps: []step{
			"HSET h a 1 b 2 c 3 d 4 e 5", "HDEL h b d", "HSET h b 6 f 7", "HSET h a 10", "HINCRBY h c 5", "HINCRBYFLOAT h e 0.5",
			"HSETNX h g 8", "HGETALL h", "HKEYS h", "HVALS h", "HRANDFIELD h 100", "HRANDFIELD h 100 WITHVALUES", "HSCAN h 0",
		}},
		{name: "long fields in listpack", steps: []step{
			"HSET h " + strings.Repeat("a", 64) + " " + strings.Repeat("1", 64) + " " + strings.Repeat("b", 63) + " x",
			"OBJECT ENCODING h", "HGETALL h", "HSTRLEN h " + strings.Repeat("a", 64), "HDEL h " + strings.Repeat("a", 64), "HGETALL h",
		}},
		{name: "value size changes", steps: []step{
			"HSET h a 1 b 2 c 3", "HSET h b " + strings.Repeat("y", 60), "HSET h b z", "HSET h b " + strings.Repeat("w", 200),
			"OBJECT ENCODING h", "HGET h b", "HSET h b q", "HSTRLEN h b", "!pairs HGETALL h",
		}},
		{name: "hsetnx with ttl", steps: []step{
			"HSET h a 1", "EXPIRE h 500", "HSETNX h a 2", "HSETNX h b 2", "!approx TTL h", "HGETALL h",
		}},
		{name: "odd arguments", steps: []step{
			`HSET h "" 1 a 2`, `HSCAN h 0 MATCH ""`, "HSCAN h 0 COUNT 9223372036854775807", "HSCAN h 0 COUNT 9223372036854775808",
			"HSCAN h 0 match a count 1 match *", "HRANDFIELD h -0", "HRANDFIELD h 00", "HRANDFIELD h +1",
			"HINCRBY h a 00", "HINCRBY h a +1", "HINCRBY h a -0", "HINCRBYFLOAT h a -0", "HINCRBYFLOAT h a 0e0",
			`HSETNX h "" 5`, `HGET h ""`, "HGETALL h",
		}},
		{name: "hgetall many types of values", steps: []step{
			"HSET h i 12 n -12 f 1.5 z 0 big 12345678901234567890 neg -9223372036854775808 s str e ''",
			"HGETALL h", "HINCRBY h i 1", "HINCRBY h n -1", "HINCRBY h z 0", "HINCRBY h neg 0", "HINCRBY h neg -1", "HGETALL h",
		}},
	})
}

// ---- helpers for tests on private servers and big hashes ----

// smallLimitServers starts a redis-server and a kvd whose hashes convert
// after 4 fields or past 8 bytes, set through the ziplist aliases.
func smallLimitServers(t *testing.T) servers {
	t.Helper()
	return privateServers(t, func(cfg *server.Config) {
		for _, kv := range [][2]string{{"hash-max-ziplist-entries", "4"}, {"hash-max-ziplist-value", "8"}} {
			if err := cfg.Set(kv[0], kv[1]); err != nil {
				t.Fatal(err)
			}
		}
	}, "--hash-max-ziplist-entries", "4", "--hash-max-ziplist-value", "8")
}

func TestDiffHashSmallLimits(t *testing.T) {
	s := smallLimitServers(t)
	diffCasesOn(t, s, []dcase{
		{name: "entries", steps: []step{
			"HSET h a 1 b 2 c 3 d 4", "OBJECT ENCODING h", "HGETALL h", "HSET h e 5", "OBJECT ENCODING h", "!pairs HGETALL h",
			"HDEL h a b c d", "OBJECT ENCODING h", "HGETALL h",
		}},
		{name: "value", steps: []step{
			"HSET h a 12345678", "OBJECT ENCODING h", "HSET h a 123456789", "OBJECT ENCODING h",
			"HSET h2 abcdefgh 1", "OBJECT ENCODING h2", "HSET h2 abcdefghi 1", "OBJECT ENCODING h2",
		}},
		{name: "incr converts", steps: []step{
			"HINCRBY h abcdefghij 1", "OBJECT ENCODING h", "HSET h2 a 1", "HINCRBYFLOAT h2 a 1234567.5", "OBJECT ENCODING h2",
			"HSET h3 a 1", "HINCRBYFLOAT h3 b 1.5", "OBJECT ENCODING h3", "HINCRBY h3 x 123456", "OBJECT ENCODING h3",
			"HSET h4 a 99999999", "HINCRBY h4 a 1", "OBJECT ENCODING h4", "HGET h4 a",
		}},
		{name: "hsetnx", steps: []step{
			"HSET h a 1", "HSETNX h a 123456789", "OBJECT ENCODING h", "HSETNX h abcdefghi 1", "OBJECT ENCODING h",
		}},
		{name: "random on small hashtable", steps: []step{
			"HSET h a 1 b 2 c 3 d 4 e 5", "!sort HRANDFIELD h 5", "!sort HRANDFIELD h 9", "!type HRANDFIELD h 4",
			"!type HRANDFIELD h 2", "!type HRANDFIELD h -7 WITHVALUES", "HSCAN h 0 MATCH nomatch COUNT 100",
		}},
	})
	// Scan whole hashtables through their cursors: same fields on both.
	rc, kc := dial(t, s.redis), dial(t, s.kvd)
	for _, cn := range []*conn{rc, kc} {
		cn.do("FLUSHALL")
		cn.do("HSET", "h", "a", "1", "b", "2", "c", "3", "d", "4", "e", "5", "f", "6", "g", "7")
	}
	for _, count := range []string{"1", "2", "3", "100"} {
		want, got := hscanAll(t, rc, "h", "COUNT", count), hscanAll(t, kc, "h", "COUNT", count)
		if w, g := fmt.Sprint(sortedPairs(want)), fmt.Sprint(sortedPairs(got)); w != g {
			t.Errorf("HSCAN COUNT %s: redis %s, kvd %s", count, w, g)
		}
	}
}

// hscanAll runs a full HSCAN iteration and returns field -> values seen
// (one per time the field was returned).
func hscanAll(t testing.TB, cn *conn, key string, args ...string) map[string][]string {
	t.Helper()
	seen := map[string][]string{}
	scanEach(t, cn, []string{"HSCAN", key}, args, func(items []value) {
		if len(items)%2 != 0 {
			t.Fatalf("HSCAN %s %v returned an odd number of items", key, args)
		}
		for i := 0; i < len(items); i += 2 {
			seen[items[i].str] = append(seen[items[i].str], items[i+1].str)
		}
	})
	return seen
}

// sortedPairs flattens an hscanAll result into sorted "field=value" strings.
func sortedPairs(m map[string][]string) []string {
	var out []string
	for f, vs := range m {
		for _, v := range vs {
			out = append(out, f+"="+v)
		}
	}
	sort.Strings(out)
	return out
}

// loadBigHash fills key with n fields f:<i> = v:<i*31> by pipelined HSETs
// of 100 pairs each, checking every reply.
func loadBigHash(t testing.TB, cn *conn, key string, n int) {
	t.Helper()
	var pairs []string
	for i := 0; i < n; i++ {
		pairs = append(pairs, "f:"+strconv.Itoa(i), "v:"+strconv.Itoa(i*31))
	}
	cmds := batchCmds(pairs, 200, "HSET", key)
	for i, r := range cn.pipeline(cmds) {
		if want := ":" + strconv.Itoa((len(cmds[i])-2)/2) + "\r\n"; r != want {
			t.Fatalf("HSET batch %d: %q, want %q", i, r, want)
		}
	}
}

// TestDiffHashBig loads 100,000 fields into one hash on both servers and
// compares what can be compared: sizes, lookups, whole contents as sets,
// full HSCAN iterations as sets.
func TestDiffHashBig(t *testing.T) {
	needRedis(t)
	const n = 100000
	rc, kc := redisConn(t), kvdConn(t)
	for _, cn := range []*conn{rc, kc} {
		loadBigHash(t, cn, "big", n)
	}
	same := func(what string, args ...string) {
		t.Helper()
		w, g := rc.do(args...), kc.do(args...)
		if w != g {
			t.Errorf("%s:\n redis: %q\n   kvd: %q", what, truncateStr(w, 300), truncateStr(g, 300))
		}
	}
	compare := func(mod string, args ...string) {
		t.Helper()
		w, g := rc.do(args...), kc.do(args...)
		if !sameReply(t, mod, w, g) {
			t.Errorf("%s %v: replies differ (redis %d bytes, kvd %d bytes)", mod, args[0], len(w), len(g))
		}
	}
	same("HLEN", "HLEN", "big")
	same("OBJECT ENCODING", "OBJECT", "ENCODING", "big")
	hmget := []string{"HMGET", "big"}
	for i := 0; i < 2000; i++ {
		hmget = append(hmget, "f:"+strconv.Itoa((i*7919)%(n+500)))
	}
	same("HMGET 2000 fields", hmget...)
	same("HGET", "HGET", "big", "f:99999")
	same("HSTRLEN", "HSTRLEN", "big", "f:12345")
	same("HEXISTS", "HEXISTS", "big", "f:100000")
	compare("pairs", "HGETALL", "big")
	compare("sort", "HKEYS", "big")
	compare("sort", "HVALS", "big")
	compare("sort", "HRANDFIELD", "big", "200000")
	for _, args := range [][]string{{"COUNT", "1000"}, {"MATCH", "f:1234*", "COUNT", "500"}} {
		want, got := hscanAll(t, rc, "big", args...), hscanAll(t, kc, "big", args...)
		if w, g := sortedPairs(want), sortedPairs(got); strings.Join(w, "\n") != strings.Join(g, "\n") {
			t.Errorf("HSCAN %v: redis returned %d pairs, kvd %d", args, len(w), len(g))
		}
		for f, vs := range got {
			if len(vs) != 1 {
				t.Errorf("HSCAN %v: kvd returned %q %d times", args, f, len(vs))
			}
		}
	}
	// The default COUNT over a tenth of the hash.
	for _, cn := range []*conn{rc, kc} {
		cn.do("COPY", "big", "tenth")
		var del []string
		for i := 0; i < n; i++ {
			if i%10 != 0 {
				del = append(del, "f:"+strconv.Itoa(i))
			}
		}
		if r := cn.do(append([]string{"HDEL", "tenth"}, del...)...); r != ":90000\r\n" {
			t.Fatalf("HDEL: %q", r)
		}
	}
	same("HLEN tenth", "HLEN", "tenth")
	same("OBJECT ENCODING tenth", "OBJECT", "ENCODING", "tenth")
	if w, g := sortedPairs(hscanAll(t, rc, "tenth")), sortedPairs(hscanAll(t, kc, "tenth")); strings.Join(w, "\n") != strings.Join(g, "\n") {
		t.Errorf("HSCAN tenth: redis returned %d pairs, kvd %d", len(w), len(g))
	}
	same("HINCRBY", "HINCRBY", "big", "f:777", "5")
	same("HDEL", "HDEL", "big", "f:1", "f:2", "nope")
	same("HLEN after", "HLEN", "big")
}

// TestHashScanMutation checks HSCAN's guarantee on kvd for a hashtable: a
// field present for the whole iteration is returned (once), whatever fields
// are added, removed or updated between calls.
func TestHashScanMutation(t *testing.T) {
	kc := kvdConn(t)
	const stable, churn = 2000, 1000
	var cmds [][]string
	for i := 0; i < stable; i++ {
		cmds = append(cmds, []string{"HSET", "h", "stable:" + strconv.Itoa(i), "v"})
	}
	for i := 0; i < churn; i++ {
		cmds = append(cmds, []string{"HSET", "h", "tmp:" + strconv.Itoa(i), "v"})
	}
	kc.pipeline(cmds)
	if r := kc.do("OBJECT", "ENCODING", "h"); r != "$9\r\nhashtable\r\n" {
		t.Fatalf("OBJECT ENCODING: %q", r)
	}
	seen := map[string]int{}
	cursor, calls, added := "0", 0, 0
	for {
		v, err := parseValue(kc.do("HSCAN", "h", cursor, "COUNT", "10"))
		if err != nil || len(v.elems) != 2 {
			t.Fatalf("bad HSCAN reply: %v", err)
		}
		items := v.elems[1].elems
		for i := 0; i < len(items); i += 2 {
			seen[items[i].str]++
		}
		cursor = v.elems[0].str
		if cursor == "0" {
			break
		}
		calls++
		// Between calls: add fields, delete some, update stable ones in
		// place and with a longer value (a new allocation).
		for j := 0; j < 5; j++ {
			kc.do("HSET", "h", "new:"+strconv.Itoa(added), "v")
			added++
		}
		if calls <= churn/4 {
			kc.do("HDEL", "h", "tmp:"+strconv.Itoa(calls*4-1), "tmp:"+strconv.Itoa(calls*4-2))
		}
		kc.do("HSET", "h", "stable:"+strconv.Itoa(calls%stable), "w")
		kc.do("HSET", "h", "stable:"+strconv.Itoa((calls*7)%stable), "longer value")
	}
	if calls < 100 {
		t.Fatalf("iteration took only %d calls; the test mutates too little", calls)
	}
	checkScannedOnce(t, seen, stable)
}

// TestHashRandfield checks HRANDFIELD by its invariants, on both servers,
// for a listpack and a hashtable hash, in RESP2 and RESP3.
func TestHashRandfield(t *testing.T) {
	needRedis(t)
	for _, srv := range []struct{ name, addr string }{{"redis", env.redisAddr}, {"kvd", env.kvdAddr}} {
		for _, size := range []int{10, 1000} {
			for _, proto := range []int{2, 3} {
				t.Run(fmt.Sprintf("%s/size%d/resp%d", srv.name, size, proto), func(t *testing.T) {
					cn := dialProto(t, srv.addr, proto)
					want := map[string]string{}
					var cmds [][]string
					for i := 0; i < size; i++ {
						f, v := "f"+strconv.Itoa(i), "v"+strconv.Itoa(i*3)
						want[f] = v
						cmds = append(cmds, []string{"HSET", "h", f, v})
					}
					cn.pipeline(cmds)
					checkRandfield(t, cn, proto, want)
				})
			}
		}
	}
}

// randReply runs an HRANDFIELD and returns its fields and values (values
// empty without WITHVALUES), checking the reply's shape for the protocol.
func randReply(t *testing.T, cn *conn, proto int, args ...string) (fields, values []string) {
	t.Helper()
	withValues := len(args) == 4
	raw := cn.do(args...)
	v, err := parseValue(raw)
	if err != nil || v.kind != '*' {
		t.Fatalf("%v: bad reply %q", args, truncateStr(raw, 200))
	}
	for i := 0; i < len(v.elems); i++ {
		e := v.elems[i]
		switch {
		case !withValues:
			fields = append(fields, e.str)
		case proto == 2:
			fields, values = append(fields, e.str), append(values, v.elems[i+1].str)
			i++
		default:
			if e.kind != '*' || len(e.elems) != 2 {
				t.Fatalf("%v: RESP3 element %d is not a pair: %v", args, i, e)
			}
			fields, values = append(fields, e.elems[0].str), append(values, e.elems[1].str)
		}
	}
	return fields, values
}

func checkRandfield(t *testing.T, cn *conn, proto int, want map[string]string) {
	size := len(want)
	check := func(count int, withValues, distinct bool) map[string]int {
		args := []string{"HRANDFIELD", "h", strconv.Itoa(count)}
		if withValues {
			args = append(args, "WITHVALUES")
		}
		fields, values := randReply(t, cn, proto, args...)
		n := count
		if count < 0 {
			n = -count
		} else if count > size {
			n = size
		}
		if len(fields) != n {
			t.Errorf("%v: %d fields, want %d", args, len(fields), n)
		}
		seen := map[string]int{}
		for i, f := range fields {
			v, ok := want[f]
			if !ok {
				t.Errorf("%v: %q is not a field", args, f)
			}
			if withValues && values[i] != v {
				t.Errorf("%v: %q has value %q, want %q", args, f, values[i], v)
			}
			seen[f]++
			if distinct && seen[f] > 1 {
				t.Errorf("%v: %q returned twice", args, f)
			}
		}
		return seen
	}
	for _, count := range []int{1, 2, 3, size / 3, size/3 + 1, size / 2, size - 1, size, size + 1, 3 * size} {
		if count < 1 {
			continue
		}
		check(count, false, true)
		check(count, true, true)
	}
	all := map[string]int{}
	for i := 0; i < 5; i++ {
		for f, n := range check(-(4 * size), i%2 == 0, false) {
			all[f] += n
		}
	}
	if size <= 10 && len(all) != size {
		t.Errorf("negative counts over %d picks reached %d of %d fields", 20*size, len(all), size)
	}
	// A single random field, with no count.
	for i := 0; i < 20; i++ {
		v, err := parseValue(cn.do("HRANDFIELD", "h"))
		if err != nil || v.kind != '$' {
			t.Fatalf("HRANDFIELD h: %v %v", v, err)
		}
		if _, ok := want[v.str]; !ok {
			t.Errorf("HRANDFIELD h: %q is not a field", v.str)
		}
	}
	// Distinct picks cover the hash: over many calls every field turns up.
	if size <= 10 {
		got := map[string]bool{}
		for i := 0; i < 200 && len(got) < size; i++ {
			f, _ := randReply(t, cn, proto, "HRANDFIELD", "h", "2")
			for _, x := range f {
				got[x] = true
			}
		}
		if len(got) != size {
			t.Errorf("HRANDFIELD h 2 reached %d of %d fields in 200 calls", len(got), size)
		}
	}
}

// TestDiffHashRandomStream replays a seeded random stream of hash commands
// on both servers, comparing every reply: exactly while a hash is a
// listpack, as a set once it is a hashtable. It runs with the default
// limits and with tiny ones (so that hashes convert often), in RESP2 and RESP3.
// KVD_HASH_SEED=n replays one seed.
func TestDiffHashRandomStream(t *testing.T) {
	needRedis(t)
	seed := testSeed(t, "KVD_HASH_SEED")
	small := smallLimitServers(t)
	for _, proto := range []int{2, 3} {
		t.Run(fmt.Sprintf("resp%d/default limits", proto), func(t *testing.T) {
			hashStream(t, sharedServers(), proto, seed, 3000, 40)
		})
		t.Run(fmt.Sprintf("resp%d/small limits", proto), func(t *testing.T) {
			hashStream(t, small, proto, seed+1, 3000, 12)
		})
	}
}

// hashStream runs steps random commands over a few keys with up to nfields
// distinct fields each, in RESP proto.
func hashStream(t *testing.T, s servers, proto int, seed uint64, steps, nfields int) {
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	rc, kc := dialProto(t, s.redis, proto), dialProto(t, s.kvd, proto)
	keys := []string{"h1", "h2", "h3", "s"}
	rc.do("SET", "s", "string")
	kc.do("SET", "s", "string")
	field := func() string {
		if rng.IntN(20) == 0 {
			return strings.Repeat("F", 60+rng.IntN(10))
		}
		return "f" + strconv.Itoa(rng.IntN(nfields))
	}
	value := func() string {
		switch rng.IntN(8) {
		case 0:
			return strconv.Itoa(rng.IntN(2000) - 1000)
		case 1:
			return strconv.FormatFloat(rng.Float64()*100, 'f', rng.IntN(4), 64)
		case 2:
			return strings.Repeat("v", 60+rng.IntN(10))
		case 3:
			return ""
		case 4:
			return "x\x00y"
		default:
			return "val" + strconv.Itoa(rng.IntN(100))
		}
	}
	key := func() string {
		if rng.IntN(30) == 0 {
			return "s"
		}
		return keys[rng.IntN(3)]
	}
	encoding := func(k string) string {
		w, g := rc.do("OBJECT", "ENCODING", k), kc.do("OBJECT", "ENCODING", k)
		if w != g {
			t.Fatalf("OBJECT ENCODING %s: redis %q, kvd %q", k, w, g)
		}
		return w
	}
	for i := 0; i < steps; i++ {
		k := key()
		var args []string
		mod := ""
		switch op := rng.IntN(20); op {
		case 0, 1, 2:
			args = []string{"HSET", k}
			for n := 1 + rng.IntN(4); n > 0; n-- {
				args = append(args, field(), value())
			}
		case 3:
			args = []string{"HSETNX", k, field(), value()}
		case 4:
			args = []string{"HGET", k, field()}
		case 5:
			args = []string{"HMGET", k, field(), field(), field()}
		case 6, 7:
			args = []string{"HDEL", k}
			for n := 1 + rng.IntN(3); n > 0; n-- {
				args = append(args, field())
			}
		case 8:
			args = []string{"HLEN", k}
		case 9:
			args = []string{"HSTRLEN", k, field()}
		case 10:
			args = []string{"HEXISTS", k, field()}
		case 11:
			args = []string{"HINCRBY", k, field(), strconv.Itoa(rng.IntN(200) - 100)}
		case 12:
			args = []string{"HINCRBYFLOAT", k, field(), strconv.FormatFloat(rng.Float64()*10-5, 'f', 3, 64)}
		case 13, 14:
			args = []string{[]string{"HGETALL", "HKEYS", "HVALS"}[rng.IntN(3)], k}
			if encoding(k) != "$8\r\nlistpack\r\n" {
				mod = "sort"
				if args[0] == "HGETALL" {
					mod = "pairs"
				}
			}
		case 15:
			args = []string{"HSCAN", k, "0"}
			if rng.IntN(2) == 0 {
				args = append(args, "MATCH", "f1*")
			}
			if encoding(k) == "$9\r\nhashtable\r\n" {
				// Cursors differ: compare a whole iteration as a set.
				w, g := hscanAll(t, rc, k, args[3:]...), hscanAll(t, kc, k, args[3:]...)
				if ws, gs := fmt.Sprint(sortedPairs(w)), fmt.Sprint(sortedPairs(g)); ws != gs {
					t.Fatalf("step %d HSCAN %s: redis %s, kvd %s", i, k, ws, gs)
				}
				continue
			}
		case 16:
			// The whole hash, in order while a listpack.
			args = []string{"HRANDFIELD", k, "1000"}
			if rng.IntN(2) == 0 {
				args = append(args, "WITHVALUES")
			}
			if encoding(k) != "$8\r\nlistpack\r\n" {
				mod = "sort" // RESP3 pairs are arrays: sorted as elements
				if len(args) == 4 && proto == 2 {
					mod = "pairs"
				}
			}
		case 17:
			args = []string{"OBJECT", "ENCODING", k}
		case 18:
			if rng.IntN(4) == 0 {
				args = []string{"DEL", k}
			} else {
				args = []string{"COPY", k, keys[rng.IntN(3)], "REPLACE"}
			}
		case 19:
			args = []string{"HLEN", k}
			if rng.IntN(3) == 0 {
				args = []string{"HINCRBY", k, field(), "x"}
			}
		}
		w, g := rc.do(args...), kc.do(args...)
		if !sameReply(t, mod, w, g) {
			t.Fatalf("step %d %q:\n redis: %q\n   kvd: %q", i, args, truncateStr(w, 400), truncateStr(g, 400))
		}
	}
	// Finally every key's whole contents.
	for _, k := range keys {
		w, g := rc.do("HGETALL", k), kc.do("HGETALL", k)
		if !sameReply(t, "pairs", w, g) {
			t.Errorf("final HGETALL %s:\n redis: %q\n   kvd: %q", k, truncateStr(w, 400), truncateStr(g, 400))
		}
	}
}
