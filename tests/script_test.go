package tests

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Differential tests of Lua scripting: EVAL and friends, SCRIPT, the redis
// API, conversions between Lua values and replies in both protocols, the
// sandbox and the error formats, against redis-server.

func TestScriptEvalBasics(t *testing.T) {
	diffCases(t, []dcase{
		{name: "returns", steps: []step{
			`EVAL "return 1" 0`,
			`EVAL "return 3.99" 0`,
			`EVAL "return -3.99" 0`,
			`EVAL "return 'hello'" 0`,
			`EVAL "return true" 0`,
			`EVAL "return false" 0`,
			`EVAL "return nil" 0`,
			`EVAL "return {1,2,nil,3}" 0`,
			`EVAL "return {1,{2,{3}},'a',true,false}" 0`,
			`EVAL "return {err='x'}" 0`,
			`EVAL "return {err='MYCODE some text'}" 0`,
			`EVAL "return {ok='fine'}" 0`,
			`!errprefix EVAL "return {ok='a\r\nb'}" 0`,
			`EVAL "return {ok='a\\r\\nb'}" 0`,
			`EVAL "return redis.status_reply('OK')" 0`,
			`EVAL "return redis.error_reply('My err')" 0`,
			`EVAL "return redis.error_reply('-My err')" 0`,
			`EVAL "return redis.error_reply('noSpace')" 0`,
			`EVAL "return redis.error_reply()" 0`,
			`EVAL "return redis.status_reply(1)" 0`,
			`EVAL "return {double=3.5}" 0`,
			`EVAL "return {big_number='123456789012345678901234567890'}" 0`,
			`EVAL "return {map={a=1}}" 0`,
			`EVAL "return {set={a=true}}" 0`,
			`EVAL "return {verbatim_string={format='txt', string='hello'}}" 0`,
			`EVAL "return 1/0" 0`,
			`EVAL "return 2^53" 0`,
			`EVAL "return -0.5" 0`,
			`EVAL "return {1,2,3,'ciao',{1,2}}" 0`,
			`EVAL "return KEYS" 2 a b c d`,
			`EVAL "return ARGV" 2 a b c d`,
			`EVAL "return {KEYS[1],ARGV[1],#KEYS,#ARGV}" 1 k v`,
			`EVAL "KEYS[1]='x' return KEYS[1]" 1 k`,
			`EVAL "return KEYS[1]" 0`,
			`EVAL "return {type(arg), arg.n}" 0`,
			`EVAL "KEYS.extra = 1 return KEYS.extra" 1 k`,
			`EVAL "return KEYS.extra" 1 k`,
		}},
		{name: "numkeys", steps: []step{
			`EVAL "return 1" 2 a`,
			`EVAL "return 1" -1`,
			`EVAL "return 1" x`,
			`EVAL "return 1"`,
			`EVALSHA e0e1f9fabfc9d4800c877a703b823ac0578ff8db 0`,
			`EVALSHA abc 0`,
			`EVALSHA e0e1f9fabfc9d4800c877a703b823ac0578ff8db 3 a`,
		}},
		{name: "sha", steps: []step{
			`SCRIPT FLUSH`,
			`SCRIPT EXISTS e0e1f9fabfc9d4800c877a703b823ac0578ff8db`,
			`EVAL "return 1" 0`,
			`SCRIPT EXISTS e0e1f9fabfc9d4800c877a703b823ac0578ff8db E0E1F9FABFC9D4800C877A703B823AC0578FF8DB ffff`,
			`EVALSHA e0e1f9fabfc9d4800c877a703b823ac0578ff8db 0`,
			`EVALSHA E0E1F9FABFC9D4800C877A703B823AC0578FF8DB 0`,
			`SCRIPT LOAD "return 'loaded'"`,
			`EVALSHA_RO 7cda4bfdc0f6d8d5e1bd7f92a6a8b9d1e8f6a2cf 0`,
			`SCRIPT FLUSH ASYNC`,
			`SCRIPT FLUSH SYNC`,
			`SCRIPT FLUSH foo`,
			`SCRIPT FLUSH SYNC ASYNC`,
			`EVALSHA e0e1f9fabfc9d4800c877a703b823ac0578ff8db 0`,
			`SCRIPT KILL`,
			`SCRIPT HELP`,
			`SCRIPT LOAD "return +"`,
			`!errprefix SCRIPT LOAD "return 'x"`,
			`SCRIPT LOAD "return 1 +"`,
			`SCRIPT LOAD "x = = 1"`,
			`SCRIPT LOAD "return }"`,
			`SCRIPT LOAD "return 'abc"`,
			`SCRIPT LOAD "

return 1 +"`,
			`SCRIPT`,
			`SCRIPT NOSUCH`,
		}},
	})
}

