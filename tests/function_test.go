package tests

import (
	"testing"
)

// Differential tests of functions: FUNCTION LOAD/DELETE/FLUSH/LIST/STATS/
// DUMP/RESTORE/KILL/HELP, FCALL and FCALL_RO, redis.register_function.

const libX = "\"#!lua name=x\nredis.register_function('f', function(keys, args) return {keys, args} end)\""

const libY = "\"#!lua name=y\n" +
	"redis.register_function('g', function(keys, args) return redis.call('set', keys[1], args[1]) end)\n" +
	"redis.register_function{function_name='h', callback=function(keys, args) return redis.call('get', keys[1]) end, flags={'no-writes'}, description='reads'}\""

func TestFunctionLoadCall(t *testing.T) {
	diffCases(t, []dcase{
		{name: "load", steps: []step{
			`FUNCTION FLUSH`,
			`FUNCTION LOAD "return 1"`,
			`FUNCTION LOAD "#!lua\nreturn 1"`,
			`FUNCTION LOAD "#!py name=x\nreturn 1"`,
			`FUNCTION LOAD "#!lua name=x foo=bar\nreturn 1"`,
			`FUNCTION LOAD "#!lua name=q name=r\nreturn 1"`,
			`FUNCTION LOAD "#!lua name=a-b\nreturn 1"`,
			`FUNCTION LOAD "#!lua name=x\nreturn 1"`,
			`FUNCTION LOAD "#!lua name=x\nredis.register_function('a b', function() end)"`,
			`FUNCTION LOAD ` + libX,
			`FUNCTION LOAD ` + libX,
			`FUNCTION LOAD "#!lua name=z\nredis.register_function('f', function() end)"`,
			`FUNCTION LOAD "#!lua name=z\nredis.call('ping')"`,
			`FUNCTION LOAD "#!lua name=z\nx = 1"`,
			`FUNCTION LOAD "#!lua name=z\nlocal x = string"`,
			`FUNCTION LOAD "#!lua name=z\nlocal x = redis.setresp"`,
			`FUNCTION LOAD "#!lua name=z\nredis.register_function{function_name='g', callback=function() end, flags={'bogus'}}"`,
			`FUNCTION LOAD "#!lua name=z\nredis.register_function{function_name='g', callback=function() end, extra=1}"`,
			`FUNCTION LOAD "#!lua name=z\nredis.register_function('g')"`,
			`FUNCTION LOAD "#!lua name=z\nredis.register_function()"`,
			`FUNCTION LOAD "#!lua name=z\nredis.register_function{callback=function() end}"`,
			`FUNCTION LOAD "#!lua name=z\nredis.register_function{function_name='x'}"`,
			`FUNCTION LOAD "#!lua name=z\nredis.register_function('f1', function() end)\nredis.register_function('f1', function() end)"`,
			`FUNCTION LOAD "#!lua name=z\nredis.log(redis.LOG_NOTICE, 'loading', redis.REDIS_VERSION)\nredis.register_function('zz', function() return redis.REDIS_VERSION_NUM end)"`,
			`FUNCTION LOAD "#!lua name=inf\nwhile true do end"`,
			`FUNCTION LOAD "#!lua name=inf2\nlocal i = 0 while i < 1000 do i = i + 1 end redis.register_function('inf2', function() return 1 end)"`,
			`FUNCTION DELETE inf2`,
			`FUNCTION LOAD REPLACE ` + libX,
			`FUNCTION LOAD BOGUS ` + libX,
			`FUNCTION LOAD`,
			`FCALL zz 0`,
			`FCALL f 2 a b c d`,
			`FUNCTION DELETE z`,
			`FUNCTION DELETE z`,
			`FCALL zz 0`,
			`FUNCTION STATS`,
		}},
		{name: "fcall", steps: []step{
			`FUNCTION FLUSH`,
			`FUNCTION LOAD ` + libY,
			`FCALL g 1 k v`,
			`FCALL h 1 k`,
			`FCALL_RO h 1 k`,
			`FCALL_RO g 1 k v`,
			`FCALL nosuch 0`,
			`FCALL g x`,
			`FCALL g -1`,
			`FCALL g 5 a`,
			// Redis lists a library's functions in its dict's order: compare the shape.
			`!type FUNCTION LIST`,
			`FUNCTION LOAD "#!lua name=one\nredis.register_function{function_name='o', callback=function() return 1 end, flags={'no-writes','allow-oom'}, description='d'}"`,
			`FUNCTION LIST LIBRARYNAME one`,
			`FUNCTION LIST LIBRARYNAME on? WITHCODE`,
			`FCALL_RO o 0`,
			`FUNCTION DELETE one`,
			`FUNCTION LIST LIBRARYNAME nomatch*`,
			`FUNCTION LIST LIBRARYNAME`,
			`FUNCTION LIST WITHCODE foo`,
			`FUNCTION LIST LIBRARYNAME x LIBRARYNAME y`,
			`FUNCTION STATS`,
			`FUNCTION KILL`,
			`FUNCTION FLUSH bogus`,
			`FUNCTION FLUSH ASYNC`,
			`FUNCTION LIST`,
			`FUNCTION HELP`,
		}},
		{name: "errors", steps: []step{
			`FUNCTION FLUSH`,
			`FUNCTION LOAD "#!lua name=e\nredis.register_function('e', function() error('boom') end)\nredis.register_function('e2', function(k) return redis.call('incr', k[1]) end)\nredis.register_function('e3', function() return redis.pcall('nosuch') end)"`,
			`FCALL e 0`,
			`SET s str`,
			`FCALL e2 1 s`,
			`FCALL e3 0`,
		}},
	})
}

