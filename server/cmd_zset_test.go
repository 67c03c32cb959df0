package server

import (
	"math"
	"slices"
	"strconv"
	"testing"

	"github.com/kvdserver/kvd/store"
)

func TestZSetParseScoreBound(t *testing.T) {
	tests := []struct {
		in     string
		v      float64
		ex, ok bool
	}{
		{"1", 1, false, true},
		{"(1.5", 1.5, true, true},
		{"", 0, false, true},
		{"(", 0, true, true},
		{" 2", 2, false, true},
		{"( 2", 2, true, true},
		{"2 ", 0, false, false},
		{"-inf", math.Inf(-1), false, true},
		{"(+inf", math.Inf(1), true, true},
		{"1e400", math.Inf(1), false, true},
		{"0x10", 16, false, true},
		{"nan", 0, false, false},
		{"(nan", 0, false, false},
		{"[1", 0, false, false},
		{"((1", 0, false, false},
		{"1\x00junk", 1, false, true},
		{"abc", 0, false, false},
		{" ", 0, false, false},
	}
	for _, tt := range tests {
		v, ex, ok := parseScoreBound([]byte(tt.in))
		if ok != tt.ok || ok && (v != tt.v || ex != tt.ex) {
			t.Errorf("parseScoreBound(%q) = %v %v %v, want %v %v %v", tt.in, v, ex, ok, tt.v, tt.ex, tt.ok)
		}
	}
}

