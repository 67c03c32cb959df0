package tests

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kvdserver/kvd/server"
	"github.com/redis/go-redis/v9"
)

// sentinelCmd returns the command that runs a sentinel with config file
// conf: Debian's redis-sentinel, or redis-server --sentinel (the same
// program) where only redis-server is installed.
func sentinelCmd(t *testing.T, conf string) *exec.Cmd {
	if p, err := exec.LookPath("redis-sentinel"); err == nil {
		return exec.Command(p, conf)
	}
	p, err := redisServerPath()
	if err != nil {
		t.Fatal(err)
	}
	return exec.Command(p, conf, "--sentinel")
}

// startSentinel starts a sentinel monitoring mymaster at master, with
// small timeouts, and returns its address.
func startSentinel(t *testing.T, master string, quorum int) string {
	t.Helper()
	dir := t.TempDir()
	port, err := freePort()
	if err != nil {
		t.Fatal(err)
	}
	host, mport, _ := net.SplitHostPort(master)
	conf := filepath.Join(dir, "sentinel.conf")
	text := fmt.Sprintf(`port %d
bind 127.0.0.1
dir %s
logfile %s
sentinel monitor mymaster %s %s %d
sentinel down-after-milliseconds mymaster 1000
sentinel failover-timeout mymaster 6000
sentinel parallel-syncs mymaster 1
`, port, dir, filepath.Join(dir, "sentinel.log"), host, mport, quorum)
	if err := os.WriteFile(conf, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := sentinelCmd(t, conf)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
		if t.Failed() {
			b, _ := os.ReadFile(filepath.Join(dir, "sentinel.log"))
			t.Logf("sentinel %d log:\n%s", port, b)
		}
	})
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	waitFor(t, 10*time.Second, "the sentinel to listen", func() bool {
		c, err := net.DialTimeout("tcp", addr, 100*time.Millisecond)
		if err == nil {
			c.Close()
		}
		return err == nil
	})
	return addr
}

// TestSentinelFailover: three real sentinels watch a kvd master with two
// kvd replicas; the master dies; the sentinels promote a replica and
// point the other at it; a go-redis FailoverClient keeps writing through
// the failover, and no write acknowledged by a replica (WAIT 1) is lost.
func TestSentinelFailover(t *testing.T) {
	needRedis(t)
	edit := func(cfg *server.Config) { cfg.Set("repl-diskless-sync-delay", "0") }
	master, err := startKvd(edit)
	if err != nil {
		t.Fatal(err)
	}
	masterClosed := false
	defer func() {
		if !masterClosed {
			master.Close()
		}
	}()
	maddr := master.Addr().String()
	mhost, mport, _ := net.SplitHostPort(maddr)
	r1 := newKvd(t, edit)
	r2 := newKvd(t, edit)
	for _, r := range []*server.Server{r1, r2} {
		c := dial(t, r.Addr().String())
		c.do("REPLICAOF", mhost, mport)
		waitLinkUp(t, c)
	}
	var sentinels []string
	for i := 0; i < 3; i++ {
		sentinels = append(sentinels, startSentinel(t, maddr, 2))
	}
	// Every sentinel knows both replicas and the two other sentinels
	// (found through __sentinel__:hello on the master).
	for _, sa := range sentinels {
		sc := dial(t, sa)
		waitFor(t, 30*time.Second, "sentinel discovery", func() bool {
			reps, _ := parseValue(sc.do("SENTINEL", "REPLICAS", "mymaster"))
			sens, _ := parseValue(sc.do("SENTINEL", "SENTINELS", "mymaster"))
			return len(reps.elems) == 2 && len(sens.elems) == 2
		})
	}

	fc := redis.NewFailoverClient(&redis.FailoverOptions{
		MasterName:    "mymaster",
		SentinelAddrs: sentinels,
		DialTimeout:   time.Second,
		ReadTimeout:   2 * time.Second,
		WriteTimeout:  2 * time.Second,
		MaxRetries:    -1,
	})
	defer fc.Close()
	ctx := context.Background()

	// A writer: SET then WAIT 1 on the same connection; a write is
	// acknowledged when WAIT says a replica has it.
	var mu sync.Mutex
	var acked []string
	var afterFailover int
	failedOver := make(chan struct{})
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			key := "k" + strconv.Itoa(i)
			var n *redis.Cmd
			_, err := fc.Pipelined(ctx, func(p redis.Pipeliner) error {
				p.Set(ctx, key, i, 0)
				n = p.Do(ctx, "WAIT", 1, 1000)
				return nil
			})
			if v, _ := n.Int64(); err == nil && v >= 1 {
				mu.Lock()
				acked = append(acked, key)
				select {
				case <-failedOver:
					afterFailover++
				default:
				}
				mu.Unlock()
			} else {
				time.Sleep(20 * time.Millisecond)
			}
		}
	}()
	waitFor(t, 10*time.Second, "acknowledged writes", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(acked) >= 20
	})

	// kill -9 the master: its sockets close at once.
	master.Close()
	masterClosed = true
	start := time.Now()
	sc := dial(t, sentinels[0])
	var newAddr string
	waitFor(t, 40*time.Second, "a new master", func() bool {
		v, err := parseValue(sc.do("SENTINEL", "GET-MASTER-ADDR-BY-NAME", "mymaster"))
		if err != nil || len(v.elems) != 2 {
			return false
		}
		newAddr = net.JoinHostPort(v.elems[0].str, v.elems[1].str)
		return newAddr != maddr
	})
	t.Logf("new master %s after %v", newAddr, time.Since(start).Round(time.Millisecond))
	close(failedOver)
	if newAddr != r1.Addr().String() && newAddr != r2.Addr().String() {
		t.Fatalf("new master %s is not one of the replicas", newAddr)
	}
	nm := dial(t, newAddr)
	waitFor(t, 20*time.Second, "the new master's role", func() bool {
		return strings.HasPrefix(nm.do("ROLE"), "*3\r\n$6\r\nmaster\r\n")
	})
	// The other replica follows the new master.
	other := r1.Addr().String()
	if newAddr == other {
		other = r2.Addr().String()
	}
	oc := dial(t, other)
	_, nport, _ := net.SplitHostPort(newAddr)
	waitFor(t, 30*time.Second, "the other replica to follow the new master", func() bool {
		info := oc.do("INFO", "replication")
		return replInfo(info, "master_port") == nport && replInfo(info, "master_link_status") == "up"
	})
	// go-redis writes to the new master.
	waitFor(t, 30*time.Second, "writes after the failover", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return afterFailover >= 10
	})
	close(stop)
	<-done

	mu.Lock()
	defer mu.Unlock()
	lost := 0
	for _, k := range acked {
		if nm.do("EXISTS", k) != ":1\r\n" {
			lost++
			if lost < 10 {
				t.Errorf("acknowledged key %s lost", k)
			}
		}
	}
	t.Logf("%d acknowledged writes, %d after the failover, %d lost", len(acked), afterFailover, lost)
}
