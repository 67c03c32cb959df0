package tests

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// Streams through real clients: a go-redis consumer-group worker loop and
// redis-py's stream API.

// TestStreamGoRedisWorkers runs producers (XAdd with MAXLEN ~) and a group
// of consumers (XReadGroup with BLOCK, XAck) and checks that every job is
// processed exactly once and nothing stays pending.
func TestStreamGoRedisWorkers(t *testing.T) {
	for _, pr := range goRedisProtocols {
		t.Run(pr.name, func(t *testing.T) {
			kvdConn(t) // flush
			ctx := context.Background()
			rdb := newGoRedis(t, env.kvdAddr, pr.protocol, 0)
			if err := rdb.XGroupCreateMkStream(ctx, "jobs", "workers", "$").Err(); err != nil {
				t.Fatal(err)
			}
			const producers, consumers, jobs = 3, 5, 1500
			var mu sync.Mutex
			seen := map[string]int{}
			done := make(chan struct{})
			errs := make(chan error, producers+consumers)
			var wg sync.WaitGroup
			for i := range consumers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					name := fmt.Sprintf("worker%d", i)
					for {
						res, err := rdb.XReadGroup(ctx, &redis.XReadGroupArgs{
							Group: "workers", Consumer: name, Streams: []string{"jobs", ">"}, Count: 10, Block: 200 * time.Millisecond,
						}).Result()
						if errors.Is(err, redis.Nil) {
							select {
							case <-done:
								return
							default:
								continue
							}
						}
						if err != nil {
							errs <- err
							return
						}
						for _, st := range res {
							for _, m := range st.Messages {
								mu.Lock()
								seen[m.Values["job"].(string)]++
								mu.Unlock()
								if err := rdb.XAck(ctx, "jobs", "workers", m.ID).Err(); err != nil {
									errs <- err
									return
								}
							}
						}
					}
				}()
			}
			var pwg sync.WaitGroup
			for p := range producers {
				pwg.Add(1)
				go func() {
					defer pwg.Done()
					for j := p; j < jobs; j += producers {
						if err := rdb.XAdd(ctx, &redis.XAddArgs{Stream: "jobs", MaxLen: 100000, Approx: true,
							Values: map[string]any{"job": fmt.Sprint(j)}}).Err(); err != nil {
							errs <- err
							return
						}
					}
				}()
			}
			pwg.Wait()
			waitFor(t, 30*time.Second, "every job consumed", func() bool {
				mu.Lock()
				defer mu.Unlock()
				return len(seen) == jobs
			})
			close(done)
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Fatal(err)
			}
			for j, c := range seen {
				if c != 1 {
					t.Errorf("job %s consumed %d times", j, c)
				}
			}
			p, err := rdb.XPending(ctx, "jobs", "workers").Result()
			if err != nil || p.Count != 0 {
				t.Fatalf("XPENDING: %+v %v", p, err)
			}
			if n, err := rdb.XLen(ctx, "jobs").Result(); err != nil || n != jobs {
				t.Fatalf("XLEN: %d %v", n, err)
			}
			groups, err := rdb.XInfoGroups(ctx, "jobs").Result()
			if err != nil || len(groups) != 1 || groups[0].Lag != 0 || groups[0].EntriesRead != jobs {
				t.Fatalf("XINFO GROUPS: %+v %v", groups, err)
			}
		})
	}
}

// TestStreamRedisPy runs redis-py's stream calls on both servers: the same
// output.
func TestStreamRedisPy(t *testing.T) {
	needRedis(t)
	script := `
import os, redis
r = redis.Redis(host=os.environ["HOST"], port=int(os.environ["PORT"]), decode_responses=True)
r.flushall()
for i in range(1, 8):
    r.xadd("s", {"n": i, "sq": i * i}, id="%d-0" % i)
print(r.xlen("s"), r.xrange("s", "2-0", "4-0"), r.xrevrange("s", count=2))
r.xgroup_create("s", "g", id="0")
print(r.xreadgroup("g", "c1", {"s": ">"}, count=3))
print(r.xack("s", "g", "1-0", "2-0"))
p = r.xpending("s", "g")
print(p["pending"], p["min"], p["max"], p["consumers"])
print([(e["message_id"], e["consumer"], e["times_delivered"]) for e in r.xpending_range("s", "g", "-", "+", 10)])
print(r.xclaim("s", "g", "c2", 0, ["3-0"], justid=True))
print(r.xautoclaim("s", "g", "c3", 0, "0-0", count=5))
print(r.xtrim("s", maxlen=3), r.xdel("s", "7-0"), r.xlen("s"))
info = r.xinfo_stream("s")
print(info["length"], info["last-generated-id"], info["entries-added"], info["first-entry"], info["last-entry"])
print([(g["name"], g["pending"], g["last-delivered-id"], g["lag"]) for g in r.xinfo_groups("s")])
print(sorted((c["name"], c["pending"]) for c in r.xinfo_consumers("s", "g")))
print(r.xread({"s": "0-0"}, count=1), r.xread({"s": "$"}, block=10))
`
	s := sharedServers()
	want := runRedisPy(t, s.redis, script)
	got := runRedisPy(t, s.kvd, script)
	if got != want {
		t.Errorf("redis-py:\n redis: %s\n   kvd: %s", want, got)
	}
}
