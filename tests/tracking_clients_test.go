package tests

import (
	"bufio"
	"context"
	"net"
	"os/exec"
	"strings"
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

// TestNotifyRedisCliCSV reads keyspace notifications with
// `redis-cli --csv psubscribe '__key*__:*'`, the usual way to watch them,
// and compares its output lines on both servers.
func TestNotifyRedisCliCSV(t *testing.T) {
	cli := needTool(t, "redis-cli")
	s := privateServers(t, nil)
	run := func(addr string) string {
		host, port, _ := net.SplitHostPort(addr)
		ctl := dialProto(t, addr, 2)
		ctl.do("CONFIG", "SET", "notify-keyspace-events", "KEA")
		defer ctl.do("CONFIG", "SET", "notify-keyspace-events", "")
		cmd := exec.Command(cli, "-h", host, "-p", port, "--csv", "psubscribe", "__key*__:*")
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		defer func() { cmd.Process.Kill(); cmd.Wait() }()
		r := bufio.NewReader(out)
		var lines []string
		readLine := func() {
			out.(interface{ SetReadDeadline(time.Time) error }).SetReadDeadline(time.Now().Add(5 * time.Second))
			l, err := r.ReadString('\n')
			if err != nil {
				t.Fatalf("%s: redis-cli output after %q: %v", addr, lines, err)
			}
			lines = append(lines, l)
		}
		readLine() // the psubscribe confirmation
		for _, c := range [][]string{{"SET", "k", "a b"}, {"HSET", "h", "f", "v"}, {"DEL", "k", "h"}} {
			ctl.do(c...)
		}
		for range 8 {
			readLine()
		}
		return strings.Join(lines, "")
	}
	if want, got := run(s.redis), run(s.kvd); want != got {
		t.Errorf("redis-cli --csv psubscribe output differs:\n redis: %q\n   kvd: %q", want, got)
	}
}
