package lualib

import (
	"strings"
	"testing"

	lua "github.com/yuin/gopher-lua"
)

// libCase is a script returning one string, with the string (or, when err
// is set, the error message) Redis 7.0.15 gives for it.
type libCase struct {
	name, script, want string
	err                bool
}

// newState is a gopher-lua state with the libraries open, its registry
// allowed to grow as far as Lua 5.1 lets C functions use the stack.
func newState() *lua.LState {
	L := lua.NewState(lua.Options{RegistrySize: 1024, RegistryMaxSize: 64 * 1024})
	Open(L)
	return L
}

// run runs script as Redis runs an EVAL body (chunk "user_script") and
// returns its first result as a string, or its error message.
func run(L *lua.LState, script string) (string, bool) {
	fn, err := L.Load(strings.NewReader(script), "user_script")
	if err != nil {
		return "compile: " + err.Error(), true
	}
	L.Push(fn)
	if err := L.PCall(0, 1, nil); err != nil {
		if ae, ok := err.(*lua.ApiError); ok {
			return ae.Object.String(), true
		}
		return err.Error(), true
	}
	v := L.Get(-1)
	L.Pop(1)
	return v.String(), false
}

func runCases(t *testing.T, cases []libCase) {
	t.Helper()
	L := newState()
	defer L.Close()
	for _, tc := range cases {
		got, isErr := run(L, tc.script)
		if got != tc.want || isErr != tc.err {
			t.Errorf("%s: %s\n got %q (error %v)\nwant %q (error %v)", tc.name, tc.script, got, isErr, tc.want, tc.err)
		}
	}
}

func TestFormatNumber(t *testing.T) {
	for _, tc := range []struct {
		f    float64
		want string
	}{
		{0, "0"}, {1, "1"}, {-1, "-1"}, {0.1, "0.1"}, {1.0 / 3, "0.33333333333333"}, {1e14, "1e+14"},
		{99999999999999, "99999999999999"}, {123456789012345, "1.2345678901234e+14"}, {1e-5, "1e-05"},
		{1e300, "1e+300"}, {2.5e-300, "2.5e-300"}, {-0.0, "-0"},
	} {
		if tc.f == 0 && tc.want == "-0" {
			tc.f = negZero()
		}
		if got := FormatNumber(tc.f); got != tc.want {
			t.Errorf("FormatNumber(%v) = %q, want %q", tc.f, got, tc.want)
		}
	}
}

func negZero() float64 { z := 0.0; return -z }

func TestStringToNumber(t *testing.T) {
	for _, tc := range []struct {
		s    string
		want float64
		ok   bool
	}{
		{"1", 1, true}, {" 12 ", 12, true}, {"0x10", 16, true}, {"-0x10", -16, true}, {"1e3", 1000, true},
		{"1.", 1, true}, {".5", 0.5, true}, {"12\x00junk", 12, true}, {"", 0, false}, {"abc", 0, false},
		{"1e", 0, false}, {"0x", 0, false}, {"1 2", 0, false}, {"0x1p4", 16, true},
	} {
		got, ok := StringToNumber(tc.s)
		if got != tc.want || ok != tc.ok {
			t.Errorf("StringToNumber(%q) = %v, %v; want %v, %v", tc.s, got, ok, tc.want, tc.ok)
		}
	}
	if f, ok := StringToNumber("inf"); !ok || f <= 1e308 {
		t.Errorf("StringToNumber(inf) = %v, %v", f, ok)
	}
}
