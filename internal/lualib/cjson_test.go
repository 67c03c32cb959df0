package lualib

import "testing"

// TestCJSON checks cjson against replies recorded from redis-server 7.0.15
// (tests/lualib_test.go compares with a live server).
func TestCJSON(t *testing.T) {
	runCases(t, []libCase{
		{"cjson encode array", `return cjson.encode({1, 'two', {three = 3}, true, false, cjson.null})`, "[1,\"two\",{\"three\":3},true,false,null]", false},
		{"cjson encode numbers", `return cjson.encode({0.1, 1/3, -0, 1e300, 123456789012345, 2^53, 1e14})`, "[0.1,0.33333333333333,-0,1e+300,1.2345678901234e+14,9.007199254741e+15,1e+14]", false},
		{"cjson encode escapes", `return cjson.encode('"\\/\b\f\n\r\t\0\1\31\127\128\255')`, "\"\\\"\\\\\\/\\b\\f\\n\\r\\t\\u0000\\u0001\\u001f\\u007f\x80\xff\"", false},
		{"cjson encode sparse", `local t = {} t[10] = 1 return cjson.encode(t)`, "[null,null,null,null,null,null,null,null,null,1]", false},
		{"cjson encode too sparse", `local t = {} t[11] = 1 return cjson.encode(t)`, "user_script:1: Cannot serialise table: excessively sparse array", true},
		{"cjson encode empty", `return cjson.encode({})`, "{}", false},
		{"cjson encode number key", `return cjson.encode({[1.5] = 1})`, "{\"1.5\":1}", false},
		{"cjson encode bool key", `return cjson.encode({[false] = 1})`, "user_script:1: Cannot serialise boolean: table key must be a number or string", true},
		{"cjson encode function", `return cjson.encode(type)`, "user_script:1: Cannot serialise function: type not supported", true},
		{"cjson encode nan", `return cjson.encode(0/0)`, "user_script:1: Cannot serialise number: must not be NaN or Inf", true},
		{"cjson encode circular", `local t = {} t[1] = t return cjson.encode(t)`, "user_script:1: Cannot serialise, excessive nesting (1001)", true},
		{"cjson encode args", `return cjson.encode(1, 2)`, "user_script:1: bad argument #1 to 'encode' (expected 1 argument)", true},
		{"cjson decode", `local t = cjson.decode('{"a":[1,2.5,"x",true,null]}') return t.a[1] .. ' ' .. t.a[3] .. ' ' .. tostring(t.a[4]) .. ' ' .. tostring(t.a[5] == cjson.null) .. ' ' .. #t.a`, "1 x true true 5", false},
		{"cjson decode unicode", `return cjson.decode('"\\u00e9\\u20ac\\ud83d\\ude00\\u0041"')`, "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80A", false},
		{"cjson decode invalid numbers", `local t = cjson.decode('[0x10, +1, 010]') return tostring(t[1] + t[2] + t[3])`, "27", false},
		{"cjson decode error end", `return cjson.decode('[1,')`, "user_script:1: Expected value but found T_END at character 4", true},
		{"cjson decode error token", `return cjson.decode('{"a" 1}')`, "user_script:1: Expected colon but found T_NUMBER at character 6", true},
		{"cjson decode error escape", `return cjson.decode('"\\x"')`, "user_script:1: Expected value but found invalid escape code at character 2", true},
		{"cjson decode error string", `return cjson.decode('"abc')`, "user_script:1: Expected value but found unexpected end of string at character 5", true},
		{"cjson decode error depth", `return cjson.decode(string.rep('[', 1001))`, "user_script:1: Found too many nested data structures (1001) at character 1001", true},
		{"cjson decode error utf16", `return cjson.decode('\0x')`, "user_script:1: JSON parser does not support UTF-16 or UTF-32", true},
		{"cjson decode error trailing", `return cjson.decode('1 2')`, "user_script:1: Expected the end but found T_NUMBER at character 3", true},
		{"cjson config", `local a, b, c = cjson.encode_sparse_array() return tostring(a) .. b .. c .. cjson.encode_max_depth() .. cjson.decode_max_depth() .. cjson.encode_number_precision()`, "false2101000100014", false},
		{"cjson precision", `local c = cjson.new() c.encode_number_precision(4) return c.encode({1/3, 123456})`, "[0.3333,1.235e+05]", false},
		{"cjson invalid numbers null", `local c = cjson.new() c.encode_invalid_numbers('null') return c.encode({1/0, 0/0})`, "[null,null]", false},
		{"cjson invalid numbers on", `local c = cjson.new() c.encode_invalid_numbers(true) return c.encode({1/0, -1/0, 0/0})`, "[inf,-inf,nan]", false},
		{"cjson config error", `return cjson.encode_number_precision(20)`, "user_script:1: bad argument #1 to 'encode_number_precision' (expected integer between 1 and 14)", true},
	})
}
