package tests

import (
	"context"
	"testing"
	"time"

	"github.com/redis/rueidis"
)

// TestTrackingRueidis uses rueidis with its default options, which turn
// client-side caching on (RESP3, CLIENT TRACKING ON OPTIN): a cached GET
// is served from the client's cache until another client's SET (or a
// FLUSHALL) invalidates it, on kvd as on Redis.
func TestTrackingRueidis(t *testing.T) {
	s := privateServers(t, nil)
	onBoth(t, s, func(t *testing.T, addr string) {
		ctx := context.Background()
		rc, err := rueidis.NewClient(rueidis.ClientOption{InitAddress: []string{addr}})
		if err != nil {
			t.Fatalf("rueidis: %v", err)
		}
		defer rc.Close()
		other := dialProto(t, addr, 2)
		other.do("SET", "k", "v1")
		get := func() (string, bool) {
			r := rc.DoCache(ctx, rc.B().Get().Key("k").Cache(), time.Minute)
			v, err := r.ToString()
			if err != nil && !rueidis.IsRedisNil(err) {
				t.Fatalf("GET: %v", err)
			}
			return v, r.IsCacheHit()
		}
		if v, hit := get(); v != "v1" || hit {
			t.Fatalf("first GET: %q, cache hit %v", v, hit)
		}
		if v, hit := get(); v != "v1" || !hit {
			t.Fatalf("second GET: %q, cache hit %v (want a hit)", v, hit)
		}
		for i, step := range [][]string{{"SET", "k", "v2"}, {"FLUSHALL"}} {
			other.do(step...)
			want := []string{"v2", ""}[i]
			deadline := time.Now().Add(3 * time.Second)
			for {
				v, hit := get()
				if v == want && !hit {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("after %v: GET still %q (cache hit %v)", step, v, hit)
				}
				time.Sleep(10 * time.Millisecond)
			}
			if v, hit := get(); v != want || !hit {
				t.Fatalf("after %v and a miss: %q, cache hit %v (want a hit)", step, v, hit)
			}
		}
	})
}

// TestNotifyGoRedis receives keyspace notifications with go-redis's
// PSubscribe (RESP3 and RESP2), on kvd as on Redis: the messages of a SET
// with an expiry and of a DEL, in order.
func TestNotifyGoRedis(t *testing.T) {
	s := privateServers(t, nil)
	onBoth(t, s, func(t *testing.T, addr string) {
		for _, p := range goRedisProtocols {
			t.Run(p.name, func(t *testing.T) {
				ctx := context.Background()
				rdb := newGoRedis(t, addr, p.protocol, 0)
				if err := rdb.ConfigSet(ctx, "notify-keyspace-events", "KEA").Err(); err != nil {
					t.Fatal(err)
				}
				defer rdb.ConfigSet(ctx, "notify-keyspace-events", "")
				sub := rdb.PSubscribe(ctx, "__key*__:*")
				defer sub.Close()
				if _, err := sub.Receive(ctx); err != nil {
					t.Fatal(err)
				}
				ch := sub.Channel()
				rdb.Set(ctx, "gk", "v", time.Minute)
				rdb.Del(ctx, "gk")
				want := []string{
					"__keyspace@0__:gk set", "__keyevent@0__:set gk", "__keyspace@0__:gk expire", "__keyevent@0__:expire gk",
					"__keyspace@0__:gk del", "__keyevent@0__:del gk",
				}
				for i, w := range want {
					select {
					case m := <-ch:
						if got := m.Channel + " " + m.Payload; got != w || m.Pattern != "__key*__:*" {
							t.Fatalf("message %d: %q (pattern %q), want %q", i, got, m.Pattern, w)
						}
					case <-time.After(3 * time.Second):
						t.Fatalf("message %d (%q) did not come", i, w)
					}
				}
			})
		}
	})
}
