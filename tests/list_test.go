package tests

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
)

// ---- differential cases, command by command ----

func TestDiffListPush(t *testing.T) {
	diffCases(t, []dcase{
		{name: "lpush rpush", steps: []step{"LPUSH l a", "LPUSH l b c d", "RPUSH l x y", "LRANGE l 0 -1", "LLEN l", "TYPE l", "rpush l z", "lpush l w", "LRANGE l 0 -1"}},
		{name: "pushx", steps: []step{"LPUSHX l a", "RPUSHX l a b", "EXISTS l", "RPUSH l 1", "LPUSHX l 0 -1", "RPUSHX l 2 3", "LRANGE l 0 -1", "lpushx l x", "rpushx l y", "LLEN l"}},
		{name: "push arity", steps: []step{"LPUSH", "LPUSH l", "RPUSH l", "LPUSHX l", "RPUSHX", "RPUSH", "EXISTS l"}},
		{name: "push wrongtype", steps: []step{"SET s v", "LPUSH s a", "RPUSH s a", "LPUSHX s a", "RPUSHX s a", "GET s"}},
		{name: "push repeated and empty", steps: []step{`RPUSH l "" "" a ""`, "LRANGE l 0 -1", "LLEN l", `LPUSH l ""`, "LINDEX l 0"}},
		{name: "push integers", steps: []step{"RPUSH l 1 -1 0 9223372036854775807 -9223372036854775808 007 1.5 +1", "LRANGE l 0 -1", "LPOS l 007", "LINDEX l 3", "OBJECT ENCODING l"}},
		{name: "push many", steps: []step{"RPUSH l " + wordList("e", 0, 300), "LPUSH l " + wordList("f", 0, 300), "LLEN l", "LRANGE l 295 305", "LINDEX l 299", "LINDEX l 300", "LINDEX l -1"}},
		{name: "push onto expired", steps: []step{"RPUSH l a b", "PEXPIREAT l 1", "RPUSH l c", "LRANGE l 0 -1", "TTL l", "SET s v PXAT 1", "LPUSH s x", "TYPE s"}},
	})
}

func TestDiffListPop(t *testing.T) {
	diffCases(t, []dcase{
		{name: "lpop rpop", steps: []step{"RPUSH l a b c d", "LPOP l", "RPOP l", "LRANGE l 0 -1", "LPOP l", "RPOP l", "EXISTS l", "LPOP l", "RPOP l"}},
		{name: "pop count", steps: []step{"RPUSH l a b c d e f", "LPOP l 2", "RPOP l 2", "LRANGE l 0 -1", "LPOP l 10", "EXISTS l", "RPUSH l x", "RPOP l 5", "EXISTS l"}},
		{name: "pop count zero", steps: []step{"RPUSH l a", "LPOP l 0", "RPOP l 0", "LLEN l", "LPOP nokey 0", "RPOP nokey 0"}},
		{name: "pop count missing key", steps: []step{"LPOP nokey 1", "RPOP nokey 5", "LPOP nokey", "RPOP nokey"}},
		{name: "pop count errors", steps: []step{"RPUSH l a", "LPOP l -1", "RPOP l -5", "LPOP l x", "LPOP l 1.5", "LPOP l 9223372036854775808", "LPOP nokey -1", "LPOP l 9223372036854775807", "EXISTS l"}},
		{name: "pop arity", steps: []step{"RPUSH l a b", "LPOP", "RPOP", "LPOP l 1 2", "RPOP l 1 2 3", "LLEN l"}},
		{name: "pop wrongtype", steps: []step{"SET s v", "LPOP s", "RPOP s", "LPOP s 2", "RPOP s 0", "LPOP s -1"}},
		{name: "pop order", steps: []step{"RPUSH l 1 2 3 4 5 6 7", "RPOP l 3", "LPOP l 3", "RPOP l 3", "EXISTS l"}},
		{name: "pop large count", steps: []step{"RPUSH l " + wordList("x", 0, 50), "RPOP l 49", "LRANGE l 0 -1", "LPOP l 100"}},
	})
}

func TestDiffListLen(t *testing.T) {
	diffCases(t, []dcase{
		{name: "llen", steps: []step{"LLEN nokey", "RPUSH l a b", "LLEN l", "SET s v", "LLEN s", "LLEN", "LLEN l l"}},
	})
}

