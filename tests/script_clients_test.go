package tests

import (
	"context"
	"fmt"
	"testing"

	"github.com/redis/go-redis/v9"
)

// Scripts from the field, run on both servers, and the real clients'
// script helpers.

// fieldScripts are scripts as applications ship them: a token bucket, a
// Redlock release and extend, a sliding-window limiter on a sorted set, a
// cjson round trip and cmsgpack.
var fieldScripts = []dcase{
	{name: "token-bucket", steps: []step{
		`EVAL "local tokens_key = KEYS[1] local ts_key = KEYS[2] local rate = tonumber(ARGV[1]) local capacity = tonumber(ARGV[2]) local now = tonumber(ARGV[3]) local requested = tonumber(ARGV[4]) local fill_time = capacity/rate local ttl = math.floor(fill_time*2) local last_tokens = tonumber(redis.call('get', tokens_key)) if last_tokens == nil then last_tokens = capacity end local last_refreshed = tonumber(redis.call('get', ts_key)) if last_refreshed == nil then last_refreshed = 0 end local delta = math.max(0, now-last_refreshed) local filled_tokens = math.min(capacity, last_tokens+(delta*rate)) local allowed = filled_tokens >= requested local new_tokens = filled_tokens local allowed_num = 0 if allowed then new_tokens = filled_tokens - requested allowed_num = 1 end redis.call('setex', tokens_key, ttl, new_tokens) redis.call('setex', ts_key, ttl, now) return { allowed_num, new_tokens }" 2 rl.tokens rl.ts 10 20 1000 5`,
		`EVAL "local tokens_key = KEYS[1] local ts_key = KEYS[2] local rate = tonumber(ARGV[1]) local capacity = tonumber(ARGV[2]) local now = tonumber(ARGV[3]) local requested = tonumber(ARGV[4]) local fill_time = capacity/rate local ttl = math.floor(fill_time*2) local last_tokens = tonumber(redis.call('get', tokens_key)) if last_tokens == nil then last_tokens = capacity end local last_refreshed = tonumber(redis.call('get', ts_key)) if last_refreshed == nil then last_refreshed = 0 end local delta = math.max(0, now-last_refreshed) local filled_tokens = math.min(capacity, last_tokens+(delta*rate)) local allowed = filled_tokens >= requested local new_tokens = filled_tokens local allowed_num = 0 if allowed then new_tokens = filled_tokens - requested allowed_num = 1 end redis.call('setex', tokens_key, ttl, new_tokens) redis.call('setex', ts_key, ttl, now) return { allowed_num, new_tokens }" 2 rl.tokens rl.ts 10 20 1000 18`,
		`GET rl.tokens`,
		`TTL rl.ts`,
	}},
	{name: "redlock", steps: []step{
		`SET lock tok1 PX 30000`,
		`EVAL "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end" 1 lock tok1 60000`,
		`EVAL "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end" 1 lock other 60000`,
		`EVAL "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end" 1 lock other`,
		`EVAL "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end" 1 lock tok1`,
		`EXISTS lock`,
	}},
	{name: "sliding-window", steps: []step{
		`EVAL "local key = KEYS[1] local now = tonumber(ARGV[1]) local window = tonumber(ARGV[2]) local limit = tonumber(ARGV[3]) redis.call('zremrangebyscore', key, 0, now - window) local count = redis.call('zcard', key) if count < limit then redis.call('zadd', key, now, ARGV[4]) redis.call('pexpire', key, window) return 1 end return 0" 1 sw 1000 500 2 r1`,
		`EVAL "local key = KEYS[1] local now = tonumber(ARGV[1]) local window = tonumber(ARGV[2]) local limit = tonumber(ARGV[3]) redis.call('zremrangebyscore', key, 0, now - window) local count = redis.call('zcard', key) if count < limit then redis.call('zadd', key, now, ARGV[4]) redis.call('pexpire', key, window) return 1 end return 0" 1 sw 1100 500 2 r2`,
		`EVAL "local key = KEYS[1] local now = tonumber(ARGV[1]) local window = tonumber(ARGV[2]) local limit = tonumber(ARGV[3]) redis.call('zremrangebyscore', key, 0, now - window) local count = redis.call('zcard', key) if count < limit then redis.call('zadd', key, now, ARGV[4]) redis.call('pexpire', key, window) return 1 end return 0" 1 sw 1200 500 2 r3`,
		`EVAL "local key = KEYS[1] local now = tonumber(ARGV[1]) local window = tonumber(ARGV[2]) local limit = tonumber(ARGV[3]) redis.call('zremrangebyscore', key, 0, now - window) local count = redis.call('zcard', key) if count < limit then redis.call('zadd', key, now, ARGV[4]) redis.call('pexpire', key, window) return 1 end return 0" 1 sw 1700 500 2 r4`,
		`ZRANGE sw 0 -1 WITHSCORES`,
	}},
	{name: "cjson", steps: []step{
		`SET doc "{\"user\":{\"name\":\"ann\",\"tags\":[\"a\",\"b\"],\"age\":42,\"ok\":true,\"none\":null}}"`,
		`EVAL "local d = cjson.decode(redis.call('get', KEYS[1])) d.user.age = d.user.age + 1 table.insert(d.user.tags, 'c') redis.call('set', KEYS[1], cjson.encode({d.user.name, d.user.age, d.user.tags})) return redis.call('get', KEYS[1])" 1 doc`,
		`EVAL "return cjson.encode(cjson.decode('[1,2.5,\"x\",[[]],{}]'))" 0`,
		`EVAL "return cjson.decode('{bad')" 0`,
	}},
	{name: "cmsgpack", steps: []step{
		`EVAL "local p = cmsgpack.pack({1, 'two', {3, 4}, true, 2.5}) redis.call('set', KEYS[1], p) local u = cmsgpack.unpack(redis.call('get', KEYS[1])) return {u[1], u[2], u[3], tostring(u[4]), tostring(u[5])}" 1 mp`,
		`GET mp`,
		`EVAL "return {cmsgpack.unpack(cmsgpack.pack(1, 'a', -7))}" 0`,
	}},
}