func TestScriptRedisCall(t *testing.T) {
	diffCases(t, []dcase{
		{name: "call", steps: []step{
			`EVAL "return redis.call('set',KEYS[1],ARGV[1])" 1 k v`,
			`EVAL "return redis.call('get',KEYS[1])" 1 k`,
			`EVAL "return redis.call('get','nokey')" 0`,
			`EVAL "return redis.call('incr','n')" 0`,
			`EVAL "redis.call('rpush','l','a','b','c') return redis.call('lrange','l',0,-1)" 0`,
			`EVAL "return redis.call('hgetall','nokey')" 0`,
			`EVAL "redis.call('hset','h','f','v','g','w') return redis.call('hgetall','h')" 0`,
			`EVAL "return redis.call('ping')" 0`,
			`EVAL "return redis.call('set','a',0.1)" 0`,
			`GET a`,
			`EVAL "return redis.call('set','a',1/3)" 0`,
			`GET a`,
			`EVAL "return redis.call('set','a',2^63)" 0`,
			`GET a`,
			`EVAL "return redis.call('set','a',-0.0)" 0`,
			`GET a`,
			`EVAL "return redis.call('set','a',100)" 0`,
			`GET a`,
			`EVAL "return redis.call('set','a',1/0)" 0`,
			`GET a`,
			`EVAL "return redis.call('incr','k')" 0`,
			`EVAL "return redis.pcall('incr','k')" 0`,
			`EVAL "local r = redis.pcall('incr','k') return r['err']" 0`,
			`EVAL "return redis.call('nosuch')" 0`,
			`EVAL "return redis.pcall('nosuch')" 0`,
			`EVAL "return redis.call('get')" 0`,
			`EVAL "return redis.call('incr','x','y')" 0`,
			`EVAL "return redis.call()" 0`,
			`EVAL "return redis.call({})" 0`,
			`EVAL "return redis.call('set','a',{})" 0`,
			`EVAL "return redis.call('set','a',true)" 0`,
			`EVAL "return redis.call('eval','return 1', 0)" 0`,
			`EVAL "return redis.call('multi')" 0`,
			`EVAL "return redis.call('config','nosuch')" 0`,
			`EVAL "return redis.pcall('config','nosuch')" 0`,
			`EVAL "return redis.call('blpop','nolist',0)" 0`,
			`EVAL "redis.call('select',1) redis.call('set','indb1','x') return redis.call('get','indb1')" 0`,
			`GET indb1`,
			`SELECT 1`,
			`GET indb1`,
			`SELECT 0`,
		}},
		{name: "errors", steps: []step{
			`EVAL "error('boom')" 0`,
			`EVAL "error({err='X boom'})" 0`,
			`EVAL "error()" 0`,
			`EVAL "error(nil)" 0`,
			`EVAL "error(12)" 0`,
			`EVAL "return nosuchvar" 0`,
			`EVAL "x = 1" 0`,
			`EVAL "string.foo = 1" 0`,
			`EVAL "redis.call = 1" 0`,
			`EVAL "_G.x = 1" 0`,
			`EVAL "rawset(_G,'x',1) return x" 0`,
			`EVAL "setmetatable(_G,nil)" 0`,
			// gopher-lua words runtime errors its own way: the position and the format compare.
			`!re:^(-ERR\suser_script:1:\s).*(\sscript:\s\w+,\son\s@user_script:1\.\r\n)$ EVAL "local t = nil; return t.x" 0`,
			`EVAL "\n\nerror('line3')" 0`,
			`EVAL "local function f() error('deep') end\nf()" 0`,
			`EVAL "return redis.call('incr', 'x', 'y')" 0`,
			`EVAL "redis.call('set','s','x') return redis.call('incr','s')" 0`,
			`EVAL "return pcall(function() error('inner') end)" 0`,
			`EVAL "local ok, e = pcall(function() redis.call('nosuch') end) return e" 0`,
			`EVAL "local ok, e = pcall(function() redis.call('nosuch') end) return e['err']" 0`,
		}},
		{name: "api", steps: []step{
			`EVAL "return redis.sha1hex('')" 0`,
			`EVAL "return redis.sha1hex('abc')" 0`,
			`EVAL "return redis.sha1hex(123)" 0`,
			`EVAL "return redis.sha1hex()" 0`,
			`EVAL "return redis.setresp(3)" 0`,
			`EVAL "redis.setresp(4)" 0`,
			`EVAL "return redis.set_repl(99)" 0`,
			`EVAL "return redis.set_repl(redis.REPL_ALL)" 0`,
			`EVAL "return redis.log(redis.LOG_WARNING,'hi',1,2)" 0`,
			`EVAL "return redis.log(99,'x')" 0`,
			`EVAL "return redis.log(1)" 0`,
			`EVAL "return redis.breakpoint()" 0`,
			`EVAL "return redis.debug('x')" 0`,
			`EVAL "return redis.replicate_commands()" 0`,
			`EVAL "return redis.REDIS_VERSION" 0`,
			`EVAL "return redis.REDIS_VERSION_NUM" 0`,
			`EVAL "return {redis.LOG_DEBUG, redis.LOG_VERBOSE, redis.LOG_NOTICE, redis.LOG_WARNING}" 0`,
			`EVAL "return {redis.REPL_NONE, redis.REPL_AOF, redis.REPL_SLAVE, redis.REPL_REPLICA, redis.REPL_ALL}" 0`,
			`EVAL "return redis.acl_check_cmd('get','a')" 0`,
			`EVAL "return redis.acl_check_cmd('nosuch')" 0`,
			`EVAL "return redis.acl_check_cmd()" 0`,
		}},
	})
}

