package tests

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
)

// ---- helpers for the key-command tests ----

// diffKeysInterleaved runs each case on both servers at once, one step at a
// time (Redis first, then kvd), so that time passes alike on both. Besides
// the harness's modifiers it understands:
//
//	SLEEP <ms>      a pseudo-step: wait, sending nothing
//	!withinN <cmd>  integer replies may differ by up to N (PTTL, in milliseconds)
func diffKeysInterleaved(t *testing.T, cases []dcase) {
	t.Helper()
	needRedis(t)
	for _, proto := range []int{2, 3} {
		for _, c := range cases {
			if (proto == 2 && c.resp3Only) || (proto == 3 && c.resp2Only) {
				continue
			}
			t.Run(fmt.Sprintf("resp%d/%s", proto, c.name), func(t *testing.T) {
				rc, kc := dialProto(t, env.redisAddr, proto), dialProto(t, env.kvdAddr, proto)
				for i, s := range c.steps {
					mod, args := splitStep(t, s)
					if mod == "" && len(args) == 2 && args[0] == "SLEEP" {
						ms, err := strconv.Atoi(args[1])
						if err != nil {
							t.Fatalf("bad step %q", s)
						}
						time.Sleep(time.Duration(ms) * time.Millisecond)
						continue
					}
					want, got := rc.do(args...), kc.do(args...)
					if !sameKeysReply(t, mod, want, got) {
						t.Errorf("step %d %q:\n redis: %q\n   kvd: %q", i, s, truncateStr(want, 600), truncateStr(got, 600))
					}
				}
			})
		}
	}
}

// sameKeysReply is sameReply with the modifiers of diffKeysInterleaved.
func sameKeysReply(t testing.TB, mod, want, got string) bool {
	if !strings.HasPrefix(mod, "within") {
		return sameReply(t, mod, want, got)
	}
	tol, err := strconv.ParseInt(strings.TrimPrefix(mod, "within"), 10, 64)
	if err != nil {
		t.Fatalf("bad modifier %q", mod)
	}
	wv, err1 := parseValue(want)
	gv, err2 := parseValue(got)
	if err1 != nil || err2 != nil || wv.kind != ':' || gv.kind != ':' {
		return want == got
	}
	a, _ := strconv.ParseInt(wv.str, 10, 64)
	b, _ := strconv.ParseInt(gv.str, 10, 64)
	return a-b <= tol && b-a <= tol
}

// scanAll runs a full SCAN iteration (SCAN cursor args...) and returns the
// keys it returned, with how many times each was returned.
func scanAll(t testing.TB, cn *conn, args ...string) map[string]int {
	t.Helper()
	seen := map[string]int{}
	scanEach(t, cn, []string{"SCAN"}, args, func(keys []value) {
		for _, k := range keys {
			seen[k.str]++
		}
	})
	return seen
}