func TestDiffListRange(t *testing.T) {
	var steps []step
	steps = append(steps, "RPUSH l a b c d e f g h i j")
	for _, r := range [][2]string{
		{"0", "-1"}, {"0", "0"}, {"0", "9"}, {"0", "10"}, {"0", "100"}, {"-1", "-1"}, {"-10", "-1"}, {"-11", "-1"},
		{"-100", "100"}, {"5", "3"}, {"3", "5"}, {"-3", "-5"}, {"-5", "-3"}, {"9", "9"}, {"10", "10"}, {"10", "20"},
		{"-100", "-50"}, {"2", "-3"}, {"-9223372036854775808", "9223372036854775807"}, {"9223372036854775807", "-9223372036854775808"},
		{"0", "-11"}, {"-1", "0"},
	} {
		steps = append(steps, "LRANGE l "+r[0]+" "+r[1])
	}
	diffCases(t, []dcase{
		{name: "lrange indexes", steps: steps},
		{name: "lrange errors", steps: []step{"RPUSH l a", "LRANGE l x 1", "LRANGE l 0 y", "LRANGE l 1.0 2", "LRANGE nokey x 1", "LRANGE nokey 0 -1", "LRANGE l", "LRANGE l 0", "LRANGE l 0 1 2", "SET s v", "LRANGE s 0 -1", "LRANGE s x 0", "LRANGE l 9223372036854775808 1"}},
	})
}

func TestDiffListIndexSet(t *testing.T) {
	diffCases(t, []dcase{
		{name: "lindex", steps: []step{"RPUSH l a b c", "LINDEX l 0", "LINDEX l 2", "LINDEX l 3", "LINDEX l -1", "LINDEX l -3", "LINDEX l -4", "LINDEX l 9223372036854775807", "LINDEX l -9223372036854775808", "LINDEX nokey 0"}},
		{name: "lindex errors", steps: []step{"RPUSH l a", "LINDEX l x", "LINDEX nokey x", "LINDEX l 1.5", "LINDEX l", "LINDEX l 0 1", "SET s v", "LINDEX s 0", "LINDEX s x"}},
		{name: "lset", steps: []step{"RPUSH l a b c", "LSET l 0 A", "LSET l -1 C", "LSET l 1 bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb", "LRANGE l 0 -1", "LSET l 1 b", "LSET l -3 x", "LRANGE l 0 -1"}},
		{name: "lset errors", steps: []step{"LSET nokey 0 a", "LSET nokey x a", "RPUSH l a b", "LSET l 2 x", "LSET l -3 x", "LSET l x y", "LSET l 9223372036854775807 x", "LSET l -9223372036854775808 x", "SET s v", "LSET s 0 a", "LSET s x a", "LSET l 0", "LSET l 0 a b", "LRANGE l 0 -1"}},
	})
}

func TestDiffListInsert(t *testing.T) {
	diffCases(t, []dcase{
		{name: "linsert", steps: []step{"RPUSH l a b c", "LINSERT l BEFORE b x", "LINSERT l AFTER b y", "LINSERT l before a first", "LINSERT l after c last", "LRANGE l 0 -1", "LINSERT l AFTER nope z", "LLEN l"}},
		{name: "linsert first match", steps: []step{"RPUSH l a b a b", "LINSERT l AFTER b X", "LINSERT l BEFORE a Y", "LRANGE l 0 -1"}},
		{name: "linsert errors", steps: []step{"LINSERT nokey BEFORE a b", "LINSERT nokey MIDDLE a b", "RPUSH l a", "LINSERT l MIDDLE a b", "LINSERT l BEFOREX a b", "SET s v", "LINSERT s BEFORE a b", "LINSERT s MIDDLE a b", "LINSERT l BEFORE a", "LINSERT l BEFORE a b c", "EXISTS nokey"}},
		{name: "linsert many", steps: []step{"RPUSH l " + wordList("e", 0, 200), "LINSERT l AFTER e100 X", "LINSERT l BEFORE e0 Y", "LINSERT l AFTER e199 Z", "LINDEX l 102", "LINDEX l 0", "LINDEX l -1", "LLEN l", "LRANGE l 98 104"}},
	})
}