func TestScriptResp3Conversions(t *testing.T) {
	diffCases(t, []dcase{
		{name: "setresp3", steps: []step{
			`HSET h f v`,
			`SADD s m`,
			`SET str x`,
			`RPUSH l a b`,
			`ZADD z 1.5 m`,
			`EVAL "redis.setresp(3) return redis.call('hgetall','h')" 0`,
			`EVAL "redis.setresp(3) local r = redis.call('hgetall','h') return r['map']['f']" 0`,
			`EVAL "redis.setresp(3) return redis.call('smembers','s')" 0`,
			`EVAL "redis.setresp(3) local r = redis.call('smembers','s') return r['set']['m']" 0`,
			`EVAL "redis.setresp(3) return redis.call('get','nokey')" 0`,
			`EVAL "redis.setresp(3) return type(redis.call('get','nokey'))" 0`,
			`EVAL "return type(redis.call('get','nokey'))" 0`,
			`EVAL "redis.setresp(3) return redis.call('zscore','z','m')" 0`,
			`EVAL "redis.setresp(3) local r = redis.call('zscore','z','m') return tostring(r['double'])" 0`,
			`EVAL "redis.setresp(3) return redis.call('zrange','z',0,-1,'withscores')" 0`,
			`EVAL "redis.setresp(3) return redis.call('lrange','l',0,-1)" 0`,
			`EVAL "redis.setresp(3) return true" 0`,
			`EVAL "redis.setresp(3) return false" 0`,
			`EVAL "redis.setresp(3) return {true,false,1}" 0`,
			`EVAL "redis.setresp(3) return redis.call('ping')" 0`,
			`EVAL "redis.setresp(3) return redis.call('exists','h')" 0`,
			`EVAL "redis.setresp(3) return redis.call('hrandfield','h',-2,'withvalues')" 0`,
			`EVAL "redis.setresp(3) return redis.call('debug','protocol','bignum')" 0`,
			`EVAL "redis.setresp(3) return redis.call('debug','protocol','double')" 0`,
			`EVAL "redis.setresp(3) return redis.call('debug','protocol','true')" 0`,
			`EVAL "redis.setresp(3) return redis.call('debug','protocol','false')" 0`,
			`EVAL "redis.setresp(3) return redis.call('debug','protocol','null')" 0`,
			`EVAL "redis.setresp(3) return redis.call('debug','protocol','verbatim')" 0`,
			`EVAL "redis.setresp(3) return redis.call('debug','protocol','attrib')" 0`,
			`EVAL "return redis.call('debug','protocol','bignum')" 0`,
			`EVAL "return redis.call('debug','protocol','verbatim')" 0`,
			`EVAL "return redis.call('debug','protocol','null')" 0`,
			`EVAL "return {double=1/3}" 0`,
			`EVAL "return {double=1/0}" 0`,
			`EVAL "return {double=-1/0}" 0`,
			`EVAL "return {map={k={1,2}}}" 0`,
			`EVAL "return {big_number='12\\r\\n3'}" 0`,
			`EVAL "return {verbatim_string={format='mkd', string='# hi'}}" 0`,
			`EVAL "return {verbatim_string={format=1}}" 0`,
		}},
	})
}

