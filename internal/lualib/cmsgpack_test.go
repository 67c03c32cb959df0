package lualib

import "testing"

// TestCMsgpack checks cmsgpack against replies recorded from redis-server 7.0.15
// (tests/lualib_test.go compares with a live server).
func TestCMsgpack(t *testing.T) {
	runCases(t, []libCase{
		{"cmsgpack pack ints", `return cmsgpack.pack(0, 127, 128, 255, 256, 65535, 65536, 4294967296, -1, -32, -33, -128, -129, -32768, -32769, -2147483649)`, "\x00\x7f\xcc\x80\xcc\xff\xcd\x01\x00\xcd\xff\xff\xce\x00\x01\x00\x00\xcf\x00\x00\x00\x01\x00\x00\x00\x00\xff\xe0\xd0\xdf\xd0\x80\xd1\xff\x7f\xd1\x80\x00\xd2\xff\xff\x7f\xff\xd3\xff\xff\xff\xff\x7f\xff\xff\xff", false},
		{"cmsgpack pack floats", `return cmsgpack.pack(0.5, 1/3, 2^63, 1/0)`, "\xca?\x00\x00\x00\xcb?\xd5UUUUUU\xca_\x00\x00\x00\xca\x7f\x80\x00\x00", false},
		{"cmsgpack pack strings", `return cmsgpack.pack('', 'abc', string.rep('x', 32))`, "\xa0\xa3abc\xd9 xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", false},
		{"cmsgpack pack tables", `return cmsgpack.pack({1, 2}, {a = true}, {[1] = 1, [3] = 3}, {})`, "\x92\x01\x02\x81\xa1a\xc3\x82\x01\x01\x03\x03\x90", false},
		{"cmsgpack pack nesting", `local t = {} local c = t for i = 1, 20 do c[1] = {} c = c[1] end return cmsgpack.pack(t)`, "\x91\x91\x91\x91\x91\x91\x91\x91\x91\x91\x91\x91\x91\x91\x91\x91\xc0", false},
		{"cmsgpack pack none", `return cmsgpack.pack()`, "user_script:1: bad argument #0 to 'pack' (MessagePack pack needs input.)", true},
		{"cmsgpack unpack", `local a, b, c = cmsgpack.unpack(cmsgpack.pack(1, 'x', {5})) return a .. b .. c[1]`, "1x5", false},
		{"cmsgpack unpack uint64", `return tostring(cmsgpack.unpack('\207\255\255\255\255\255\255\255\255'))`, "-1", false},
		{"cmsgpack unpack one", `local p = cmsgpack.pack(7, 8) local o, v = cmsgpack.unpack_one(p) local o2, v2 = cmsgpack.unpack_one(p, o) return o .. ' ' .. v .. ' ' .. o2 .. ' ' .. v2`, "1 7 -1 8", false},
		{"cmsgpack unpack limit", `local o, a, b = cmsgpack.unpack_limit(cmsgpack.pack(1, 2, 3), 2) return o .. a .. b`, "212", false},
		{"cmsgpack unpack missing", `return cmsgpack.unpack('\205\1')`, "user_script:1: Missing bytes in input.", true},
		{"cmsgpack unpack badfmt", `return cmsgpack.unpack('\193')`, "user_script:1: Bad data format in input.", true},
		{"cmsgpack unpack offset", `return cmsgpack.unpack_one('\1', 3)`, "user_script:1: Start offset 3 greater than input length 1.", true},
		{"cmsgpack unpack deep", `return cmsgpack.unpack(string.rep('\145', 4000) .. '\1')`, "user_script:1: stack overflow (in function mp_decode_to_lua_array)", true},
	})
}