func TestZSetParseLexBound(t *testing.T) {
	tests := []struct {
		in   string
		want store.LexBound
		ok   bool
	}{
		{"-", store.LexBound{Inf: -1, Excl: true}, true},
		{"+", store.LexBound{Inf: 1, Excl: true}, true},
		{"+\x00x", store.LexBound{Inf: 1, Excl: true}, true},
		{"+x", store.LexBound{}, false},
		{"[a", store.LexBound{Value: []byte("a")}, true},
		{"(a\x00b", store.LexBound{Value: []byte("a\x00b"), Excl: true}, true},
		{"[", store.LexBound{Value: []byte{}}, true},
		{"", store.LexBound{}, false},
		{"a", store.LexBound{}, false},
		{"\x00", store.LexBound{}, false},
	}
	for _, tt := range tests {
		got, ok := parseLexBound([]byte(tt.in))
		if ok != tt.ok || ok && (got.Inf != tt.want.Inf || got.Excl != tt.want.Excl || string(got.Value) != string(tt.want.Value)) {
			t.Errorf("parseLexBound(%q) = %+v %v, want %+v %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestZSetNumkeysKeys(t *testing.T) {
	argv := func(words ...string) [][]byte {
		var out [][]byte
		for _, w := range words {
			out = append(out, []byte(w))
		}
		return out
	}
	tests := []struct {
		name string
		got  []int
		want []int
	}{
		{"zunion", numkeysFirstKeys(argv("zunion", "2", "a", "b", "WITHSCORES")), []int{2, 3}},
		{"zunion too many", numkeysFirstKeys(argv("zunion", "3", "a", "b")), nil},
		{"zunion zero", numkeysFirstKeys(argv("zunion", "0", "a")), nil},
		{"zunion atoi", numkeysFirstKeys(argv("zunion", "1x", "a")), []int{2}},
		{"zunionstore", zsetOpStoreGetKeys(argv("zunionstore", "d", "2", "a", "b")), []int{1, 3, 4}},
		{"zunionstore bad", zsetOpStoreGetKeys(argv("zunionstore", "d", "x", "a")), nil},
		{"zmpop", numkeysFirstKeys(argv("zmpop", "2", "a", "b", "MIN")), []int{2, 3}},
		{"zmpop huge", numkeysFirstKeys(argv("zmpop", "99999999999999999999", "a", "MIN")), nil},
		{"zunion 2^32+1", numkeysFirstKeys(argv("zunion", "4294967297", "a")), []int{2}},
		{"zunion -2^32+1", numkeysFirstKeys(argv("zunion", "-4294967295", "a")), []int{2}},
		{"zunion space", numkeysFirstKeys(argv("zunion", " +1", "a")), []int{2}},
		{"zunion min", numkeysFirstKeys(argv("zunion", "-99999999999999999999", "a")), nil},
		// Past 2^64 too: strtol clamps, where a wrapping sum would come back to 1.
		{"zunion 2^64+1", numkeysFirstKeys(argv("zunion", "18446744073709551617", "a")), nil},
	}
	for _, tt := range tests {
		if !slices.Equal(tt.got, tt.want) {
			t.Errorf("%s: %v, want %v", tt.name, tt.got, tt.want)
		}
	}
}

// fakeSet is a plain set for the operand tests.
type fakeSet map[string]bool

func (s fakeSet) Len() int               { return len(s) }
func (s fakeSet) Has(member []byte) bool { return s[string(member)] }
func (s fakeSet) Range(fn func(member []byte) bool) {
	for _, m := range slices.Sorted(func(yield func(string) bool) {
		for k := range s {
			if !yield(k) {
				return
			}
		}
	}) {
		if !fn([]byte(m)) {
			return
		}
	}
}

// TestZSetPlainSetOperands checks that a plain set counts as a sorted set
// whose members all score 1.
func TestZSetPlainSetOperands(t *testing.T) {
	z := store.NewZSet()
	lim := store.ZLimits{MaxEntries: 128, MaxValue: 64}
	for i, m := range []string{"a", "b", "c"} {
		z.Add([]byte(m), float64(i+1)*10, 0, lim)
	}
	set := fakeSet{"b": true, "c": true, "d": true}
	format := func(res []scoredMember) string {
		slices.SortFunc(res, func(a, b scoredMember) int { return compareMember(a.member, b.member) })
		out := ""
		for _, r := range res {
			out += string(r.member) + "=" + strconv.FormatFloat(r.score, 'g', -1, 64) + " "
		}
		return out
	}
	ops := func(w1, w2 float64) []zsetOperand {
		return []zsetOperand{{z: z, weight: w1}, {set: set, weight: w2}}
	}
	if got := format(zunionMembers(ops(1, 2), aggrSum)); got != "a=10 b=22 c=32 d=2 " {
		t.Errorf("union: %s", got)
	}
	res, _ := zinterMembers(ops(1, 1), aggrMax, false, 0)
	if got := format(res); got != "b=20 c=30 " {
		t.Errorf("inter: %s", got)
	}
	setFirst := []zsetOperand{{set: set, weight: 3}, {z: z, weight: 1}}
	res, _ = zinterMembers(setFirst, aggrMin, false, 0)
	if got := format(res); got != "b=3 c=3 " {
		t.Errorf("inter, set first: %s", got)
	}
	if _, card := zinterMembers(setFirst, aggrSum, true, 1); card != 1 {
		t.Errorf("intercard limit 1: %d", card)
	}
	if got := format(zdiffMembers(setFirst)); got != "d=1 " {
		t.Errorf("diff: %s", got)
	}
	if got := format(zdiffMembers(ops(1, 1))); got != "a=10 " {
		t.Errorf("diff, set second: %s", got)
	}
}

func compareMember(a, b []byte) int {
	switch {
	case string(a) < string(b):
		return -1
	case string(a) > string(b):
		return 1
	}
	return 0
}

// TestZSetNoAlloc checks that the lookups and updates of existing members
// do not allocate.
func TestZSetNoAlloc(t *testing.T) {
	c := testClient(t, nil)
	for _, n := range []int{10, 1000} {
		testRun(c, "DEL z")
		for i := 0; i < n; i++ {
			testRun(c, "ZADD z "+strconv.Itoa(i)+" m"+strconv.Itoa(i))
		}
		for _, cmd := range []string{
			"ZSCORE z m5", "ZRANK z m5", "ZREVRANK z m5", "ZCARD z", "ZADD z 7 m5", "ZADD z 5 m5", "ZINCRBY z 0 m5",
			"ZMSCORE z m1 m2 nope", "ZCOUNT z 2 (8", "ZRANGE z 0 3 WITHSCORES", "ZRANGEBYSCORE z 1 5 LIMIT 1 2",
			"ZREVRANGE z 0 3",
		} {
			c.argv = testArgv(cmd)
			allocs := testing.AllocsPerRun(100, func() {
				c.out = c.out[:0]
				c.srv.execute(c)
			})
			if allocs != 0 {
				t.Errorf("%d members, %s: %v allocations per run", n, cmd, allocs)
			}
		}
	}
}