func TestDiffListRem(t *testing.T) {
	diffCases(t, []dcase{
		{name: "lrem all", steps: []step{"RPUSH l a b a c a", "LREM l 0 a", "LRANGE l 0 -1", "LREM l 0 zz", "LREM l 0 b", "LREM l 0 c", "EXISTS l"}},
		{name: "lrem count", steps: []step{"RPUSH l a b a c a d a", "LREM l 2 a", "LRANGE l 0 -1", "LREM l -1 a", "LRANGE l 0 -1", "LREM l 5 a", "LRANGE l 0 -1"}},
		{name: "lrem negative", steps: []step{"RPUSH l x a x b x c x", "LREM l -2 x", "LRANGE l 0 -1", "LREM l -9223372036854775808 x", "LRANGE l 0 -1", "LREM l -100 a", "LRANGE l 0 -1"}},
		{name: "lrem errors", steps: []step{"LREM nokey 0 a", "LREM nokey x a", "RPUSH l a", "LREM l x a", "LREM l 1.0 a", "SET s v", "LREM s 0 v", "LREM l 0", "LREM l 0 a b", "LRANGE l 0 -1"}},
		{name: "lrem empties", steps: []step{"RPUSH l a a a", "LREM l 2 a", "EXISTS l", "LREM l 1 a", "EXISTS l", "LREM l 1 a"}},
	})
}

func TestDiffListTrim(t *testing.T) {
	var cases []dcase
	for _, r := range [][2]string{
		{"0", "-1"}, {"1", "-2"}, {"0", "0"}, {"-1", "-1"}, {"2", "1"}, {"5", "100"}, {"-100", "2"}, {"10", "20"},
		{"-3", "-5"}, {"0", "-100"}, {"-9223372036854775808", "9223372036854775807"}, {"3", "3"},
	} {
		cases = append(cases, dcase{name: "ltrim " + r[0] + " " + r[1], steps: []step{"RPUSH l a b c d e f g h", "LTRIM l " + r[0] + " " + r[1], "LRANGE l 0 -1", "EXISTS l"}})
	}
	cases = append(cases,
		dcase{name: "ltrim errors", steps: []step{"LTRIM nokey 0 1", "LTRIM nokey x 1", "RPUSH l a", "LTRIM l x 1", "LTRIM l 0 y", "SET s v", "LTRIM s 0 1", "LTRIM l 0", "LTRIM l 0 1 2", "EXISTS nokey"}},
		dcase{name: "ltrim keeps a window", steps: []step{"RPUSH l " + wordList("w", 0, 1000), "LTRIM l 100 199", "LLEN l", "LINDEX l 0", "LINDEX l -1", "RPUSH l tail", "LPUSH l head", "LRANGE l 0 2", "LRANGE l -3 -1"}},
	)
	diffCases(t, cases)
}

func TestDiffListPos(t *testing.T) {
	diffCases(t, []dcase{
		{name: "lpos", steps: []step{"RPUSH l a b c 1 2 3 c c", "LPOS l c", "LPOS l c RANK 2", "LPOS l c RANK -1", "LPOS l c RANK -3", "LPOS l c RANK 4", "LPOS l c RANK -4", "LPOS l x", "LPOS l 1"}},
		{name: "lpos count", steps: []step{"RPUSH l a b c 1 2 3 c c", "LPOS l c COUNT 0", "LPOS l c COUNT 2", "LPOS l c COUNT 10", "LPOS l c COUNT 2 RANK 2", "LPOS l c COUNT 0 RANK -1", "LPOS l c COUNT 2 RANK -2", "LPOS l x COUNT 0", "LPOS l c RANK 9 COUNT 1"}},
		{name: "lpos maxlen", steps: []step{"RPUSH l a b c 1 2 3 c c", "LPOS l c MAXLEN 2", "LPOS l c MAXLEN 3", "LPOS l c MAXLEN 0", "LPOS l c COUNT 0 MAXLEN 7", "LPOS l c RANK -1 MAXLEN 1", "LPOS l c RANK -1 MAXLEN 3 COUNT 0", "LPOS l a RANK -1 MAXLEN 7"}},
		{name: "lpos missing key", steps: []step{"LPOS nokey a", "LPOS nokey a COUNT 1", "LPOS nokey a COUNT 0", "LPOS nokey a RANK 2", "LPOS nokey a MAXLEN 3"}},
		{name: "lpos errors", steps: []step{"RPUSH l a", "LPOS l a RANK 0", "LPOS l a RANK x", "LPOS l a COUNT -1", "LPOS l a COUNT x", "LPOS l a MAXLEN -1", "LPOS l a MAXLEN x", "LPOS l a RANK", "LPOS l a COUNT", "LPOS l a FOO 1", "LPOS l a RANK 1 FOO", "LPOS nokey a RANK 0", "LPOS l", "LPOS"}},
		{name: "lpos option forms", steps: []step{"RPUSH l a b a", "LPOS l a rank 2", "LPOS l a count 0 count 1", "LPOS l a RANK 1 RANK -1", "LPOS l a maxlen 1 MAXLEN 0", "LPOS l a RANK -9223372036854775808", "LPOS l a RANK -9223372036854775808 COUNT 1", "LPOS l a RANK 9223372036854775807"}},
		{name: "lpos wrongtype", steps: []step{"SET s v", "LPOS s v", "LPOS s v COUNT 0", "LPOS s v RANK 0", "LPOS s v BAD"}},
	})
}

