package lualib

import "testing"

// TestStruct checks struct against replies recorded from redis-server 7.0.15
// (tests/lualib_test.go compares with a live server).
func TestStruct(t *testing.T) {
	runCases(t, []libCase{
		{"struct pack", `return struct.pack('>bBhHiIlLT', -1, 255, -2, 258, -3, 4, -5, 6, 7)`, "\xff\xff\xff\xfe\x01\x02\xff\xff\xff\xfd\x00\x00\x00\x04\xff\xff\xff\xff\xff\xff\xff\xfb\x00\x00\x00\x00\x00\x00\x00\x06\x00\x00\x00\x00\x00\x00\x00\x07", false},
		{"struct pack little", `return struct.pack('<hi', 1, 2)`, "\x01\x00\x02\x00\x00\x00", false},
		{"struct pack float", `return struct.pack('>fd<fd', 1.5, -0.1, 1.5, -0.1)`, "?\xc0\x00\x00\xbf\xb9\x99\x99\x99\x99\x99\x9a\x00\x00\xc0?\x9a\x99\x99\x99\x99\x99\xb9\xbf", false},
		{"struct pack strings", `return struct.pack('sc3c0', 'ab', 'xyzw', 'all')`, "ab\x00xyzall", false},
		{"struct pack align", `return struct.pack('!4bibd', 1, 2, 3, 4)`, "\x01\x00\x00\x00\x02\x00\x00\x00\x03\x00\x00\x00\x00\x00\x00\x00\x00\x00\x10@", false},
		{"struct pack wide", `return struct.pack('>i16<I3', -1, 65536 + 2)`, "\x00\x00\x00\x00\x00\x00\x00\x00\xff\xff\xff\xff\xff\xff\xff\xff\x02\x00\x01", false},
		{"struct unpack", `local a, b, c, d = struct.unpack('>hIs', '\255\254\0\0\1\0hi\0') return a .. ' ' .. b .. ' ' .. c .. ' ' .. d`, "-2 256 hi 10", false},
		{"struct unpack c0", `local s, n = struct.unpack('bc0', '\3abcd') return s .. n`, "abc5", false},
		{"struct unpack pos", `local a, n = struct.unpack('b', '\1\2', 2) return a .. ' ' .. n`, "2 3", false},
		{"struct size", `return struct.size('!bhid') .. ' ' .. struct.size('bhid') .. ' ' .. struct.size('c7')`, "16 15 7", false},
		{"struct error option", `return struct.pack('y', 1)`, "user_script:1: bad argument #1 to 'pack' (invalid format option 'y')", true},
		{"struct error size", `return struct.pack('i40', 1)`, "user_script:1: integral size 40 is larger than limit of 32", true},
		{"struct error short", `return struct.unpack('i', 'ab')`, "user_script:1: bad argument #2 to 'unpack' (data string too short)", true},
		{"struct error unfinished", `return struct.unpack('s', 'ab')`, "user_script:1: unfinished string in data", true},
		{"struct error size s", `return struct.size('s')`, "user_script:1: bad argument #1 to 'size' (option 's' has no fixed size)", true},
		{"struct error align", `return struct.pack('!3b', 1)`, "user_script:1: alignment 3 is not a power of 2", true},
		{"struct error arg", `return struct.pack('i', {})`, "user_script:1: bad argument #2 to 'pack' (number expected, got table)", true},
	})
}
