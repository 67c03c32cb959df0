package server

import (
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"
)

func TestSortGetKeys(t *testing.T) {
	tests := []struct {
		args string
		want []int
	}{
		{"sort a", []int{1}},
		{"sort a store b", []int{1, 3}},
		{"sort a by x get y store b store c", []int{1, 9}},
		{"sort a limit 0 store", []int{1}},
		{"sort a store", []int{1}},
		{"sort a limit 1 2 store x", []int{1, 6}},
		{"sort a limit 1 store x", []int{1}},
		{"sort a store store store x", []int{1, 5}},
		{"sort a get store x", []int{1}},
		{"sort a xx STORE y", []int{1, 4}},
	}
	for _, tt := range tests {
		var argv [][]byte
		for _, f := range strings.Fields(tt.args) {
			argv = append(argv, []byte(f))
		}
		if got := sortGetKeys(argv); !slices.Equal(got, tt.want) {
			t.Errorf("sortGetKeys(%q) = %v, want %v", tt.args, got, tt.want)
		}
	}
}

func TestSortRange(t *testing.T) {
	tests := []struct {
		start, count int64
		n            int
		wantS, wantE int
	}{
		{0, -1, 5, 0, 4},
		{1, 2, 5, 1, 2},
		{-3, 2, 5, 0, 1},
		{3, 100, 5, 3, 4},
		{5, 1, 5, 4, 3},
		{2, 0, 5, 2, 1},
		{0, -1, 0, -1, -2},
		{math.MaxInt64, math.MaxInt64, 5, 4, 3},
		{1, math.MaxInt64, 5, 1, 4},
		{math.MinInt64, -7, 5, 0, 4},
	}
	for _, tt := range tests {
		s, e := sortRange(tt.start, tt.count, tt.n)
		if s != tt.wantS || e != tt.wantE {
			t.Errorf("sortRange(%d, %d, %d) = %d, %d; want %d, %d", tt.start, tt.count, tt.n, s, e, tt.wantS, tt.wantE)
		}
	}
}

// TestSortScore checks the conversions SORT makes, as recorded from Redis
// 7.0.15 on glibc 2.36.
func TestSortScore(t *testing.T) {
	tests := []struct {
		in   string
		want float64
		ok   bool
	}{
		{"", 0, true},
		{" 1", 1, true},
		{"\t2", 2, true},
		{"1 ", 0, false},
		{" ", 0, false},
		{"0x1A", 26, true},
		{"0X1P-2", 0.25, true},
		{"0x", 0, false},
		{"inf", math.Inf(1), true},
		{"-INFINITY", math.Inf(-1), true},
		{"infinit", 0, false},
		{"nan", 0, false},
		{"1e308", 1e308, true},
		{"1e309", 0, false},
		{"1.7976931348623159e308", 0, false},
		{"1e-300", 1e-300, true},
		{"1e-310", 0, false},
		{"0e-999", 0, true},
		{"1e-400", 0, false},
		{"0x1p-1074", 0x1p-1074, true},
		{"0x1p-1075", 0, false},
		{"2.2250738585072011e-308", 0, false},
		{"2.2250738585072012e-308", 0, false},
		{"2.2250738585072013e-308", 0x1p-1022, true},
		{"2.2250738585072014e-308", 0x1p-1022, true},
		{"1\x00abc", 1, true},
		{"\x00abc", 0, true},
		{"9007199254740993", 9007199254740992, true},
		{"00012", 12, true},
		{"+5", 5, true},
		{"1,5", 0, false},
		{".", 0, false},
	}
	for _, tt := range tests {
		got, ok := sortScore([]byte(tt.in))
		if ok != tt.ok || (ok && got != tt.want) {
			t.Errorf("sortScore(%q) = %v, %v; want %v, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

// TestPqsortRange checks that the partial sort leaves, in the range asked
// for, what a full sort puts there, over random vectors with few distinct
// weights and with distinct ones.
func TestPqsortRange(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	cmp := sortCompare(false, false, false)
	for range 2000 {
		n := r.IntN(150)
		distinct := 1 + r.IntN(2*n+1)
		v := make([]sortItem, n)
		for i := range v {
			w := r.IntN(distinct)
			v[i] = sortItem{elem: []byte(strconv.Itoa(w)), score: float64(w), pos: i}
		}
		lo, hi := r.IntN(n+1), r.IntN(n+1)
		if lo > hi {
			lo, hi = hi, lo
		}
		if hi == n {
			hi--
		}
		full := slices.Clone(v)
		slices.SortFunc(full, func(a, b sortItem) int { return cmp(&a, &b) })
		pqsort(v, cmp, lo, hi)
		for i := lo; i <= hi; i++ {
			if v[i].score != full[i].score {
				t.Fatalf("n=%d range %d..%d: position %d holds %v, a full sort %v", n, lo, hi, i, v[i].score, full[i].score)
			}
		}
	}
}