func TestDiffListMove(t *testing.T) {
	diffCases(t, []dcase{
		{name: "lmove", steps: []step{"RPUSH src a b c", "LMOVE src dst LEFT RIGHT", "LMOVE src dst RIGHT LEFT", "LMOVE src dst left left", "LRANGE dst 0 -1", "EXISTS src", "LMOVE src dst LEFT LEFT", "LMOVE dst src RIGHT RIGHT", "LRANGE src 0 -1", "LRANGE dst 0 -1"}},
		{name: "lmove rotate", steps: []step{"RPUSH l a b c d", "LMOVE l l LEFT RIGHT", "LRANGE l 0 -1", "LMOVE l l RIGHT LEFT", "LRANGE l 0 -1", "LMOVE l l LEFT LEFT", "LMOVE l l RIGHT RIGHT", "LRANGE l 0 -1", "RPOPLPUSH l l", "LRANGE l 0 -1"}},
		{name: "lmove single element same key", steps: []step{"RPUSH l only", "LMOVE l l LEFT RIGHT", "RPOPLPUSH l l", "LRANGE l 0 -1", "LLEN l"}},
		{name: "lmove missing source", steps: []step{"LMOVE nokey dst LEFT RIGHT", "RPOPLPUSH nokey dst", "EXISTS dst", "SET s v", "LMOVE nokey s LEFT RIGHT", "RPOPLPUSH nokey s"}},
		{name: "lmove wrongtype", steps: []step{"SET s v", "RPUSH l a", "LMOVE s l LEFT RIGHT", "LMOVE l s LEFT RIGHT", "RPOPLPUSH l s", "RPOPLPUSH s l", "LRANGE l 0 -1", "GET s"}},
		{name: "lmove errors", steps: []step{"RPUSH l a", "LMOVE l d UP LEFT", "LMOVE l d LEFT DOWN", "LMOVE nokey d UP LEFT", "LMOVE l d LEFT", "LMOVE l d LEFT RIGHT X", "RPOPLPUSH l", "RPOPLPUSH l d x", "LRANGE l 0 -1", "EXISTS d"}},
		{name: "rpoplpush", steps: []step{"RPUSH src 1 2 3", "RPOPLPUSH src dst", "RPOPLPUSH src dst", "RPOPLPUSH src dst", "RPOPLPUSH src dst", "LRANGE dst 0 -1", "EXISTS src"}},
		{name: "lmove binary", steps: []step{`RPUSH l "a\r\nb" "\x00"`, "LMOVE l m LEFT RIGHT", "RPOPLPUSH l m", "LRANGE m 0 -1"}},
		{name: "lmove onto expired destination", steps: []step{"RPUSH src a", "RPUSH dst old", "PEXPIREAT dst 1", "LMOVE src dst LEFT LEFT", "LRANGE dst 0 -1", "TTL dst"}},
	})
}