func TestScriptSandbox(t *testing.T) {
	diffCases(t, []dcase{
		{name: "globals", steps: []step{
			`EVAL "local r={} for k,v in pairs(_G) do r[#r+1]=k..':'..type(v) end table.sort(r) return r" 0`,
			`EVAL "return getmetatable(cjson.null)" 0`,
			`EVAL "cjson.encode = nil" 0`,
			`EVAL "return cjson.encode({1,2,{a=1}})" 0`,
			`EVAL "return cjson.decode('[1,2,{\"a\":[true,null]}]')[3]['a'][1]" 0`,
			`EVAL "return cmsgpack.unpack(cmsgpack.pack({1,2,3}))" 0`,
			`EVAL "return bit.band(0xff, 0x0f)" 0`,
			`EVAL "return struct.pack('>I2', 258)" 0`,
			`EVAL "local t = {} for _, lib in ipairs({'cjson','cmsgpack','bit','struct'}) do local n = {} for k in pairs(_G[lib]) do n[#n+1] = k end table.sort(n) t[#t+1] = table.concat(n, ',') end return t" 0`,
			`EVAL "local r={} for k,v in pairs(string) do r[#r+1]=k..':'..type(v) end table.sort(r) return r" 0`,
			`EVAL "local r={} for k,v in pairs(table) do r[#r+1]=k..':'..type(v) end table.sort(r) return r" 0`,
			`EVAL "local r={} for k,v in pairs(math) do r[#r+1]=k..':'..type(v) end table.sort(r) return r" 0`,
			`EVAL "local r={} for k,v in pairs(redis) do r[#r+1]=k..':'..type(v) end table.sort(r) return r" 0`,
			`EVAL "local r={} for k,v in pairs(coroutine) do r[#r+1]=k..':'..type(v) end table.sort(r) return r" 0`,
			`EVAL "return type(os)" 0`,
			`EVAL "return type(io)" 0`,
			`EVAL "return type(print)" 0`,
			`EVAL "return type(loadfile)" 0`,
			`EVAL "return type(dofile)" 0`,
			`EVAL "return type(require)" 0`,
			`EVAL "return type(debug)" 0`,
			`EVAL "return type(package)" 0`,
			`EVAL "return type(module)" 0`,
			`EVAL "return type(setfenv)" 0`,
			`EVAL "return _VERSION" 0`,
			`EVAL "return getmetatable(string)" 0`,
			`EVAL "return getmetatable('')" 0`,
			`EVAL "table.insert(string, 1)" 0`,
			`EVAL "table.remove(redis)" 0`,
			`EVAL "string.upper = nil" 0`,
			`EVAL "math.random = nil" 0`,
			`EVAL "return string.upper('x')" 0`,
			`EVAL "return ('abc'):upper()" 0`,
			`EVAL "local t = {} t.x = 1 return t.x" 0`,
			`EVAL "local t = setmetatable({}, {__index=function() return 5 end}) return t.q" 0`,
			`EVAL "return rawget(string, 'upper') ~= nil" 0`,
			`EVAL "return rawequal(string, string)" 0`,
			`EVAL "return #KEYS" 3 a b c`,
			`EVAL "return select('#', unpack(ARGV))" 0 a b c`,
			`EVAL "return table.concat(ARGV, ',')" 0 a b c`,
			`EVAL "return loadstring('return 1')()" 0`,
			`EVAL "local f = loadstring('x = 1') return pcall(f)" 0`,
			`EVAL "return math.huge > 1e308" 0`,
			`EVAL "return tostring(math.huge)" 0`,
		}},
		{name: "numbers", steps: []step{
			`EVAL "return tostring(0.1)..' '..tostring(1/3)..' '..tostring(2^53)..' '..tostring(1e300)..' '..tostring(-0.0)" 0`,
			`EVAL "return tostring(1/0)..' '..tostring(-1/0)" 0`,
			`EVAL "return tostring(100)..' '..tostring(-7)..' '..tostring(1e15)..' '..tostring(123456.789)" 0`,
			`EVAL "return tonumber('0x10')" 0`,
			`EVAL "return tonumber('  12  ')" 0`,
			`EVAL "return tonumber('1e2')" 0`,
			`EVAL "return string.format('%d %s %5.2f', 3, 'x', 1.5)" 0`,
		}},
		{name: "random", steps: []step{
			`EVAL "math.randomseed(0) return tostring(math.random())" 0`,
			`EVAL "math.randomseed(1) return {math.random(10), math.random(5,9), tostring(math.random())}" 0`,
			`EVAL "math.randomseed(42) local t = {} for i=1,20 do t[i] = math.random(1000) end return t" 0`,
			`EVAL "return math.random(0)" 0`,
			`EVAL "return math.random(5,1)" 0`,
			`EVAL "return math.random(1,2,3)" 0`,
		}},
	})
}