func TestScriptFieldScripts(t *testing.T) {
	diffCases(t, fieldScripts)
}

// TestScriptGoRedis runs go-redis's Script (EVALSHA, falling back to EVAL
// on NOSCRIPT) and FCall on both servers.
func TestScriptGoRedis(t *testing.T) {
	needRedis(t)
	ctx := context.Background()
	s := sharedServers()
	script := redis.NewScript(`return redis.call('INCRBY', KEYS[1], ARGV[1])`)
	got := map[string][]string{}
	for _, addr := range []string{s.redis, s.kvd} {
		rdb := redis.NewClient(&redis.Options{Addr: addr})
		rdb.FlushAll(ctx)
		rdb.ScriptFlush(ctx)
		rdb.FunctionFlush(ctx)
		var out []string
		for i := 0; i < 3; i++ {
			v, err := script.Run(ctx, rdb, []string{"counter"}, 5).Result()
			out = append(out, fmt.Sprint(v, err))
		}
		exists, err := script.Exists(ctx, rdb).Result()
		out = append(out, fmt.Sprint(exists, err))
		_, err = rdb.FunctionLoad(ctx, "#!lua name=golib\nredis.register_function('gofn', function(keys, args) return {keys[1], args[1], redis.call('incr', keys[1])} end)").Result()
		out = append(out, fmt.Sprint(err))
		v, err := rdb.FCall(ctx, "gofn", []string{"c2"}, "arg").Result()
		out = append(out, fmt.Sprint(v, err))
		v, err = rdb.FCallRO(ctx, "gofn", []string{"c2"}, "arg").Result()
		out = append(out, fmt.Sprint(v, err))
		libs, err := rdb.FunctionList(ctx, redis.FunctionListQuery{LibraryNamePattern: "golib", WithCode: true}).Result()
		out = append(out, fmt.Sprint(libs, err))
		rdb.FunctionFlush(ctx)
		rdb.Close()
		got[addr] = out
	}
	for i := range got[s.redis] {
		if got[s.redis][i] != got[s.kvd][i] {
			t.Errorf("step %d: redis %q, kvd %q", i, got[s.redis][i], got[s.kvd][i])
		}
	}
}

