package tests

// Client tests that need commands other parts of kvd are still gaining:
// INCR/DECR/MSET/MGET (strings), DEL/EXISTS/EXPIRE/TTL (keys), HELLO,
// AUTH and CLIENT INFO (connection), CONFIG GET (server). They describe
// Redis's documented behaviour and fail until those commands exist.

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kvdserver/kvd/server"
	"github.com/redis/go-redis/v9"
)

// TestClientGoRedisFullWorkload is the go-redis workload with counters,
// multi-key commands and expiry, in RESP3 (go-redis's default, negotiated
// with HELLO 3) and RESP2.
func TestClientGoRedisFullWorkload(t *testing.T) {
	for _, pr := range goRedisProtocols {
		t.Run(pr.name, func(t *testing.T) {
			ctx := context.Background()
			rdb := newGoRedis(t, env.kvdAddr, pr.protocol, 0)
			must := func(err error) {
				t.Helper()
				if err != nil {
					t.Fatal(err)
				}
			}
			must(rdb.FlushAll(ctx).Err())

			// The connection speaks the protocol asked for.
			info, err := rdb.Do(ctx, "CLIENT", "INFO").Text()
			must(err)
			wantResp := "resp=3"
			if pr.protocol == 2 {
				wantResp = "resp=2"
			}
			found := false
			for _, f := range strings.Fields(info) {
				found = found || f == wantResp
			}
			if !found {
				t.Fatalf("CLIENT INFO: %q; want %s", info, wantResp)
			}

			// Counters.
			if n, err := rdb.Incr(ctx, "hits").Result(); err != nil || n != 1 {
				t.Fatalf("INCR: %d %v", n, err)
			}
			if n, err := rdb.IncrBy(ctx, "hits", 41).Result(); err != nil || n != 42 {
				t.Fatalf("INCRBY: %d %v", n, err)
			}
			if n, err := rdb.Decr(ctx, "hits").Result(); err != nil || n != 41 {
				t.Fatalf("DECR: %d %v", n, err)
			}
			must(rdb.Set(ctx, "text", "abc", 0).Err())
			if err := rdb.Incr(ctx, "text").Err(); err == nil || err.Error() != "ERR value is not an integer or out of range" {
				t.Fatalf("INCR on text: %v", err)
			}

			// Multi-key commands.
			must(rdb.MSet(ctx, "a", "1", "b", "2", "c", "3").Err())
			vals, err := rdb.MGet(ctx, "a", "b", "missing", "c").Result()
			must(err)
			if len(vals) != 4 || vals[0] != "1" || vals[1] != "2" || vals[2] != nil || vals[3] != "3" {
				t.Fatalf("MGET: %#v", vals)
			}
			if n, err := rdb.Exists(ctx, "a", "b", "missing").Result(); err != nil || n != 2 {
				t.Fatalf("EXISTS: %d %v", n, err)
			}
			if n, err := rdb.Del(ctx, "a", "b", "missing").Result(); err != nil || n != 2 {
				t.Fatalf("DEL: %d %v", n, err)
			}

			// Expiry.
			if ok, err := rdb.Expire(ctx, "c", 100*time.Second).Result(); err != nil || !ok {
				t.Fatalf("EXPIRE: %v %v", ok, err)
			}
			if d, err := rdb.TTL(ctx, "c").Result(); err != nil || d < 99*time.Second || d > 100*time.Second {
				t.Fatalf("TTL: %v %v", d, err)
			}
			if d, err := rdb.TTL(ctx, "hits").Result(); err != nil || d != -1 {
				t.Fatalf("TTL without expiry: %v %v", d, err)
			}
			if d, err := rdb.TTL(ctx, "missing").Result(); err != nil || d != -2 {
				t.Fatalf("TTL missing: %v %v", d, err)
			}
			if ok, err := rdb.Expire(ctx, "missing", time.Second).Result(); err != nil || ok {
				t.Fatalf("EXPIRE missing: %v %v", ok, err)
			}
			must(rdb.Set(ctx, "soon", "x", 0).Err())
			must(rdb.PExpire(ctx, "soon", 50*time.Millisecond).Err())
			waitFor(t, 10*time.Second, "key to expire", func() bool {
				n, err := rdb.Exists(ctx, "soon").Result()
				return err == nil && n == 0
			})

			// A pipeline of counters.
			cmds, err := rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
				for i := 0; i < 500; i++ {
					p.Incr(ctx, "pc:"+strconv.Itoa(i%10))
				}
				p.MGet(ctx, "pc:0", "pc:9")
				return nil
			})
			must(err)
			if v := cmds[len(cmds)-1].(*redis.SliceCmd).Val(); len(v) != 2 || v[0] != "50" || v[1] != "50" {
				t.Fatalf("pipelined counters: %#v", v)
			}
		})
	}
}

