package lualib

import "testing"

// TestOpenPairs checks pairs() in Lua 5.1's order against replies recorded
// from redis-server 7.0.15 (tests/lualib_test.go compares many more).
func TestOpenPairs(t *testing.T) {
	L := newState()
	defer L.Close()
	OpenPairs(L, nil)
	for _, tc := range []libCase{
		{"order", `local t = {} for i, k in ipairs({'a','b','c','d','e'}) do t[k] = i end local o = {} for k, v in pairs(t) do o[#o+1] = k .. v end return table.concat(o, ' ')`, "a1 c3 b2 e5 d4", false},
		{"deleted while iterating", `local t = {} for i, k in ipairs({'a','b','c','d','e'}) do t[k] = i end local o = {} for k, v in pairs(t) do t[k] = nil o[#o+1] = k .. v end return table.concat(o, ' ')`, "a1 c3 b2 e5 d4", false},
		{"array then hash", `local t = {10, 20, x = 1, y = 2, z = 3} local o = {} for k in pairs(t) do o[#o+1] = tostring(k) end return table.concat(o, ' ')`, "1 2 y x z", false},
		{"not a table", `return pairs(nil)`, "user_script:1: bad argument #1 to 'pairs' (table expected, got nil)", true},
	} {
		got, isErr := run(L, tc.script)
		if got != tc.want || isErr != tc.err {
			t.Errorf("%s: got %q (error %v), want %q (error %v)", tc.name, got, isErr, tc.want, tc.err)
		}
	}
}

// TestLuaStringHash pins the hash Redis's Lua uses (every byte, seeded with
// the length) on values computed by hand from Lua 5.1's formula.
func TestLuaStringHash(t *testing.T) {
	for s, want := range map[string]uint32{"": 0, "pw": 6024} {
		if got := luaStringHash(s); got != want {
			t.Errorf("luaStringHash(%q) = %d, want %d", s, got, want)
		}
	}
}