func TestDiffListMPop(t *testing.T) {
	diffCases(t, []dcase{
		{name: "lmpop", steps: []step{"RPUSH a 1 2 3", "RPUSH b x y", "LMPOP 2 a b LEFT", "LMPOP 2 a b RIGHT COUNT 5", "EXISTS a", "LMPOP 2 a b LEFT COUNT 1", "LMPOP 2 a b right count 10", "LMPOP 2 a b LEFT", "EXISTS b"}},
		{name: "lmpop skips missing", steps: []step{"RPUSH c z", "LMPOP 3 a b c LEFT", "LMPOP 1 c LEFT", "LMPOP 3 a b c RIGHT COUNT 2"}},
		{name: "lmpop wrongtype", steps: []step{"SET s v", "RPUSH l a", "LMPOP 2 s l LEFT", "LMPOP 2 l s LEFT", "LMPOP 2 nokey s LEFT", "LMPOP 1 l LEFT", "LMPOP 2 l s LEFT"}},
		{name: "lmpop numkeys errors", steps: []step{"RPUSH l a", "LMPOP 0 l LEFT", "LMPOP -1 l LEFT", "LMPOP x l LEFT", "LMPOP 1.5 l LEFT", "LMPOP 2 l LEFT", "LMPOP 9223372036854775807 l LEFT", "LMPOP 9223372036854775806 l LEFT", "LMPOP 4 l LEFT", "LMPOP 99999999999999999999 l LEFT", "LLEN l"}},
		{name: "lmpop option errors", steps: []step{"RPUSH l a b", "LMPOP 1 l MIDDLE", "LMPOP 1 l LEFT COUNT 0", "LMPOP 1 l LEFT COUNT -1", "LMPOP 1 l LEFT COUNT x", "LMPOP 1 l LEFT COUNT", "LMPOP 1 l LEFT COUNT 1 COUNT 1", "LMPOP 1 l LEFT FOO", "LMPOP 1 l LEFT COUNT 1 x", "LMPOP 1 nokey MIDDLE", "LMPOP 1 l", "LMPOP 1", "LRANGE l 0 -1"}},
		{name: "lmpop getkeys", steps: []step{"COMMAND GETKEYS LMPOP 2 a b LEFT", "COMMAND GETKEYS LMPOP 1x a LEFT", "COMMAND GETKEYS LMPOP 3 a b LEFT", "COMMAND GETKEYS LMPOP 18446744073709551617 a LEFT"}},
		{name: "lmpop key named like an option", steps: []step{"RPUSH LEFT a b", "RPUSH COUNT c", "LMPOP 1 LEFT LEFT", "LMPOP 2 COUNT LEFT RIGHT COUNT 2", "LMPOP 1 LEFT RIGHT"}},
		{name: "lmpop same key twice", steps: []step{"RPUSH l a b c", "LMPOP 2 l l LEFT COUNT 2", "LMPOP 2 l l RIGHT COUNT 2", "LMPOP 2 l l RIGHT"}},
	})
}

func TestDiffListBinary(t *testing.T) {
	diffCases(t, []dcase{
		{name: "binary elements", steps: []step{
			`RPUSH l "a\r\nb" "\x00" "" "\xff\xfe" "x\x00y" "\r\n"`, "LRANGE l 0 -1", `LPOS l "\x00"`, `LPOS l "x\x00y"`, `LPOS l "x"`,
			`LINSERT l AFTER "\x00" "\n"`, `LREM l 0 "\r\n"`, "LRANGE l 0 -1", `LSET l 0 "\x00\x00"`, "LINDEX l 0", "LPOP l 2", "RPOP l", "LRANGE l 0 -1",
		}},
		{name: "binary keys", steps: []step{`RPUSH "k\x00" a`, `RPUSH "k\r\n" b`, `LMOVE "k\x00" "k\r\n" LEFT LEFT`, `LRANGE "k\r\n" 0 -1`, `EXISTS "k\x00"`, `LMPOP 1 "k\r\n" RIGHT COUNT 5`}},
		{name: "long elements", steps: []step{
			"RPUSH l " + strings.Repeat("a", 100) + " " + strings.Repeat("b", 20000) + " c", "LINDEX l 1", "LPOS l " + strings.Repeat("b", 20000), "LSET l 2 " + strings.Repeat("d", 9000),
			"LINSERT l BEFORE c x", "LINSERT l AFTER " + strings.Repeat("a", 100) + " " + strings.Repeat("e", 5000), "LRANGE l 0 -1", "LREM l 0 " + strings.Repeat("b", 20000), "LLEN l", "RPOP l 3",
		}},
	})
}

func TestDiffListWithKeys(t *testing.T) {
	diffCases(t, []dcase{
		{name: "type and encoding", steps: []step{"RPUSH l a", "TYPE l", "OBJECT ENCODING l", "RPUSH big " + wordList("v", 0, 600), "OBJECT ENCODING big", "RPUSH long " + strings.Repeat("x", 100), "OBJECT ENCODING long", "OBJECT REFCOUNT l"}},
		{name: "copy", steps: []step{"RPUSH l a b c", "COPY l m", "RPUSH m d", "LPOP l", "LRANGE l 0 -1", "LRANGE m 0 -1", "COPY l m", "COPY l m REPLACE", "LRANGE m 0 -1", "OBJECT ENCODING m"}},
		{name: "rename and del", steps: []step{"RPUSH l a b", "RENAME l m", "LRANGE m 0 -1", "EXISTS l", "DEL m", "LLEN m", "RPUSH m x", "UNLINK m", "LRANGE m 0 -1"}},
		{name: "expire", steps: []step{"RPUSH l a", "EXPIRE l 100", "RPUSH l b", "!approx TTL l", "LPOP l", "!approx TTL l", "LPOP l", "TTL l", "EXISTS l", "RPUSH l c", "TTL l"}},
		{name: "expired list", steps: []step{"RPUSH l a b", "PEXPIREAT l 1", "LLEN l", "LRANGE l 0 -1", "LINDEX l 0", "LPOS l a", "LPOP l", "RPOPLPUSH l m", "LSET l 0 x", "LINSERT l BEFORE a x", "EXISTS l m"}},
		{name: "scan type list", steps: []step{"RPUSH l1 a", "RPUSH l2 b", "SET s v", "!sort KEYS *", "DBSIZE"}},
		{name: "wrongtype from list", steps: []step{"RPUSH l a", "GET l", "SET l v", "GET l", "RPUSH l a", "LPUSH l b", "GET l"}},
	})
}