func TestScriptShebang(t *testing.T) {
	diffCases(t, []dcase{
		{name: "flags", steps: []step{
			`EVAL "#!lua\nreturn 1" 0`,
			`EVAL "#!lua flags=no-writes\nreturn redis.call('get','k')" 0`,
			`EVAL "#!lua flags=no-writes\nreturn redis.call('set','k','v')" 0`,
			`EVAL "#!lua flags=no-writes,allow-oom,allow-stale,no-cluster,allow-cross-slot-keys\nreturn 1" 0`,
			`EVAL "#!lua flags=\nreturn 2" 0`,
			`EVAL "#!lua flags=bogus\nreturn 1" 0`,
			`EVAL "#!lua name=x\nreturn 1" 0`,
			`EVAL "#!python\nreturn 1" 0`,
			`EVAL "#!lua" 0`,
			`EVAL "#!\nreturn 1" 0`,
			`EVAL "#!lua\n\nerror('on3')" 0`,
			`EVAL_RO "return redis.call('get','k')" 0`,
			`EVAL_RO "return redis.call('set','k','v')" 0`,
			`EVAL_RO "return redis.pcall('set','k','v')" 0`,
			`EVAL_RO "#!lua\nreturn 1" 0`,
			`EVAL_RO "#!lua flags=no-writes\nreturn redis.call('set','k','v')" 0`,
			`EVAL_RO "#!lua flags=no-writes\nreturn redis.call('get','k')" 0`,
			`EVAL "#!lua\nreturn redis.call('set','k','v')" 0`,
			`SCRIPT LOAD "#!lua flags=bogus\nreturn 1"`,
			`SCRIPT LOAD "#!lua flags=no-writes\nreturn redis.call('get','k')"`,
			`EVALSHA_RO 3c2ee8dd5b1bcb13d3ec0b5dcbc9b0a80c49e8b2 0`,
		}},
	})
}

func TestScriptMemoryBounds(t *testing.T) {
	diffCases(t, []dcase{
		{name: "sparse", steps: []step{
			`EVAL "local t = {} t[2^25] = 1 return #t" 0`,
			`EVAL "local t = {} t[2^25] = 1 t[2^26] = 2 return {t[2^25], t[2^26]}" 0`,
			`EVAL "local t = {} for i = 1, 1000 do t[i] = i end return #t" 0`,
		}},
	})
}

