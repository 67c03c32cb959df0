package tests

import (
	"context"
	"fmt"
	"math"
	"testing"

	"github.com/redis/go-redis/v9"
	"github.com/redis/rueidis"
)

// scanFunc runs one call of a *SCAN command ("scan", "hscan", "sscan" or
// "zscan"; key is ignored for "scan") with COUNT count through a client
// library, which parses the cursor the way its users get it.
type scanFunc func(ctx context.Context, cmd, key string, cursor uint64, count int64) ([]string, uint64, error)

func goRedisScan(rdb *redis.Client) scanFunc {
	return func(ctx context.Context, cmd, key string, cursor uint64, count int64) ([]string, uint64, error) {
		switch cmd {
		case "scan":
			return rdb.Scan(ctx, cursor, "", count).Result()
		case "hscan":
			return rdb.HScan(ctx, key, cursor, "", count).Result()
		case "sscan":
			return rdb.SScan(ctx, key, cursor, "", count).Result()
		default:
			return rdb.ZScan(ctx, key, cursor, "", count).Result()
		}
	}
}

func rueidisScan(c rueidis.Client) scanFunc {
	return func(ctx context.Context, cmd, key string, cursor uint64, count int64) ([]string, uint64, error) {
		var req rueidis.Completed
		switch cmd {
		case "scan":
			req = c.B().Scan().Cursor(cursor).Count(count).Build()
		case "hscan":
			req = c.B().Hscan().Key(key).Cursor(cursor).Count(count).Build()
		case "sscan":
			req = c.B().Sscan().Key(key).Cursor(cursor).Count(count).Build()
		default:
			req = c.B().Zscan().Key(key).Cursor(cursor).Count(count).Build()
		}
		e, err := c.Do(ctx, req).AsScanEntry()
		return e.Elements, e.Cursor, err
	}
}

// TestScanCursorsClients iterates SCAN, HSCAN, SSCAN and ZSCAN over large
// collections with go-redis (RESP3 and RESP2) and rueidis, which parse a
// cursor as an unsigned 64-bit number (a negative one is an error), and
// checks that every cursor is below 2^63 and that the iterations, resumed
// from the cursors the clients parsed, return every element; SCAN's while
// keys are added between calls, so that the keyspace grows under it. On
// redis-server too, so that the test checks itself.
func TestScanCursorsClients(t *testing.T) {
	const keys, members = 10000, 3000
	onBoth(t, privateServers(t, nil), func(t *testing.T, addr string) {
		ctx := context.Background()
		rdb := newGoRedis(t, addr, 0, 0)
		pipe := rdb.Pipeline()
		for i := 0; i < keys; i++ {
			pipe.Set(ctx, fmt.Sprintf("key:%d", i), "v", 0)
		}
		for i := 0; i < members; i++ {
			m := fmt.Sprintf("member:%d", i)
			pipe.HSet(ctx, "hash", m, "v")
			pipe.SAdd(ctx, "set", m)
			pipe.ZAdd(ctx, "zset", redis.Z{Score: float64(i % 7), Member: m})
		}
		if _, err := pipe.Exec(ctx); err != nil {
			t.Fatalf("loading: %v", err)
		}
		rc, err := rueidis.NewClient(rueidis.ClientOption{
			InitAddress:       []string{addr},
			DisableCache:      true,
			ForceSingleClient: true,
		})
		if err != nil {
			t.Fatalf("rueidis: %v", err)
		}
		t.Cleanup(rc.Close)
		clients := []struct {
			name string
			scan scanFunc
		}{
			{"go-redis", goRedisScan(rdb)},
			{"go-redis-resp2", goRedisScan(newGoRedis(t, addr, 2, 0))},
			{"rueidis", rueidisScan(rc)},
		}
		added := 0
		for _, cl := range clients {
			for _, cmd := range []string{"scan", "hscan", "sscan", "zscan"} {
				key, want, prefix := cmd[:1]+"ash", members, "member:"
				switch cmd {
				case "scan":
					key, want, prefix = "", keys, "key:"
				case "sscan":
					key = "set"
				case "zscan":
					key = "zset"
				}
				// HSCAN and ZSCAN return pairs: the member comes first.
				step := 1
				if cmd == "hscan" || cmd == "zscan" {
					step = 2
				}
				seen := map[string]bool{}
				var cursor uint64
				for calls := 0; ; calls++ {
					elems, next, err := cl.scan(ctx, cmd, key, cursor, 20)
					if err != nil {
						t.Fatalf("%s %s: call %d from cursor %d: %v", cl.name, cmd, calls, cursor, err)
					}
					if next > math.MaxInt64 {
						t.Fatalf("%s %s: cursor %d is not below 2^63", cl.name, cmd, next)
					}
					for i := 0; i < len(elems); i += step {
						seen[elems[i]] = true
					}
					if next == 0 {
						break
					}
					if calls > 10*want {
						t.Fatalf("%s %s: no end after %d calls", cl.name, cmd, calls)
					}
					cursor = next
					if cmd == "scan" {
						pipe := rdb.Pipeline()
						for j := 0; j < 10; j++ {
							pipe.Set(ctx, fmt.Sprintf("added:%d", added), "v", 0)
							added++
						}
						if _, err := pipe.Exec(ctx); err != nil {
							t.Fatalf("adding keys: %v", err)
						}
					}
				}
				for i := 0; i < want; i++ {
					if k := fmt.Sprintf("%s%d", prefix, i); !seen[k] {
						t.Fatalf("%s %s: %s was present throughout but not returned", cl.name, cmd, k)
					}
				}
			}
		}
	})
}