func TestDiffListArity(t *testing.T) {
	diffCases(t, []dcase{
		{name: "too few", steps: []step{"LPUSH l", "RPUSH l", "LPUSHX l", "RPUSHX l", "LPOP", "RPOP", "LLEN", "LRANGE l 0", "LINDEX l", "LSET l 0", "LINSERT l BEFORE a", "LREM l 0", "LTRIM l 0", "LPOS l", "LMOVE a b LEFT", "RPOPLPUSH a", "LMPOP 1 a"}},
		{name: "too many", steps: []step{"LLEN l x", "LRANGE l 0 1 2", "LINDEX l 0 1", "LSET l 0 a b", "LINSERT l BEFORE a b c", "LREM l 0 a b", "LTRIM l 0 1 2", "LMOVE a b LEFT RIGHT x", "RPOPLPUSH a b c", "LPOP l 1 2", "RPOP l 1 2"}},
		{name: "command name case", steps: []step{"rPuSh l a b", "LpUsH l c", "lrange l 0 -1", "LINDEX l 0", "Lpos l a", "lmpop 1 l LeFt", "RPOPLPUSH l l", "lmove l l rIgHt lEfT", "LRANGE l 0 -1"}},
	})
}

// ---- helpers ----

// listPair is a connection to each server, in one protocol, both flushed.
type listPair struct {
	t           *testing.T
	redis, kvd  *conn
	compared    int
	description string
}

func newListPair(t *testing.T, proto int) *listPair {
	t.Helper()
	needRedis(t)
	return &listPair{t: t, redis: dialProto(t, env.redisAddr, proto), kvd: dialProto(t, env.kvdAddr, proto)}
}

// diff pipelines cmds to both servers, requires identical replies and
// returns them.
func (p *listPair) diff(cmds [][]string) []string {
	p.t.Helper()
	want := p.redis.pipeline(cmds)
	got := p.kvd.pipeline(cmds)
	bad := 0
	for i := range cmds {
		p.compared++
		if want[i] != got[i] {
			bad++
			if bad <= 5 {
				p.t.Errorf("%s%q:\n redis: %q\n   kvd: %q", p.description, truncateStr(strings.Join(cmds[i], " "), 200), truncateStr(want[i], 300), truncateStr(got[i], 300))
			}
		}
	}
	if bad > 5 {
		p.t.Errorf("%s%d more differences", p.description, bad-5)
	}
	return want
}

func forBothProtocols(t *testing.T, f func(t *testing.T, proto int)) {
	for _, proto := range []int{2, 3} {
		t.Run(fmt.Sprintf("resp%d", proto), func(t *testing.T) { f(t, proto) })
	}
}

// ---- large lists ----

