package kvdtest_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/kvdserver/kvd/kvdtest"
	"github.com/redis/go-redis/v9"
)

func client(t testing.TB, s *kvdtest.Server, opts ...func(*redis.Options)) *redis.Client {
	o := &redis.Options{Addr: s.Addr(), Protocol: 2, DisableIdentity: true}
	for _, f := range opts {
		f(o)
	}
	c := redis.NewClient(o)
	t.Cleanup(func() { c.Close() })
	return c
}

func TestHelpers(t *testing.T) {
	s := kvdtest.RunT(t)
	ctx := context.Background()
	c := client(t, s)

	if err := s.Set("str", "v1"); err != nil {
		t.Fatal(err)
	}
	if got, err := c.Get(ctx, "str").Result(); err != nil || got != "v1" {
		t.Fatalf("client GET: %q %v", got, err)
	}
	c.Set(ctx, "str2", "v2", 0)
	s.CheckGet(t, "str2", "v2")
	if _, err := s.Get("nope"); !errors.Is(err, kvdtest.ErrKeyNotFound) {
		t.Fatalf("Get missing: %v", err)
	}
	if n, err := s.Incr("n", 5); err != nil || n != 5 {
		t.Fatalf("Incr: %d %v", n, err)
	}

	s.HSet("h", "a", "1", "b", "2")
	if v, err := s.HGet("h", "b"); err != nil || v != "2" {
		t.Fatalf("HGet: %q %v", v, err)
	}
	if f, _ := s.HKeys("h"); strings.Join(f, ",") != "a,b" {
		t.Fatalf("HKeys: %q", f)
	}
	if _, err := s.HGet("nope", "a"); !errors.Is(err, kvdtest.ErrKeyNotFound) {
		t.Fatalf("HGet missing key: %v", err)
	}
	if _, err := s.Get("h"); !errors.Is(err, kvdtest.ErrWrongType) {
		t.Fatalf("Get of a hash: %v", err)
	}

	s.Push("l", "a", "b")
	s.Lpush("l", "z")
	c.RPush(ctx, "l", "c")
	s.CheckList(t, "l", "z", "a", "b", "c")

	s.SAdd("set", "x", "y")
	c.SAdd(ctx, "set", "w")
	s.CheckSet(t, "set", "y", "x", "w")
	if ok, _ := s.IsMember("set", "w"); !ok {
		t.Fatal("IsMember w")
	}

	s.ZAdd("z", 2, "two")
	s.ZAdd("z", 1, "one")
	if m, _ := s.ZMembers("z"); strings.Join(m, ",") != "one,two" {
		t.Fatalf("ZMembers: %q", m)
	}
	if sc, _ := s.ZScore("z", "two"); sc != 2 {
		t.Fatalf("ZScore: %v", sc)
	}

	if got := strings.Join(s.Keys(), ","); got != "h,l,n,set,str,str2,z" {
		t.Fatalf("Keys: %s", got)
	}
	dump := s.Dump()
	for _, want := range []string{"- h\n   a: \"1\"\n   b: \"2\"\n", "- str\n   \"v1\"\n", "- z\n   1: \"one\"\n   2: \"two\"\n"} {
		if !strings.Contains(dump, want) {
			t.Errorf("Dump lacks %q:\n%s", want, dump)
		}
	}
	if !s.Del("str") || s.Del("str") || s.Exists("str") {
		t.Fatal("Del/Exists")
	}
	s.CheckMissing(t, "str")

	s.Select(3)
	s.Set("in3", "x")
	if c.Exists(ctx, "in3").Val() != 0 {
		t.Fatal("Select: the key went to database 0")
	}
	s.Select(0)
	s.FlushAll()
	if len(s.Keys()) != 0 {
		t.Fatalf("FlushAll left %v", s.Keys())
	}
	if _, err := s.Do("NOSUCH"); err == nil || !strings.HasPrefix(err.Error(), "ERR unknown command 'NOSUCH'") {
		t.Fatalf("Do unknown command: %v", err)
	}
}

// TestFastForward proves that moving the clock expires keys at once, with
// no sleeping, and that TTL, EXPIREAT deadlines and OBJECT IDLETIME follow
// the moved clock.
func TestFastForward(t *testing.T) {
	s := kvdtest.RunT(t)
	ctx := context.Background()
	c := client(t, s)
	c.Set(ctx, "short", "1", time.Minute)
	c.Set(ctx, "long", "2", time.Hour)
	s.Set("forever", "3")
	if ttl := s.TTL("short"); ttl <= 59*time.Second || ttl > time.Minute {
		t.Fatalf("TTL short: %v", ttl)
	}
	s.FastForward(30 * time.Second)
	if ttl := c.TTL(ctx, "short").Val(); ttl > 30*time.Second || ttl < 29*time.Second {
		t.Fatalf("client TTL after 30s: %v", ttl)
	}
	s.FastForward(31 * time.Second)
	s.CheckMissing(t, "short")
	s.CheckGet(t, "long", "2")
	if info := c.Info(ctx, "stats").Val(); !strings.Contains(info, "expired_keys:1\r\n") {
		t.Fatalf("the key was not expired by the clock (INFO stats):\n%s", info)
	}
	// SetTime: an absolute deadline set by the client, passed by the clock.
	now := time.Now()
	c.ExpireAt(ctx, "long", now.Add(10*time.Hour))
	s.SetTime(now.Add(9 * time.Hour))
	if ttl := s.TTL("long"); ttl > time.Hour || ttl < 59*time.Minute {
		t.Fatalf("TTL after SetTime: %v", ttl)
	}
	s.SetTime(now.Add(11 * time.Hour))
	s.CheckMissing(t, "long")
	s.CheckGet(t, "forever", "3")
	// OBJECT IDLETIME follows the clock too.
	s.FastForward(100 * time.Second)
	if idle := c.ObjectIdleTime(ctx, "forever").Val(); idle < 100*time.Second {
		t.Fatalf("OBJECT IDLETIME after 100s: %v", idle)
	}
}

