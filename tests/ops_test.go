package tests

import (
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kvdserver/kvd/server"
)

// Operational behaviour: configuration read from other goroutines, limits,
// the output buffer limits enforced by the cron, INFO and CLIENT LIST facts.

// TestConfigReadDuringConfigSet calls Server.Config from another goroutine
// while CONFIG SET changes the configuration on the loop; under -race it
// proves that embedders may read the configuration at any time.
func TestConfigReadDuringConfigSet(t *testing.T) {
	srv := newKvd(t, nil)
	c := dial(t, srv.Addr().String())
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			cfg := srv.Config()
			if cfg.Timeout < 0 || cfg.MaxClients < 1 {
				t.Errorf("Config() returned timeout %d, maxclients %d", cfg.Timeout, cfg.MaxClients)
				return
			}
		}
	}()
	for i := 0; i < 200; i++ {
		if r := c.do("CONFIG", "SET", "timeout", strconv.Itoa(i), "maxclients", strconv.Itoa(1000+i)); r != "+OK\r\n" {
			t.Fatalf("CONFIG SET: %q", r)
		}
	}
	close(stop)
	wg.Wait()
	if got := srv.Config(); got.Timeout != 199 || got.MaxClients != 1199 {
		t.Errorf("Config() after CONFIG SET: timeout %d, maxclients %d; want 199, 1199", got.Timeout, got.MaxClients)
	}
}

// TestClientInfoReplyBufferPeak checks CLIENT INFO's rbs (the size of the
// client's reply buffer) and rbp (the most of it in use recently): the
// peak is of that buffer, so it never exceeds its size, after small and
// large replies alike.
func TestClientInfoReplyBufferPeak(t *testing.T) {
	needRedis(t)
	onBoth(t, sharedServers(), func(t *testing.T, addr string) {
		c := dial(t, addr)
		c.do("SET", "big", strings.Repeat("x", 1<<20))
		c.do("SET", "small", "v")
		for _, get := range []string{"small", "big", "small"} {
			c.do("GET", get)
			info := c.do("CLIENT", "INFO")
			m := regexp.MustCompile(` rbs=(\d+) rbp=(\d+) `).FindStringSubmatch(info)
			if m == nil {
				t.Fatalf("CLIENT INFO lacks rbs and rbp: %q", info)
			}
			rbs, _ := strconv.Atoi(m[1])
			rbp, _ := strconv.Atoi(m[2])
			t.Logf("after GET %s: rbs=%d rbp=%d", get, rbs, rbp)
			if rbp > rbs {
				t.Errorf("after GET %s: rbp=%d larger than rbs=%d", get, rbp, rbs)
			}
		}
	})
}

// TestInfoMultiplexingAPI checks that INFO's multiplexing_api names the
// kernel interface the event loop in use runs on.
func TestInfoMultiplexingAPI(t *testing.T) {
	for _, tc := range []struct{ model, want string }{
		{"proactor", "io_uring"},
		{"reactor", "epoll"},
	} {
		t.Run(tc.model, func(t *testing.T) {
			srv := newKvd(t, func(c *server.Config) { c.IOModel, c.IOThreads = tc.model, 1 })
			want := tc.want
			if srv.Config().IOModel != tc.model {
				want = "epoll" // io_uring unavailable: the server fell back to the reactor
			}
			c := dial(t, srv.Addr().String())
			got, _ := infoValue(parseInfo(t, c.do("INFO", "server"))["server"], "multiplexing_api")
			if got != want {
				t.Errorf("io-model %s (running %s): multiplexing_api %q, want %q", tc.model, srv.Config().IOModel, got, want)
			}
		})
	}
}

// TestOutputSoftLimitIdleClient checks that a client that stopped reading,
// above the soft output buffer limit and idle, is dropped once it has been
// above it for longer than soft-seconds, as Redis's cron does, and not
// kept (with its memory) until it sends something.
func TestOutputSoftLimitIdleClient(t *testing.T) {
	s := privateServers(t, func(c *server.Config) { c.OutputLimit = server.OutputLimit{Soft: 1 << 20, SoftSeconds: 2} },
		"--client-output-buffer-limit", "normal 0 1mb 2")
	onBoth(t, s, func(t *testing.T, addr string) {
		admin := dial(t, addr)
		admin.do("SET", "big", strings.Repeat("x", 1<<20))
		hog := dial(t, addr)
		id := strings.TrimSpace(strings.TrimPrefix(hog.do("CLIENT", "ID"), ":"))
		// 20 MB of replies, far more than the sockets buffer: the rest
		// stays pending, above the soft limit, and the client goes quiet.
		var gets []byte
		for range 20 {
			gets = append(gets, encode("GET", "big")...)
		}
		hog.write(gets)
		connected := func() bool {
			return strings.Contains(admin.do("CLIENT", "LIST"), "id="+id+" ")
		}
		waitFor(t, 5*time.Second, "the reads to run", func() bool {
			return regexp.MustCompile(`id=` + id + ` .* cmd=get `).MatchString(admin.do("CLIENT", "LIST"))
		})
		if !connected() {
			t.Fatal("dropped before soft-seconds had passed")
		}
		waitFor(t, 10*time.Second, "the idle client above the soft limit to be dropped", func() bool { return !connected() })
	})
}