// TestDiffListLarge loads lists of 100,000+ elements on both servers with
// pipelined pushes from both ends, then compares ranges, indexes, searches,
// removals and trims across the whole length.
func TestDiffListLarge(t *testing.T) {
	forBothProtocols(t, func(t *testing.T, proto int) {
		p := newListPair(t, proto)
		const n = 120000
		var load [][]string
		for i := 0; i < n; i += 200 {
			cmd := []string{"RPUSH", "big"}
			if i%400 == 200 {
				cmd[0] = "LPUSH"
			}
			for j := i; j < i+200; j++ {
				// Repeating values (every 1000th is "dup") for LPOS and LREM.
				if j%1000 == 7 {
					cmd = append(cmd, "dup")
				} else {
					cmd = append(cmd, fmt.Sprintf("element:%08d", j))
				}
			}
			load = append(load, cmd)
		}
		p.diff(load)

		var cmds [][]string
		cmds = append(cmds, []string{"LLEN", "big"}, []string{"OBJECT", "ENCODING", "big"})
		for _, r := range [][2]int{{0, 99}, {59900, 60100}, {-500, -1}, {n - 10, n + 10}, {119000, -1}, {-n - 5, 20}, {30000, 29990}} {
			cmds = append(cmds, []string{"LRANGE", "big", strconv.Itoa(r[0]), strconv.Itoa(r[1])})
		}
		cmds = append(cmds, []string{"LRANGE", "big", "0", "-1"})
		rng := rand.New(rand.NewPCG(42, 42))
		for range 400 {
			cmds = append(cmds, []string{"LINDEX", "big", strconv.Itoa(rng.IntN(2*n) - n)})
		}
		for _, i := range []int{0, 1, n / 2, n - 1, n, -1, -n, -n - 1} {
			cmds = append(cmds, []string{"LINDEX", "big", strconv.Itoa(i)})
		}
		for _, e := range []string{"element:00000000", "element:00119999", "element:00060000", "nope"} {
			cmds = append(cmds, []string{"LPOS", "big", e}, []string{"LPOS", "big", e, "RANK", "-1"})
		}
		cmds = append(cmds,
			[]string{"LPOS", "big", "dup", "COUNT", "0"},
			[]string{"LPOS", "big", "dup", "RANK", "-3", "COUNT", "5"},
			[]string{"LPOS", "big", "dup", "RANK", "10", "COUNT", "3", "MAXLEN", "60000"},
			[]string{"LPOS", "big", "dup", "RANK", "-1", "MAXLEN", "50000"},
			[]string{"LPOS", "big", "element:00000003", "MAXLEN", "100"},
		)
		p.diff(cmds)

		// Changes in the middle: sets, inserts, removals, then a trim.
		cmds = nil
		for range 200 {
			i := rng.IntN(n)
			cmds = append(cmds, []string{"LSET", "big", strconv.Itoa(i), strings.Repeat("s", rng.IntN(300))})
		}
		for range 100 {
			cmds = append(cmds, []string{"LINSERT", "big", []string{"BEFORE", "AFTER"}[rng.IntN(2)], fmt.Sprintf("element:%08d", rng.IntN(n)), fmt.Sprintf("ins%d", rng.IntN(1000))})
		}
		cmds = append(cmds,
			[]string{"LREM", "big", "5", "dup"},
			[]string{"LREM", "big", "-5", "dup"},
			[]string{"LLEN", "big"},
			[]string{"LRANGE", "big", "0", "-1"},
			[]string{"LREM", "big", "0", "dup"},
			[]string{"LPOS", "big", "dup"},
			[]string{"LTRIM", "big", "1000", "-1001"},
			[]string{"LLEN", "big"},
			[]string{"LRANGE", "big", "0", "-1"},
			[]string{"LPOP", "big", "5000"},
			[]string{"RPOP", "big", "5000"},
			[]string{"LTRIM", "big", "50000", "49000"},
			[]string{"EXISTS", "big"},
		)
		p.diff(cmds)

		// A queue of 100,000 moving through RPOPLPUSH and LMOVE.
		cmds = nil
		for i := 0; i < 100000; i += 500 {
			cmd := []string{"RPUSH", "q"}
			for j := i; j < i+500; j++ {
				cmd = append(cmd, strconv.Itoa(j))
			}
			cmds = append(cmds, cmd)
		}
		for range 300 {
			cmds = append(cmds, []string{"RPOPLPUSH", "q", "q"}, []string{"LMOVE", "q", "r", "LEFT", "RIGHT"})
		}
		cmds = append(cmds, []string{"LRANGE", "q", "0", "-1"}, []string{"LRANGE", "r", "0", "-1"}, []string{"LMPOP", "2", "r", "q", "RIGHT", "COUNT", "100000"}, []string{"LMPOP", "2", "r", "q", "LEFT", "COUNT", "99999"}, []string{"EXISTS", "q", "r"})
		p.diff(cmds)
		t.Logf("%d replies compared", p.compared)
	})
}

// ---- random command streams ----