// keySet returns the sorted keys of a scanAll result.
func keySet(m map[string]int) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// quoteArg writes an argument as a step word (double-quoted, \x escapes).
func quoteArg(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c >= 0x7f || c == '"' || c == '\\' {
			fmt.Fprintf(&b, "\\x%02x", c)
		} else {
			b.WriteByte(c)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// ---- differential cases ----

func TestDiffKeysDelExistsType(t *testing.T) {
	diffCases(t, []dcase{
		{name: "del", steps: []step{"SET a 1", "SET b 2", "DEL a b c", "DEL a", "EXISTS a b", "DEL", "SET x y", "DEL x x x", "DBSIZE"}},
		{name: "unlink", steps: []step{"SET a 1", "SET b 2", "UNLINK a b c", "UNLINK a", "UNLINK", "EXISTS a b", "unlink b"}},
		{name: "del expired", steps: []step{"SET a 1 PXAT 1", "SET b 2", "DEL a b", "DBSIZE"}},
		{name: "exists", steps: []step{"EXISTS nokey", "SET a 1", "EXISTS a", "EXISTS a a a", "EXISTS a nokey a", "EXISTS", "SET e v PXAT 1", "EXISTS e", "EXISTS e a e"}},
		{name: "type", steps: []step{"TYPE nokey", "SET a 1", "TYPE a", "SET s hello", "TYPE s", "TYPE", "TYPE a b", "SET e v PXAT 1", "TYPE e", "type A", "TyPe a"}},
		{name: "touch", steps: []step{"TOUCH", "TOUCH nokey", "SET a 1", "SET b 2", "TOUCH a b a nokey", "SET e v PXAT 1", "TOUCH e a"}},
		{name: "binary keys", steps: []step{`SET "a\x00b" 1`, `SET "a\x00c" 2`, `EXISTS "a\x00b" "a\x00c" "a"`, `TYPE "a\x00b"`, `DEL "a\x00b" a`, `EXISTS "a\x00b"`, `SET "\xff\xfe" v`, `TYPE "\xff\xfe"`, `DEL "\xff\xfe"`, `SET "" empty`, `EXISTS ""`, `TYPE ""`, `DEL ""`}},
		{name: "dbs", steps: []step{"SET a 0", "SELECT 1", "EXISTS a", "SET a 1", "SET b 1", "DEL a b", "SELECT 0", "EXISTS a", "TYPE a", "DEL a", "SELECT 15", "TYPE a", "EXISTS a"}},
	})
}

func TestDiffKeysExpire(t *testing.T) {
	diffCases(t, []dcase{
		{name: "expire basic", steps: []step{"SET k v", "EXPIRE k 100", "!approx TTL k", "PEXPIRE k 200000", "!approx TTL k", "EXPIRE nokey 10", "PEXPIRE nokey 10", "EXPIREAT nokey 4000000000", "PEXPIREAT nokey 4000000000000", "TTL nokey", "DBSIZE"}},
		{name: "expire args", steps: []step{"SET k v", "EXPIRE k", "EXPIRE", "EXPIRE k abc", "EXPIRE k 1.5", "EXPIRE k ' 10'", "EXPIRE k +10", "EXPIRE k 010", "EXPIRE k 10 foo", "EXPIRE k abc foo", "EXPIRE k 10 nx foo", `EXPIRE k 10 "nx\x00y"`, `EXPIRE k 10 "f\x00oo"`, `EXPIRE k 10 "a\r\nb"`, "PEXPIRE k 10 bar", "TTL k"}},
		{name: "expire option conflicts", steps: []step{"SET k v", "EXPIRE k 100 NX XX", "EXPIRE k 100 nx gt", "EXPIRE k 100 NX lt", "EXPIRE k 100 GT LT", "EXPIRE k 100 gt lt nx", "EXPIRE k 100 xx gt lt", "EXPIRE k 100 foo nx xx", "EXPIRE k 100 nx xx foo", "EXPIREAT k 100 nx xx", "PEXPIREAT k 100 gt lt", "TTL k"}},
		{name: "expire nx xx", steps: []step{"SET k v", "EXPIRE k 100 XX", "TTL k", "EXPIRE k 100 NX", "!approx TTL k", "EXPIRE k 200 NX", "!approx TTL k", "EXPIRE k 300 XX", "!approx TTL k", "EXPIRE k 10 nx nx", "EXPIRE k 10 xx XX", "!approx TTL k"}},
		{name: "expire gt lt no ttl", steps: []step{"SET k v", "EXPIRE k 100 GT", "TTL k", "EXPIRE k 100 LT", "!approx TTL k", "SET k2 v", "EXPIRE k2 100 XX LT", "EXPIRE k2 100 XX GT", "TTL k2"}},
		{name: "expireat gt lt", steps: []step{"SET k v", "EXPIREAT k 4000000000", "EXPIRETIME k", "EXPIREAT k 3000000000 GT", "EXPIREAT k 4000000000 GT", "EXPIREAT k 5000000000 GT", "EXPIRETIME k", "EXPIREAT k 5000000000 LT", "EXPIREAT k 4500000000 lt", "EXPIRETIME k", "PEXPIREAT k 4500000000000 GT", "PEXPIREAT k 4500000000001 GT", "PEXPIRETIME k", "EXPIRETIME k", "PEXPIREAT k 4500000000000 xx lt", "PEXPIRETIME k"}},
		{name: "expire past deletes", steps: []step{"SET k v", "EXPIRE k -1", "EXISTS k", "SET k v", "PEXPIREAT k 1", "GET k", "SET k v", "EXPIRE k 0", "DBSIZE", "SET k v", "EXPIREAT k 1000", "EXISTS k", "SET k v", "PEXPIRE k -100000", "EXISTS k", "EXPIRE nokey -1", "DBSIZE"}},
		{name: "expire past with options", steps: []step{"SET k v", "EXPIRE k -1 NX", "EXISTS k", "SET k v EX 100", "EXPIRE k -1 XX", "EXISTS k", "SET k v EX 100", "EXPIRE k -1 GT", "EXISTS k", "EXPIRE k -1 LT", "EXISTS k", "SET k v", "EXPIRE k -1 XX", "EXPIRE k -1 GT", "EXISTS k", "EXPIRE k -1 LT", "EXISTS k"}},
		{name: "expire overflow", steps: []step{"SET k v", "EXPIRE k 9223372036854775807", "EXPIRE k 9223372036854775", "EXPIRE k 9223372036854776", "EXPIRE k -9223372036854775808", "EXPIRE k -9223372036854776", "PEXPIRE k 9223372036854775807", "PEXPIRE k 9223372036854775000", "EXPIREAT k 9223372036854776", "EXPIREAT k 99999999999999999999", "TTL k", "EXPIREAT k 9223372036854775", "EXPIRETIME k", "PEXPIRETIME k", "PEXPIREAT k 9223372036854775807", "EXPIRETIME k", "PEXPIRETIME k", "EXPIRE k -9223372036854775", "EXISTS k"}},
		{name: "expire errors name", steps: []step{"SET k v", "expire k 9223372036854775807", "Pexpire k 9223372036854775807", "EXPIREAT k 9223372036854776", "pexpireAT k 1 foo"}},
		{name: "expire arity", steps: []step{"EXPIRE", "EXPIRE k", "PEXPIRE k", "EXPIREAT k", "PEXPIREAT", "TTL", "TTL a b", "PTTL", "EXPIRETIME", "PEXPIRETIME a b", "PERSIST", "PERSIST a b"}},
	})
}

func TestDiffKeysTTL(t *testing.T) {
	diffCases(t, []dcase{
		{name: "ttl missing and persistent", steps: []step{"TTL nokey", "PTTL nokey", "EXPIRETIME nokey", "PEXPIRETIME nokey", "SET k v", "TTL k", "PTTL k", "EXPIRETIME k", "PEXPIRETIME k", "SET e v PXAT 1", "TTL e", "PTTL e", "EXPIRETIME e"}},
		{name: "ttl relative", steps: []step{"SET k v EX 100", "!approx TTL k", "SET k v PX 100500", "!approx TTL k", "SET k v EX 1", "!approx TTL k", "SET k v", "PEXPIRE k 1499", "!approx TTL k", "SET k v EX 10000000", "!approx TTL k"}},
		{name: "expiretime rounding", steps: []step{"SET k v PXAT 4000000000499", "EXPIRETIME k", "PEXPIRETIME k", "SET k v PXAT 4000000000500", "EXPIRETIME k", "PEXPIRETIME k", "SET k v EXAT 4000000000", "EXPIRETIME k", "PEXPIRETIME k", "PEXPIREAT k 4000000000999", "EXPIRETIME k"}},
		{name: "persist", steps: []step{"PERSIST nokey", "SET k v", "PERSIST k", "EXPIRE k 100", "PERSIST k", "TTL k", "PERSIST k", "SET e v PXAT 1", "PERSIST e", "EXISTS e", "SET k v EX 100", "SET k v2 KEEPTTL", "PERSIST k", "GET k", "TTL k"}},
		{name: "ttl after set", steps: []step{"SET k v EX 100", "SET k v2", "TTL k", "SET k v EX 100", "EXPIRE k 50", "!approx TTL k", "SETEX k 30 v", "!approx TTL k", "PSETEX k 30000 v", "!approx TTL k"}},
		{name: "ttl in other db", steps: []step{"SELECT 2", "SET k v EX 100", "SELECT 0", "TTL k", "SELECT 2", "!approx TTL k", "PERSIST k", "TTL k"}},
	})
}

func TestDiffKeysRename(t *testing.T) {
	long := strings.Repeat("L", 100)
	diffCases(t, []dcase{
		{name: "rename basic", steps: []step{"SET a 1", "RENAME a b", "GET a", "GET b", "EXISTS a", "RENAME nokey x", "RENAME b b", "GET b", "RENAME nokey nokey", "SET c 3", "RENAME b c", "GET c", "EXISTS b", "DBSIZE"}},
		{name: "rename ttl", steps: []step{"SET a v EX 100", "SET b w", "RENAME a b", "!approx TTL b", "SET c x", "RENAME c b", "TTL b", "SET d y PXAT 4000000000000", "RENAME d e", "PEXPIRETIME e", "RENAME e e", "PEXPIRETIME e"}},
		{name: "renamenx", steps: []step{"SET a 1", "SET b 2", "RENAMENX a b", "GET a", "GET b", "RENAMENX a a", "RENAMENX a c", "GET c", "EXISTS a", "RENAMENX nokey x", "RENAMENX nokey nokey"}},
		{name: "rename expired", steps: []step{"SET a v PXAT 1", "RENAME a b", "RENAMENX a b", "SET a v", "SET b w PXAT 1", "RENAMENX a b", "GET b", "SET c z PXAT 1", "RENAME c c"}},
		{name: "rename long and binary", steps: []step{"SET a " + long, "RENAME a b", "GET b", "OBJECT ENCODING b", `RENAME b "\x00\xff"`, `GET "\x00\xff"`, `RENAME "\x00\xff" ""`, `GET ""`, "SET n 123", "RENAME n m", "OBJECT ENCODING m", "OBJECT REFCOUNT m", "SET s 7", "RENAME s t", "OBJECT REFCOUNT t"}},
		{name: "rename arity", steps: []step{"RENAME", "RENAME a", "RENAME a b c", "RENAMENX a", "RENAMENX a b c"}},
		{name: "rename case", steps: []step{"SET A 1", "rename A a", "EXISTS A a", "RenameNX a A", "EXISTS A a"}},
	})
}

func TestDiffKeysCopy(t *testing.T) {
	long := strings.Repeat("x", 80)
	diffCases(t, []dcase{
		{name: "copy basic", steps: []step{"SET a hello", "COPY a b", "GET b", "COPY a b", "COPY a b REPLACE", "SET a world", "COPY a b replace", "GET b", "GET a", "COPY nokey b", "COPY nokey nokey2 REPLACE", "DBSIZE"}},
		{name: "copy same", steps: []step{"SET k v", "COPY k k", "COPY k k DB 0", "COPY k k REPLACE", "COPY nokey nokey", "COPY k k DB 1", "SELECT 1", "GET k", "COPY k k DB 1"}},
		{name: "copy db", steps: []step{"SET a 1", "COPY a a DB 1", "COPY a b DB 1", "SELECT 1", "GET a", "GET b", "SELECT 0", "SET a 2", "COPY a a DB 1", "COPY a a DB 1 REPLACE", "COPY a a REPLACE DB 1", "SELECT 1", "GET a", "COPY a x db 0", "SELECT 0", "GET x"}},
		{name: "copy errors", steps: []step{"SET k v", "COPY k x DB 16", "COPY k x DB -1", "COPY k x DB abc", "COPY k x DB 99999999999", "COPY k x DB -99999999999", "COPY k x DB", "COPY k x replace replace foo", "COPY k x foo DB 100", "COPY k x DB 100 foo", "COPY k x DB 1.0", "COPY k x REPLACE DB", "COPY", "COPY k", "EXISTS x"}},
		{name: "copy ttl", steps: []step{"SET a v EX 100", "COPY a b", "!approx TTL b", "SET c v PXAT 4000000000123", "COPY c d DB 3", "SELECT 3", "PEXPIRETIME d", "SELECT 0", "SET e v", "SET f w EX 100", "COPY e f REPLACE", "TTL f"}},
		{name: "copy expired", steps: []step{"SET a v PXAT 1", "COPY a b", "EXISTS b", "SET c v", "SET d w PXAT 1", "COPY c d", "GET d"}},
		{name: "copy encodings", steps: []step{"SET i 5", "COPY i i2", "OBJECT ENCODING i2", "OBJECT REFCOUNT i", "OBJECT REFCOUNT i2", "RENAME i2 i3", "OBJECT REFCOUNT i3", "SET i3 5", "OBJECT REFCOUNT i3", "SET big 123456", "COPY big big2", "OBJECT ENCODING big2", "OBJECT REFCOUNT big2", "SET e hello", "COPY e e2", "OBJECT ENCODING e2", "SET r " + long, "COPY r r2", "OBJECT ENCODING r2", "GET r2", "SET m 01234567890123456789012345678901234567890123456789", "COPY m m2", "OBJECT ENCODING m2", "GET m2"}},
		{name: "copy independent", steps: []step{"SET a " + long, "COPY a b", "SET a short", "GET b", "SET c small", "COPY c d", "SET c other", "GET d", "GET c"}},
		{name: "copy binary", steps: []step{`SET "\x00a" "\x00v"`, `COPY "\x00a" "\x00b"`, `GET "\x00b"`, `COPY "\x00a" "\x00b" "REPLACE\x00"`, `COPY "\x00a" "\x00b" "replace\x00x"`, `COPY "\x00a" "\x00b" "db\x00" 0`}},
	})
}

func TestDiffKeysMoveSwapdb(t *testing.T) {
	diffCases(t, []dcase{
		{name: "move basic", steps: []step{"SET k v", "MOVE k 1", "EXISTS k", "SELECT 1", "GET k", "MOVE k 0", "SELECT 0", "GET k", "MOVE nokey 1", "DBSIZE"}},
		{name: "move exists in target", steps: []step{"SET k v0", "SELECT 1", "SET k v1", "SELECT 0", "MOVE k 1", "GET k", "SELECT 1", "GET k"}},
		{name: "move ttl", steps: []step{"SET k v PXAT 4000000000000", "MOVE k 2", "SELECT 2", "PEXPIRETIME k", "SET e v PXAT 1", "MOVE e 0", "SELECT 0", "EXISTS e"}},
		{name: "move errors", steps: []step{"SET k v", "MOVE k 0", "MOVE k 16", "MOVE k -1", "MOVE k abc", "MOVE k 9999999999", "MOVE nokey 0", "MOVE k 1.5", "MOVE", "MOVE k", "MOVE k 1 2", "SELECT 3", "MOVE k 3", "MOVE nokey 3"}},
		{name: "move target expired", steps: []step{"SELECT 1", "SET k old PXAT 1", "SELECT 0", "SET k new", "MOVE k 1", "SELECT 1", "GET k"}},
		{name: "swapdb", steps: []step{"SET a 0", "SELECT 1", "SET a 1", "SET b 1", "SWAPDB 0 1", "GET a", "DBSIZE", "SELECT 0", "GET a", "GET b", "DBSIZE", "SWAPDB 1 0", "GET a", "SWAPDB 0 0", "GET a", "SWAPDB 0 5", "SELECT 5", "GET a"}},
		{name: "swapdb errors", steps: []step{"SWAPDB 0 16", "SWAPDB 16 0", "SWAPDB a 0", "SWAPDB 0 a", "SWAPDB 0 9999999999", "SWAPDB 9999999999 a", "SWAPDB -1 0", "SWAPDB 0 -1", "SWAPDB 1.0 0", "SWAPDB", "SWAPDB 0", "SWAPDB 0 1 2"}},
		{name: "swapdb ttl", steps: []step{"SET k v PXAT 4000000000000", "SWAPDB 0 7", "EXISTS k", "SELECT 7", "PEXPIRETIME k"}},
	})
}

func TestDiffKeysKeys(t *testing.T) {
	diffCases(t, []dcase{
		{name: "keys empty", steps: []step{"KEYS *", "KEYS a*", "KEYS"}},
		{name: "keys patterns", steps: []step{
			"SET hello 1", "SET hallo 2", "SET hxllo 3", "SET hllo 4", "SET heeello 5", "SET a*b 6", "SET a?b 7", "SET ab 8", `SET "a\\b" 9`, "SET H 10",
			"!sort KEYS *", "!sort KEYS h?llo", "!sort KEYS h*llo", "!sort KEYS h[ae]llo", "!sort KEYS h[^e]llo", "!sort KEYS h[a-b]llo",
			`!sort KEYS a\*b`, `!sort KEYS a\?b`, "!sort KEYS a*", "KEYS hello", "KEYS nomatch", "!sort KEYS *o", "!sort KEYS [hH]*",
			`!sort KEYS "a\\\\b"`, "!sort KEYS **", "!sort KEYS *[", "!sort KEYS h[", "!sort KEYS [a-", "!sort KEYS ?",
			"KEYS a b",
		}},
		{name: "keys binary", steps: []step{`SET "k\x00a" 1`, `SET "k\x00b" 2`, `SET "k\xff" 3`, `!sort KEYS "k\x00*"`, `!sort KEYS k*`, `KEYS "k\xff"`, `!sort KEYS "k?"`}},
		{name: "keys expired", steps: []step{"SET a 1 PXAT 1", "SET b 2 PXAT 1", "KEYS *", "SET c 3", "KEYS *", "KEYS ?", "SET d 4 PX 100000", "!sort KEYS *"}},
		{name: "keys per db", steps: []step{"SET a 1", "SELECT 1", "SET b 1", "KEYS *", "SELECT 0", "KEYS *"}},
	})
}

func TestDiffKeysRandomkey(t *testing.T) {
	diffCases(t, []dcase{
		{name: "randomkey", steps: []step{"RANDOMKEY", "SET only 1", "RANDOMKEY", "RANDOMKEY x", "randomkey", "DEL only", "RANDOMKEY"}},
		{name: "randomkey expired", steps: []step{"SET a 1 PXAT 1", "SET b 2 PXAT 1", "SET c 3 PXAT 1", "RANDOMKEY", "SET d 4", "RANDOMKEY", "RANDOMKEY", "DBSIZE"}},
		{name: "randomkey binary", steps: []step{`SET "\x00\r\n" 1`, "RANDOMKEY"}},
		{name: "randomkey db", steps: []step{"SELECT 4", "SET x 1", "RANDOMKEY", "SELECT 0", "RANDOMKEY"}},
	})
}

func TestDiffKeysScan(t *testing.T) {
	cursors := []string{"0", `""`, "-0", "+0", "00", "-1", "+5", "18446744073709551615", "-18446744073709551615", "007", "4294967296", `"5\x00abc"`, `"\x00x"`}
	var emptyCursors []step
	for _, c := range cursors {
		emptyCursors = append(emptyCursors, "SCAN "+c)
	}
	diffKeysInterleaved(t, []dcase{
		{name: "scan errors", steps: []step{
			"SCAN", "SCAN abc", `SCAN " 5"`, `SCAN "5 "`, `SCAN "\t5"`, "SCAN -", "SCAN +", "SCAN 0x10", "SCAN 1.5",
			"SCAN 18446744073709551616", "SCAN -18446744073709551616", "SCAN 99999999999999999999999", `SCAN "5\x01"`,
			"SCAN 0 COUNT 0", "SCAN 0 COUNT -1", "SCAN 0 COUNT abc", "SCAN 0 COUNT 99999999999999999999", "SCAN 0 COUNT", "SCAN 0 MATCH",
			"SCAN 0 TYPE", "SCAN 0 FOO", "SCAN 0 COUNT 10 foo", "SCAN 0 foo COUNT abc", "SCAN 0 COUNT abc foo", "SCAN abc COUNT 0",
			"SCAN 0 MATCH * COUNT 0", "SCAN 0 COUNT 1.5", `SCAN 0 "COUNT\x00" 5`, "SCAN 0 COUNT 5 MATCH",
		}},
		{name: "scan empty cursors", steps: emptyCursors},
		{name: "scan small", steps: []step{
			"SET a 1", "SET b 2", "SET c hello", "SET ab 3",
			"!scanset SCAN 0", "!scanset SCAN 0 MATCH a*", "!scanset SCAN 0 MATCH *", "!scanset SCAN 0 match ?", "!scanset SCAN 0 MATCH nomatch",
			"!scanset SCAN 0 TYPE string", "!scanset SCAN 0 TYPE STRING", "!scanset SCAN 0 type list", "!scanset SCAN 0 TYPE foo", "!scanset SCAN 0 TYPE none",
			"!scanset SCAN 0 COUNT 100 MATCH a* TYPE string", "!scanset SCAN 0 COUNT 9223372036854775807", "!scanset SCAN 0 count 5 count 100",
			`!scanset SCAN 0 TYPE "string\x00zz"`, "!scanset SCAN 0 MATCH a* MATCH b*", "!scanset scan 0 Match a*",
		}},
		// Active expiry is off for this case: whether an expired key is still
		// there for SCAN's TYPE filter to see must not depend on timing.
		{name: "scan expired", steps: []step{
			"DEBUG SET-ACTIVE-EXPIRE 0",
			"SET live v", "SET e1 v PXAT 1", "SET e2 v PXAT 1",
			"!scanset SCAN 0 MATCH l*", "!scanset SCAN 0 TYPE none MATCH e1", "EXISTS e1", "!scanset SCAN 0", "!scanset SCAN 0 TYPE none", "!scanset SCAN 0 TYPE string COUNT 100",
			"DEBUG SET-ACTIVE-EXPIRE 1",
		}},
		{name: "scan binary", steps: []step{`SET "k\x00a" 1`, `SET "k\xff" 2`, `!scanset SCAN 0`, `!scanset SCAN 0 MATCH "k\x00*"`, `!scanset SCAN 0 MATCH "k\xff"`}},
		{name: "scan db", steps: []step{"SET a 1", "SELECT 1", "SET b 1", "SET c 2", "!scanset SCAN 0", "SELECT 0", "!scanset SCAN 0"}},
	})
}

func TestDiffKeysObject(t *testing.T) {
	diffCases(t, []dcase{
		{name: "object encoding", steps: []step{
			"SET i 5", "OBJECT ENCODING i", "SET big 9223372036854775807", "OBJECT ENCODING big", "SET over 9223372036854775808", "OBJECT ENCODING over",
			"SET neg -5", "OBJECT ENCODING neg", "SET lead 012", "OBJECT ENCODING lead", "SET mz -0", "OBJECT ENCODING mz", "SET sp \" 5\"", "OBJECT ENCODING sp",
			"SET s hello", "OBJECT ENCODING s", "SET e44 " + strings.Repeat("x", 44), "OBJECT ENCODING e44", "SET r45 " + strings.Repeat("x", 45), "OBJECT ENCODING r45",
			"SET r100 " + strings.Repeat("y", 100), "OBJECT ENCODING r100", `SET empty ""`, "OBJECT ENCODING empty", "OBJECT ENCODING nokey", "object encoding i",
		}},
		{name: "object refcount", steps: []step{
			"SET a 5", "OBJECT REFCOUNT a", "SET z 0", "OBJECT REFCOUNT z", "SET m 9999", "OBJECT REFCOUNT m", "SET n 10000", "OBJECT REFCOUNT n",
			"SET neg -1", "OBJECT REFCOUNT neg", "SET s hello", "OBJECT REFCOUNT s", "SET l 0123", "OBJECT REFCOUNT l", "OBJECT REFCOUNT nokey",
			"SETEX t 100 42", "OBJECT REFCOUNT t", "EXPIRE a 100", "OBJECT REFCOUNT a", "PERSIST a", "OBJECT REFCOUNT a",
		}},
		{name: "object freq idletime", steps: []step{"SET s hello", "OBJECT FREQ s", "OBJECT FREQ nokey", "OBJECT IDLETIME s", "OBJECT IDLETIME nokey", "SET e v PXAT 1", "OBJECT IDLETIME e", "OBJECT ENCODING e"}},
		{name: "object help", steps: []step{"OBJECT HELP", "object help", "OBJECT help", "OBJECT HELP x"}},
		{name: "object errors", steps: []step{"OBJECT", "OBJECT foo", "OBJECT foo bar", "OBJECT ENCODING", "OBJECT ENCODING a b", "OBJECT REFCOUNT", "OBJECT IDLETIME a b", "OBJECT FREQ", `OBJECT "enc\x00oding" a`, "OBJECT ENCODINGX a"}},
	})
}

func TestDiffKeysArity(t *testing.T) {
	diffCases(t, []dcase{
		{name: "arity", steps: []step{"DEL", "UNLINK", "EXISTS", "TYPE", "TYPE a b", "TOUCH", "KEYS", "KEYS a b", "SCAN", "RANDOMKEY a", "SWAPDB", "SWAPDB 0", "MOVE a", "COPY a", "RENAME a", "RENAMENX a", "PERSIST", "TTL", "PTTL", "EXPIRETIME", "PEXPIRETIME", "EXPIRE a", "PEXPIRE a", "EXPIREAT a", "PEXPIREAT a", "OBJECT"}},
	})
}

// TestDiffKeysTimed covers what needs real time to pass: keys expiring
// between commands, and LRU idle times.
func TestDiffKeysTimed(t *testing.T) {
	diffKeysInterleaved(t, []dcase{
		{name: "lazy expiry", steps: []step{
			"SET k v", "PEXPIRE k 1", "SET k2 v PX 1", "SET live v", "SLEEP 20",
			"GET k", "EXISTS k2", "TTL k", "KEYS *", "!scanset SCAN 0", "RANDOMKEY", "TYPE k2", "DBSIZE",
		}},
		{name: "pttl", steps: []step{"SET k v", "PEXPIRE k 5000", "!within25 PTTL k", "SLEEP 100", "!within25 PTTL k", "!approx TTL k", "PEXPIRE k 100000", "!within25 PTTL k"}},
		{name: "idletime", steps: []step{
			"SET k v", "SET t v", "SET g v", "SET x v", "SET c v", "SET cd v", "SET r v", "SET m v", "SET p v", "SET q v EX 1000", "SET e v", "SET s v",
			"SLEEP 2100",
			"!approx OBJECT IDLETIME k", "TYPE k", "EXISTS k", "TTL k", "PTTL k", "OBJECT ENCODING k", "OBJECT REFCOUNT k", "!sort KEYS *", "!scanset SCAN 0 TYPE string COUNT 100",
			"!approx OBJECT IDLETIME k",
			"TOUCH t", "!approx OBJECT IDLETIME t",
			"GET g", "!approx OBJECT IDLETIME g",
			"EXPIRE x 100", "!approx OBJECT IDLETIME x",
			"COPY c c2", "!approx OBJECT IDLETIME c", "!approx OBJECT IDLETIME c2",
			"COPY k cd", "!approx OBJECT IDLETIME cd",
			"RENAME r r2", "!approx OBJECT IDLETIME r2",
			"MOVE m 1", "SELECT 1", "!approx OBJECT IDLETIME m", "SELECT 0",
			"PERSIST p", "!approx OBJECT IDLETIME p", "PERSIST q", "!approx OBJECT IDLETIME q",
			"EXPIRE e -1 GT", "!approx OBJECT IDLETIME e",
			"SET s w", "!approx OBJECT IDLETIME s",
		}},
	})
}

// TestDiffKeysScanFull compares the set of keys a full SCAN iteration
// returns on both servers, with and without filters, over enough keys to
// take many calls.
func TestDiffKeysScanFull(t *testing.T) {
	needRedis(t)
	rc, kc := redisConn(t), kvdConn(t)
	for _, cn := range []*conn{rc, kc} {
		for i := 0; i < 600; i++ {
			cn.do("SET", "key:"+strconv.Itoa(i), strconv.Itoa(i))
		}
		for i := 0; i < 50; i++ {
			cn.do("SET", "gone:"+strconv.Itoa(i), "v", "PXAT", "1")
		}
		cn.do("SET", "bin\x00key", "v")
		cn.do("SELECT", "1")
		cn.do("SET", "other", "v")
		cn.do("SELECT", "0")
	}
	for _, args := range [][]string{
		nil, {"COUNT", "1"}, {"COUNT", "7"}, {"COUNT", "1000"}, {"MATCH", "key:1*"}, {"MATCH", "key:?", "COUNT", "3"},
		{"TYPE", "string"}, {"TYPE", "hash"}, {"MATCH", "gone:*"}, {"MATCH", "bin*"}, {"TYPE", "none", "MATCH", "nothing"},
	} {
		want, got := scanAll(t, rc, args...), scanAll(t, kc, args...)
		if w, g := keySet(want), keySet(got); strings.Join(w, "\n") != strings.Join(g, "\n") {
			t.Errorf("SCAN %v: redis returned %d keys, kvd %d", args, len(w), len(g))
		}
		for k, n := range got {
			if n != 1 {
				t.Errorf("SCAN %v: kvd returned %q %d times", args, k, n)
			}
		}
	}
}

// TestKeysScanMutation checks SCAN's guarantee on kvd: a key present for
// the whole iteration is returned, whatever is added or removed between
// calls, and no key is returned twice.
func TestKeysScanMutation(t *testing.T) {
	kc := kvdConn(t)
	const stable, churn = 400, 300
	for i := 0; i < stable; i++ {
		kc.do("SET", "stable:"+strconv.Itoa(i), "v")
	}
	for i := 0; i < churn; i++ {
		kc.do("SET", "tmp:"+strconv.Itoa(i), "v")
	}
	seen := map[string]int{}
	cursor, calls, added, removed := "0", 0, 0, 0
	for {
		v, err := parseValue(kc.do("SCAN", cursor, "COUNT", "5"))
		if err != nil || len(v.elems) != 2 {
			t.Fatalf("bad SCAN reply: %v", err)
		}
		for _, k := range v.elems[1].elems {
			seen[k.str]++
		}
		cursor = v.elems[0].str
		if cursor == "0" {
			break
		}
		calls++
		// Between calls: add new keys, delete old ones, rename one, expire one.
		for j := 0; j < 3; j++ {
			kc.do("SET", "new:"+strconv.Itoa(added), "v")
			added++
		}
		if removed < churn {
			kc.do("DEL", "tmp:"+strconv.Itoa(removed))
			removed++
		}
		kc.do("SET", "flip", "v")
		kc.do("RENAME", "flip", "flop:"+strconv.Itoa(calls))
		kc.do("PEXPIRE", "flop:"+strconv.Itoa(calls), "1")
	}
	if calls < 50 {
		t.Fatalf("iteration took only %d calls; the test mutates too little", calls)
	}
	checkScannedOnce(t, seen, stable)
}

// TestKeysSwapdbOtherClient checks that SWAPDB changes what every client
// that selected a swapped database sees, as in Redis.
func TestKeysSwapdbOtherClient(t *testing.T) {
	for _, addr := range []struct{ name, addr string }{{"redis", env.redisAddr}, {"kvd", env.kvdAddr}} {
		if addr.name == "redis" {
			needRedis(t)
		}
		a, b := dial(t, addr.addr), dial(t, addr.addr)
		a.do("FLUSHALL")
		a.do("SET", "k", "db0")
		b.do("SELECT", "1")
		b.do("SET", "k", "db1")
		if r := a.do("SWAPDB", "0", "1"); r != "+OK\r\n" {
			t.Fatalf("%s: SWAPDB: %q", addr.name, r)
		}
		if r := a.do("GET", "k"); r != "$3\r\ndb1\r\n" {
			t.Errorf("%s: client in db 0 after SWAPDB: GET k = %q", addr.name, r)
		}
		if r := b.do("GET", "k"); r != "$3\r\ndb0\r\n" {
			t.Errorf("%s: client in db 1 after SWAPDB: GET k = %q", addr.name, r)
		}
	}
}

// TestDiffKeysLong covers long keys and values built in Go.
func TestDiffKeysLong(t *testing.T) {
	bigKey := strings.Repeat("k", 5000)
	bigVal := strings.Repeat("v", 100000)
	diffCases(t, []dcase{
		{name: "long key", steps: []step{"SET " + bigKey + " v", "EXISTS " + bigKey, "TYPE " + bigKey, "RENAME " + bigKey + " short", "KEYS *", "COPY short " + bigKey, "!sort KEYS *", "MOVE " + bigKey + " 1", "DEL short"}},
		{name: "long value", steps: []step{"SET a " + bigVal, "COPY a b", "OBJECT ENCODING b", "RENAME b c", "MOVE c 2", "SELECT 2", "GET c", "OBJECT ENCODING c"}},
		{name: "quoted", steps: []step{"SET " + quoteArg("q\"\\\r\n") + " 1", "EXISTS " + quoteArg("q\"\\\r\n"), "KEYS " + quoteArg("q*")}},
	})
}
