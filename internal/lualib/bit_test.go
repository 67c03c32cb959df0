package lualib

import "testing"

// TestBit checks bit against replies recorded from redis-server 7.0.15
// (tests/lualib_test.go compares with a live server).
func TestBit(t *testing.T) {
	runCases(t, []libCase{
		{"bit ops", `return bit.tobit(2^32 + 3) .. ' ' .. bit.bnot(0) .. ' ' .. bit.band(255, 15) .. ' ' .. bit.bor(1, 2, 4) .. ' ' .. bit.bxor(5, 3) .. ' ' .. bit.lshift(1, 31) .. ' ' .. bit.rshift(-1, 28) .. ' ' .. bit.arshift(-256, 4) .. ' ' .. bit.rol(0x12345678, 4) .. ' ' .. bit.ror(0x12345678, 4) .. ' ' .. bit.bswap(0x12345678)`, "3 -1 15 7 6 -2147483648 15 -16 591751041 -2128394905 2018915346", false},
		{"bit rounding", `return bit.tobit(1.5) .. ' ' .. bit.tobit(2.5) .. ' ' .. bit.tobit(-1.5) .. ' ' .. bit.tobit('0x10') .. ' ' .. bit.tobit(1e300)`, "2 2 -2 16 -2013235812", false},
		{"bit tohex", `return bit.tohex(65535) .. ' ' .. bit.tohex(65535, -4) .. ' ' .. bit.tohex(-1, 2) .. ' ' .. bit.tohex(1, -2147483648)`, "0000ffff FFFF ff 00000001", false},
		{"bit error", `return bit.tobit('x')`, "user_script:1: bad argument #1 to 'tobit' (number expected, got string)", true},
		{"bit error none", `return bit.bor()`, "user_script:1: bad argument #1 to 'bor' (number expected, got no value)", true},
	})
}