func TestFunctionDumpRestore(t *testing.T) {
	needRedis(t)
	s := sharedServers()
	for _, addr := range []string{s.redis, s.kvd} {
		c := dialProto(t, addr, 2)
		c.do("FUNCTION", "FLUSH")
	}
	// One library: the payloads are byte for byte the same. (With more,
	// Redis writes them in its dict's order.)
	code := "#!lua name=dumped\nredis.register_function('d1', function(keys, args) return 'a fairly long reply string, long enough to compress' end)"
	short := "#!lua name=s\nredis.register_function('s1', function() return 1 end)"
	var dumps [2]string
	for i, addr := range []string{s.redis, s.kvd} {
		c := dialProto(t, addr, 2)
		if r := c.do("FUNCTION", "LOAD", code); r != "$6\r\ndumped\r\n" {
			t.Fatalf("load on %s: %q", addr, r)
		}
		dumps[i] = c.do("FUNCTION", "DUMP")
		c.do("FUNCTION", "LOAD", short)
	}
	if dumps[0] != dumps[1] {
		t.Errorf("FUNCTION DUMP differs:\n redis: %q\n   kvd: %q", dumps[0], dumps[1])
	}
	payload := func(raw string) string {
		v, err := parseValue(raw)
		if err != nil {
			t.Fatal(err)
		}
		return v.str
	}
	// Each server restores the other's payload.
	for i, addr := range []string{s.redis, s.kvd} {
		c := dialProto(t, addr, 2)
		other := payload(dumps[1-i])
		if r := c.do("FUNCTION", "RESTORE", other); r != "-ERR Library dumped already exists\r\n" {
			t.Errorf("restore over existing on %s: %q", addr, r)
		}
		if r := c.do("FUNCTION", "RESTORE", other, "REPLACE"); r != "+OK\r\n" {
			t.Errorf("restore replace on %s: %q", addr, r)
		}
		c.do("FUNCTION", "FLUSH")
		if r := c.do("FUNCTION", "RESTORE", other); r != "+OK\r\n" {
			t.Errorf("restore on %s: %q", addr, r)
		}
		if r := c.do("FCALL", "d1", "0"); r != "$51\r\na fairly long reply string, long enough to compress\r\n" {
			t.Errorf("fcall after restore on %s: %q", addr, r)
		}
		if r := c.do("FUNCTION", "RESTORE", other, "FLUSH"); r != "+OK\r\n" {
			t.Errorf("restore flush on %s: %q", addr, r)
		}
	}
	diffCases(t, []dcase{{name: "restore-errors", steps: []step{
		`FUNCTION RESTORE bogus`,
		`FUNCTION RESTORE "\xf5\x00\n\x00\x00\x00\x00\x00\x00\x00\x00\x00"`,
		`FUNCTION RESTORE x BADPOLICY`,
		`FUNCTION RESTORE x FLUSH extra`,
	}}})
}