// TestScriptInfo compares INFO's script counters.
func TestScriptInfo(t *testing.T) {
	diffCases(t, []dcase{{name: "info", steps: []step{
		`SCRIPT FLUSH`,
		`FUNCTION FLUSH`,
		`EVAL "return 1" 0`,
		`EVAL "return 2" 0`,
		`FUNCTION LOAD "#!lua name=i\nredis.register_function('i1', function() return 1 end)\nredis.register_function('i2', function() return 1 end)"`,
		`!re:number_of_cached_scripts:(\d+) INFO memory`,
		`!re:number_of_functions:(\d+) INFO memory`,
		`!re:number_of_libraries:(\d+) INFO memory`,
		`FUNCTION FLUSH`,
		`SCRIPT FLUSH`,
		`!re:number_of_cached_scripts:(\d+) INFO memory`,
	}}})
}

// TestScriptRedisPy runs redis-py's register_script (EVALSHA with an EVAL
// fallback) and its function helpers on both servers.
func TestScriptRedisPy(t *testing.T) {
	needRedis(t)
	script := `
import os, redis
r = redis.Redis(host=os.environ["HOST"], port=int(os.environ["PORT"]))
r.flushall()
r.script_flush()
r.function_flush()
incr = r.register_script("return redis.call('INCRBY', KEYS[1], ARGV[1])")
print(incr(keys=["c"], args=[3]), incr(keys=["c"], args=[4]))
print(r.script_exists(incr.sha))
p = r.pipeline()
incr(keys=["c"], args=[1], client=p)
incr(keys=["c"], args=[1], client=p)
print(p.execute())
try:
    r.eval("return redis.call('nosuch')", 0)
except redis.ResponseError as e:
    print("error:", e)
print(r.function_load("#!lua name=pylib\nredis.register_function('pyfn', function(keys, args) return {keys[1], #args} end)"))
print(r.fcall("pyfn", 1, "k", "a", "b"))
print(r.function_list(library="pylib"))
`
	s := sharedServers()
	want, got := runRedisPy(t, s.redis, script), runRedisPy(t, s.kvd, script)
	if want != got {
		t.Errorf("redis-py:\n redis: %s\n   kvd: %s", want, got)
	}
}

// TestScriptACL checks redis.call against the caller's ACL user: the
// command and key permissions, the errors and the ACL LOG entries.
func TestScriptACL(t *testing.T) {
	s := privateServers(t, nil)
	for _, addr := range []string{s.redis, s.kvd} {
		c := dial(t, addr)
		c.do("ACL", "SETUSER", "scr", "on", "nopass", "~a*", "&*", "+eval", "+evalsha", "+get", "+set", "+script|load", "+fcall", "+function|load", "+acl|log")
	}
	diffSession(t, s, []step{
		`AUTH scr x`,
		`EVAL "return redis.call('set','a1','v')" 0`,
		`EVAL "return redis.call('get','a1')" 0`,
		`EVAL "return redis.call('incr','a2')" 0`,
		`EVAL "return redis.call('get','b')" 0`,
		`EVAL "return redis.pcall('get','b')" 0`,
		`EVAL "return redis.acl_check_cmd('get','a1')" 0`,
		`EVAL "return redis.acl_check_cmd('get','b')" 0`,
		`EVAL "return redis.acl_check_cmd('incr','a1')" 0`,
		`!acl ACL LOG`,
	})
}
