package tests

import (
	"bufio"
	"context"
	"fmt"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"
)

// Real clients in subscribed mode: go-redis (RESP3 and RESP2), redis-py,
// redis-cli monitor and redis-cli --csv psubscribe, each run against both
// servers with the same results.

// TestPubsubGoRedis subscribes with go-redis's Subscribe and PSubscribe
// in RESP3 (its default) and RESP2 and receives what another client
// publishes, through the message channel and ReceiveTimeout.
func TestPubsubGoRedis(t *testing.T) {
	needRedis(t)
	for _, proto := range []int{3, 2} {
		t.Run(fmt.Sprintf("resp%d", proto), func(t *testing.T) {
			results := map[string]string{}
			onBoth(t, sharedServers(), func(t *testing.T, addr string) {
				ctx := context.Background()
				sub := newGoRedis(t, addr, proto, 0)
				pub := newGoRedis(t, addr, proto, 0)
				ps := sub.Subscribe(ctx, "news", "sport")
				defer ps.Close()
				if _, err := ps.Receive(ctx); err != nil { // the first confirmation
					t.Fatal(err)
				}
				if err := ps.PSubscribe(ctx, "weather.*"); err != nil {
					t.Fatal(err)
				}
				waitFor(t, 5*time.Second, "the subscriptions", func() bool {
					n, _ := pub.PubSubNumPat(ctx).Result()
					m, _ := pub.PubSubNumSub(ctx, "sport").Result()
					return n == 1 && m["sport"] == 1
				})
				var b strings.Builder
				for _, m := range [][2]string{{"news", "n1"}, {"weather.today", "sun"}, {"other", "x"}, {"sport", "s\x00\xff"}} {
					n, err := pub.Publish(ctx, m[0], m[1]).Result()
					fmt.Fprintf(&b, "publish %s: %d %v\n", m[0], n, err)
				}
				ch := ps.Channel()
				for range 3 {
					select {
					case msg := <-ch:
						fmt.Fprintf(&b, "%s %q %q %q\n", msg.Channel, msg.Pattern, msg.Payload, msg.PayloadSlice)
					case <-time.After(5 * time.Second):
						t.Fatal("no message")
					}
				}
				if err := ps.Unsubscribe(ctx, "news"); err != nil {
					t.Fatal(err)
				}
				waitFor(t, 5*time.Second, "the unsubscription", func() bool {
					m, _ := pub.PubSubNumSub(ctx, "news").Result()
					return m["news"] == 0
				})
				n, err := pub.Publish(ctx, "news", "n2").Result()
				fmt.Fprintf(&b, "after unsubscribe: %d %v\n", n, err)
				chans, _ := pub.PubSubChannels(ctx, "*").Result()
				fmt.Fprintf(&b, "channels: %q\n", chans)
				// A client that is not subscribed works normally afterwards.
				fmt.Fprintln(&b, sub.Ping(ctx).Val())
				results[addr] = b.String()
			})
			if w, g := results[env.redisAddr], results[env.kvdAddr]; w != g {
				t.Errorf("differ:\n redis: %s\n   kvd: %s", w, g)
			}
		})
	}
}

// TestPubsubRedisPy uses redis-py's pubsub(): subscribe, psubscribe,
// get_message and a handler thread's callbacks.
func TestPubsubRedisPy(t *testing.T) {
	needRedis(t)
	script := `
import os, time, redis
r = redis.Redis(host=os.environ["HOST"], port=int(os.environ["PORT"]))
p = r.pubsub()
p.subscribe("a", "b")
p.psubscribe("k*")
def get():
    for _ in range(100):
        m = p.get_message(timeout=0.1)
        if m is not None:
            return m
    return None
for _ in range(3):
    print(get())
print(r.publish("a", "hello"), r.publish("kx", b"\x00\xff"), r.publish("zz", "none"))
print(get())
print(get())
print(r.pubsub_numsub("a", "b", "c"), r.pubsub_numpat(), sorted(r.pubsub_channels()))
p.unsubscribe("a")
print(get())
p.punsubscribe()
print(get())
got = []
q = r.pubsub(ignore_subscribe_messages=True)
q.subscribe(**{"cb": lambda m: got.append(m["data"])})
th = q.run_in_thread(sleep_time=0.01)
for _ in range(100):
    if r.pubsub_numsub("cb")[0][1] == 1:
        break
    time.sleep(0.01)
r.publish("cb", "one")
r.publish("cb", "two")
for _ in range(100):
    if len(got) == 2:
        break
    time.sleep(0.01)
th.stop()
print(got)
p.close()
`
	want := runRedisPy(t, env.redisAddr, script)
	got := runRedisPy(t, env.kvdAddr, script)
	if want != got {
		t.Errorf("differ:\n redis: %s\n   kvd: %s", want, got)
	}
}

// startTool starts a redis-cli that keeps running (monitor, psubscribe)
// and returns a reader of its output; it is killed when the test ends.
func startTool(t *testing.T, addr string, args ...string) *bufio.Reader {
	t.Helper()
	h, p := hostPort(t, addr)
	cmd := exec.Command("redis-cli", append([]string{"-h", h, "-p", p}, args...)...)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("redis-cli: %v", err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	return bufio.NewReader(out)
}

// readLineTimeout reads one line, failing the test after timeout.
func readLineTimeout(t *testing.T, r *bufio.Reader, timeout time.Duration) string {
	t.Helper()
	type res struct {
		s   string
		err error
	}
	ch := make(chan res, 1)
	go func() { s, err := r.ReadString('\n'); ch <- res{s, err} }()
	select {
	case x := <-ch:
		if x.err != nil {
			t.Fatalf("reading redis-cli: %v (%q)", x.err, x.s)
		}
		return x.s
	case <-time.After(timeout):
		t.Fatal("redis-cli printed nothing")
	}
	return ""
}

// TestPubsubRedisCli reads redis-cli monitor's and redis-cli --csv
// psubscribe's output while another client runs commands.
func TestPubsubRedisCli(t *testing.T) {
	needRedis(t)
	if _, err := exec.LookPath("redis-cli"); err != nil {
		t.Skip("redis-cli unavailable")
	}
	mask := regexp.MustCompile(`^\d+\.\d+ |127\.0\.0\.1:\d+`)
	run := func(t *testing.T, addr string) []string {
		var out []string
		mon := startTool(t, addr, "monitor")
		out = append(out, readLineTimeout(t, mon, 5*time.Second)) // OK
		sub := startTool(t, addr, "--csv", "psubscribe", "__key*__:*", "news.*")
		for range 2 {
			out = append(out, readLineTimeout(t, sub, 5*time.Second))
		}
		c := dial(t, addr)
		c.do("SET", "k", "v w\n")
		c.do("PUBLISH", "news.1", "hello \"world\"")
		c.do("PUBLISH", "__keyspace@0__:k", "set")
		for range 2 {
			out = append(out, readLineTimeout(t, sub, 5*time.Second))
		}
		for range 3 {
			out = append(out, mask.ReplaceAllString(readLineTimeout(t, mon, 5*time.Second), "T "))
		}
		return out
	}
	want := run(t, env.redisAddr)
	got := run(t, env.kvdAddr)
	if strings.Join(want, "") != strings.Join(got, "") {
		t.Errorf("differ:\n redis: %q\n   kvd: %q", want, got)
	}
}