// TestScriptEndlessLoopShutdown checks that a script that never ends does
// not hold up Close: the instruction hook aborts it.
func TestScriptEndlessLoopShutdown(t *testing.T) {
	srv, err := startKvd(nil)
	if err != nil {
		t.Fatal(err)
	}
	c := dial(t, srv.Addr().String())
	c.write(encode("EVAL", "while true do end", "0"))
	time.Sleep(200 * time.Millisecond)
	done := make(chan struct{})
	go func() { srv.Close(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Close did not return while a script loops")
	}
}

// randomLuaValue writes a random nested Lua value: scalars, arrays with
// holes, status/error/double tables (no hash-ordered maps).
func randomLuaValue(r *rand.Rand, depth int) string {
	switch k := r.IntN(12); {
	case k == 0:
		return fmt.Sprintf("'%s'", strings.Repeat("ab", r.IntN(4)))
	case k == 1:
		return strconv.Itoa(r.IntN(2000) - 1000)
	case k == 2:
		return fmt.Sprintf("%d.%d", r.IntN(100)-50, r.IntN(100))
	case k == 3:
		return []string{"true", "false", "nil"}[r.IntN(3)]
	case k == 4:
		return fmt.Sprintf("{ok='st%d'}", r.IntN(10))
	case k == 5:
		return fmt.Sprintf("{err='CODE%d msg'}", r.IntN(10))
	case k == 6:
		return fmt.Sprintf("{double=%d.25}", r.IntN(100))
	case depth > 5:
		return "{}"
	default:
		n := r.IntN(5)
		parts := make([]string, n)
		for i := range parts {
			parts[i] = randomLuaValue(r, depth+1)
		}
		return "{" + strings.Join(parts, ",") + "}"
	}
}

// TestScriptRandomConversions returns seeded random nested tables from
// scripts on both servers, in both protocols, with and without
// redis.setresp(3).
func TestScriptRandomConversions(t *testing.T) {
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	r := rand.New(rand.NewPCG(seed, 1))
	var steps []step
	for i := 0; i < 60; i++ {
		v := randomLuaValue(r, 0)
		prefix := ""
		if i%2 == 1 {
			prefix = "redis.setresp(3) "
		}
		steps = append(steps, `EVAL "`+prefix+`return `+v+`" 0`)
	}
	diffCases(t, []dcase{{name: "random", steps: steps}})
}

func TestScriptTransactionsAndStats(t *testing.T) {
	diffCases(t, []dcase{
		{name: "multi", steps: []step{
			`MULTI`,
			`EVAL "return redis.call('incr','m')" 0`,
			`EVAL "return redis.call('nosuch')" 0`,
			`EXEC`,
			`GET m`,
		}},
		{name: "watch", steps: []step{
			`SET w 1`,
			`WATCH w`,
			`EVAL "return redis.call('incr','w')" 0`,
			`MULTI`,
			`GET w`,
			`EXEC`,
		}},
		{name: "blocking", steps: []step{
			`EVAL "return redis.call('blpop','nolist',0)" 0`,
			`EVAL "return redis.call('brpoplpush','a','b',0)" 0`,
			`EVAL "return redis.call('bzpopmin','z',1)" 0`,
		}},
		{name: "time", steps: []step{
			`!type EVAL "return redis.call('time')" 0`,
			`EVAL "local a = redis.call('time') local b = redis.call('time') return a[1] == b[1] and a[2] == b[2]" 0`,
		}},
		{name: "stats", steps: []step{
			`CONFIG RESETSTAT`,
			`EVAL "redis.call('incr','s1') redis.call('incr','s1') return redis.call('get','s1')" 0`,
			`EVAL "return redis.call('incr','s1','x')" 0`,
			`SET str notanumber`,
			`EVAL "return redis.call('incr','str')" 0`,
			`EVAL "return redis.pcall('incr','str')" 0`,
			`EVAL "return {err='MY thing'}" 0`,
			`!re:cmdstat_incr:calls=(\d+),usec=\d+,usec_per_call=[\d.]+,rejected_calls=(\d+),failed_calls=(\d+) INFO commandstats`,
			`!re:cmdstat_eval:calls=(\d+),usec=\d+,usec_per_call=[\d.]+,rejected_calls=(\d+),failed_calls=(\d+) INFO commandstats`,
			`!re:(errorstat_ERR:count=\d+) INFO errorstats`,
			`!re:(errorstat_MY:count=\d+) INFO errorstats`,
			`!re:(total_error_replies:\d+) INFO stats`,
		}},
	})
}

func TestScriptDataShapes(t *testing.T) {
	diffCases(t, []dcase{{name: "shapes", steps: []step{
		`EVAL "return redis.call('set', KEYS[1], ARGV[1])" 1 "bin\x00key" "va\x00lue\r\n"`,
		`EVAL "return redis.call('get', KEYS[1])" 1 "bin\x00key"`,
		`EVAL "return #redis.call('get', KEYS[1])" 1 "bin\x00key"`,
		`EVAL "local t = {} for i = 1, 10000 do t[i] = i end return t" 0`,
		`EVAL "for i = 1, 1000 do redis.call('rpush', 'big', i) end return redis.call('llen', 'big')" 0`,
		`EVAL "return redis.call('lrange', 'big', 0, -1)" 0`,
		`EVAL "local r = redis.call('lrange', 'big', 0, -1) return #r" 0`,
		`EVAL "return string.rep('x', 100000)" 0`,
		`EVAL "#!lua\r\nreturn 1" 0`,
		`EVAL "return 'a' .. 1 .. 2.5" 0`,
		`EVAL "return tostring(10/2)" 0`,
		`EVAL "return {1e15, 1e16, -1e15, 2^31, -2^31, 2^63, -2^63}" 0`,
		`EVAL "return redis.call('incrbyfloat', 'f', '1.5')" 0`,
		`EVAL "return redis.call('hincrbyfloat', 'hf', 'x', 2.25)" 0`,
		`EVAL "return redis.call('zadd', 'zz', 1.25, 'a')" 0`,
		`EVAL "return redis.call('zscore', 'zz', 'a')" 0`,
	}}})
}