// TestDiffListRandom replays a seeded random stream of list commands on
// both servers and compares every reply. KVD_LIST_SEED fixes the seed.
func TestDiffListRandom(t *testing.T) {
	seed := testSeed(t, "KVD_LIST_SEED")
	forBothProtocols(t, func(t *testing.T, proto int) {
		p := newListPair(t, proto)
		p.description = fmt.Sprintf("seed %d: ", seed)
		rng := rand.New(rand.NewPCG(seed, uint64(proto)))
		kinds := map[string]int{}
		longest := 0
		for batch := range 60 {
			cmds := make([][]string, 0, 100)
			for range 100 {
				cmds = append(cmds, randomListCommand(rng))
			}
			if batch%10 == 9 {
				for _, k := range []string{"k1", "k2", "k3"} {
					cmds = append(cmds, []string{"LRANGE", k, "0", "-1"})
				}
			}
			for i, r := range p.diff(cmds) {
				kinds[r[:1]]++
				if cmds[i][0] == "LLEN" && r[0] == ':' {
					n, _ := strconv.Atoi(strings.TrimSpace(r[1:]))
					longest = max(longest, n)
				}
			}
			if t.Failed() {
				return
			}
		}
		t.Logf("%d replies compared; by type %v; longest LLEN %d", p.compared, kinds, longest)
	})
}

// randomListCommand returns a random list command over a few keys (one of
// them a string), small elements and indexes around the lists' lengths.
func randomListCommand(rng *rand.Rand) []string {
	keys := []string{"k1", "k2", "k3", "str", "nokey"}
	key := func() string {
		if rng.IntN(20) == 0 {
			return keys[3+rng.IntN(2)]
		}
		return keys[rng.IntN(3)]
	}
	elem := func() string {
		switch rng.IntN(10) {
		case 0:
			return strings.Repeat("L", 50+rng.IntN(400))
		case 1:
			return strconv.Itoa(rng.IntN(100) - 50)
		case 2:
			return "bin\x00\r\n" + strconv.Itoa(rng.IntN(3))
		}
		return string(rune('a' + rng.IntN(8)))
	}
	index := func() string { return strconv.Itoa(rng.IntN(120) - 60) }
	end := func() string { return []string{"LEFT", "RIGHT", "left", "Right"}[rng.IntN(4)] }
	elems := func(cmd []string) []string {
		for range 1 + rng.IntN(8) {
			cmd = append(cmd, elem())
		}
		return cmd
	}
	switch rng.IntN(22) {
	case 0, 1, 2:
		return elems([]string{"RPUSH", key()})
	case 3, 4:
		return elems([]string{"LPUSH", key()})
	case 5:
		return elems([]string{[]string{"LPUSHX", "RPUSHX"}[rng.IntN(2)], key()})
	case 6:
		cmd := []string{[]string{"LPOP", "RPOP"}[rng.IntN(2)], key()}
		if rng.IntN(2) == 0 {
			cmd = append(cmd, strconv.Itoa(rng.IntN(6)-1))
		}
		return cmd
	case 7:
		return []string{"LLEN", key()}
	case 8, 9:
		return []string{"LRANGE", key(), index(), index()}
	case 10:
		return []string{"LINDEX", key(), index()}
	case 11:
		return []string{"LSET", key(), index(), elem()}
	case 12:
		return []string{"LINSERT", key(), []string{"BEFORE", "AFTER", "after"}[rng.IntN(3)], elem(), elem()}
	case 13:
		return []string{"LREM", key(), strconv.Itoa(rng.IntN(7) - 3), elem()}
	case 14:
		return []string{"LTRIM", key(), strconv.Itoa(rng.IntN(10) - 3), strconv.Itoa(rng.IntN(80) - 10)}
	case 15:
		cmd := []string{"LPOS", key(), elem()}
		if rng.IntN(2) == 0 {
			cmd = append(cmd, "RANK", strconv.Itoa(rng.IntN(7)-3))
		}
		if rng.IntN(2) == 0 {
			cmd = append(cmd, "COUNT", strconv.Itoa(rng.IntN(4)))
		}
		if rng.IntN(3) == 0 {
			cmd = append(cmd, "MAXLEN", strconv.Itoa(rng.IntN(30)))
		}
		return cmd
	case 16, 17:
		return []string{"LMOVE", key(), key(), end(), end()}
	case 18:
		return []string{"RPOPLPUSH", key(), key()}
	case 19:
		n := 1 + rng.IntN(3)
		cmd := []string{"LMPOP", strconv.Itoa(n)}
		for range n {
			cmd = append(cmd, key())
		}
		cmd = append(cmd, end())
		if rng.IntN(2) == 0 {
			cmd = append(cmd, "COUNT", strconv.Itoa(rng.IntN(6)))
		}
		return cmd
	case 20:
		switch rng.IntN(3) {
		case 0:
			return []string{"SET", "str", "v"}
		case 1:
			return []string{"DEL", "str"}
		}
		return []string{"TYPE", key()}
	}
	return []string{"EXISTS", "k1", "k2", "k3"}
}