// TestClientRedisBenchmark runs redis-benchmark -t ping,set,get,incr,mset
// -n 20000 and requires every test to complete with no error or warning.
func TestClientRedisBenchmark(t *testing.T) {
	checkBenchmark(t, []string{"PING_INLINE", "PING_MBULK", "SET", "GET", "INCR", "MSET (10 keys)"}, nil,
		"-t", "ping,set,get,incr,mset", "-n", "20000")
}

// TestClientRedisCliResp3 compares redis-cli -3 (HELLO 3, then RESP3
// replies) on both servers.
func TestClientRedisCliResp3(t *testing.T) {
	cli := needTool(t, "redis-cli")
	needRedis(t)
	cases := [][]string{
		{"-3", "SET", "a", "b"},
		{"-3", "GET", "a"},
		{"-3", "--no-raw", "GET", "missing"},
		{"-3", "--no-raw", "HELLO", "3"},
		{"-3", "--no-raw", "PING"},
	}
	run := func(addr string) []toolResult {
		runTool(t, cli, addr, nil, "FLUSHALL")
		var out []toolResult
		for _, c := range cases {
			out = append(out, runTool(t, cli, addr, nil, c...))
		}
		return out
	}
	want, got := run(env.redisAddr), run(env.kvdAddr)
	for i, c := range cases {
		if c[len(c)-2] == "HELLO" {
			// The server's identity differs; compare the shape.
			if strings.Count(got[i].stdout, "\n") != strings.Count(want[i].stdout, "\n") || got[i].code != want[i].code {
				t.Errorf("redis-cli %q:\nredis: %+v\n  kvd: %+v", c, want[i], got[i])
			}
			continue
		}
		if got[i] != want[i] {
			t.Errorf("redis-cli %q:\nredis: %+v\n  kvd: %+v", c, want[i], got[i])
		}
	}
}

// TestProtoAuthLiftsLimits: once a client has authenticated (AUTH), the
// unauthenticated request limits no longer apply to it.
func TestProtoAuthLiftsLimits(t *testing.T) {
	srv := newKvd(t, func(c *server.Config) { c.RequirePass = "secret" })
	addrs := map[string]string{"kvd": srv.Addr().String()}
	if _, err := redisServerPath(); err == nil {
		addrs["redis"] = newRedis(t, "--requirepass", "secret")
	} else {
		needRedis(t)
	}
	big := strings.Repeat("z", 20000)
	in := string(encode("AUTH", "secret")) + string(encode("ECHO", big)) +
		"*11\r\n" + strings.Repeat("$4\r\nPING\r\n", 11)
	want := outcome{data: []byte("+OK\r\n$20000\r\n" + big + "\r\n-ERR wrong number of arguments for 'ping' command\r\n")}
	for name, addr := range addrs {
		if got := exchange(t, addr, []byte(in), nil, &want); !sameOutcome(got, want) {
			t.Errorf("%s:\n got: %v\nwant: %v", name, got, want)
		}
	}
}