// TestFastForwardExpiredEvent requires the keyspace "expired" event of a
// key FastForward expires (after a "set" event shows the subscription
// works).
func TestFastForwardExpiredEvent(t *testing.T) {
	s := kvdtest.RunT(t, kvdtest.WithConfig(func(c *serverConfig) { c.Set("notify-keyspace-events", "E$x") }))
	ctx := context.Background()
	c := client(t, s)
	sub := c.PSubscribe(ctx, "__keyevent@*__:*")
	if _, err := sub.Receive(ctx); err != nil {
		t.Fatal(err)
	}
	ch := sub.Channel()
	c.Set(ctx, "probe", "1", 0)
	select {
	case <-ch:
	case <-time.After(time.Second):
		t.Fatal("no set event for the probe key")
	}
	c.Set(ctx, "short", "1", time.Minute)
	<-ch // its "set" event
	s.FastForward(time.Minute)
	select {
	case m := <-ch:
		if m.Channel != "__keyevent@0__:expired" || m.Payload != "short" {
			t.Fatalf("event: %+v", m)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no expired event")
	}
}

func TestSetError(t *testing.T) {
	s := kvdtest.RunT(t)
	ctx := context.Background()
	c := client(t, s)
	s.SetError("ERR injected failure")
	if err := c.Set(ctx, "k", "v", 0).Err(); err == nil || err.Error() != "ERR injected failure" {
		t.Fatalf("SET under SetError: %v", err)
	}
	if err := s.Set("k", "helper"); err != nil {
		t.Fatalf("helper under SetError: %v", err)
	}
	s.SetError("")
	if got := c.Get(ctx, "k").Val(); got != "helper" {
		t.Fatalf("GET after SetError(\"\"): %q", got)
	}
}

func TestOptions(t *testing.T) {
	s := kvdtest.RunT(t, kvdtest.WithPassword("secret"), kvdtest.WithDatabases(2))
	ctx := context.Background()
	if err := client(t, s).Ping(ctx).Err(); err == nil || !strings.HasPrefix(err.Error(), "NOAUTH") {
		t.Fatalf("PING without AUTH: %v", err)
	}
	c := client(t, s, func(o *redis.Options) { o.Password = "secret" })
	if err := c.Ping(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	if err := c.Do(ctx, "SELECT", "2").Err(); err == nil || err.Error() != "ERR DB index is out of range" {
		t.Fatalf("SELECT 2 of 2 databases: %v", err)
	}
	s.Set("k", "v") // helpers need no password
	s.CheckGet(t, "k", "v")
}

func TestRestartKeepsData(t *testing.T) {
	s := kvdtest.RunT(t)
	ctx := context.Background()
	s.Set("a", "1")
	s.Push("l", "x", "y")
	addr := s.Addr()
	if err := s.Restart(); err != nil {
		t.Fatal(err)
	}
	if s.Addr() != addr {
		t.Fatalf("address changed: %s -> %s", addr, s.Addr())
	}
	s.CheckGet(t, "a", "1")
	s.CheckList(t, "l", "x", "y")
	if got := client(t, s).Get(ctx, "a").Val(); got != "1" {
		t.Fatalf("client after restart: %q", got)
	}
}

// TestStartStopNoLeak starts and stops a server 1,000 times, with a
// client's PING each time, and requires every goroutine to be gone.
func TestStartStopNoLeak(t *testing.T) {
	n := 1000
	if testing.Short() {
		n = 100
	}
	before := runtime.NumGoroutine()
	for i := 0; i < n; i++ {
		s, err := kvdtest.Run()
		if err != nil {
			t.Fatal(err)
		}
		ping(t, s.Addr())
		s.Close()
	}
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if after := runtime.NumGoroutine(); after > before {
		buf := make([]byte, 1<<20)
		t.Fatalf("%d goroutines before, %d after %d start/stop cycles:\n%s", before, after, n, buf[:runtime.Stack(buf, true)])
	}
}

// ping sends PING on a fresh connection and waits for PONG.
func ping(t testing.TB, addr string) {
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprint(conn, "PING\r\n")
	line, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil || line != "+PONG\r\n" {
		t.Fatalf("PING: %q %v", line, err)
	}
}
