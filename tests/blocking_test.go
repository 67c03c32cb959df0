package tests

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// Blocking commands: BLPOP and friends, WAIT, CLIENT UNBLOCK. The
// scenarios run step by step over several connections to each server, and
// every reply (or the absence of one) is compared.

// send writes one command without reading its reply.
func (c *conn) send(args ...string) { c.t.Helper(); c.write(encode(args...)) }

// silent reports whether no reply arrives within d.
func (c *conn) silent(d time.Duration) bool {
	c.nc.SetReadDeadline(time.Now().Add(d))
	_, err := c.r.Peek(1)
	return err != nil
}

// infoField returns a field of INFO's reply.
func infoField(t testing.TB, c *conn, section, field string) string {
	t.Helper()
	for _, line := range strings.Split(c.do("INFO", section), "\r\n") {
		if v, ok := strings.CutPrefix(line, field+":"); ok {
			return v
		}
	}
	t.Fatalf("INFO %s has no %s", section, field)
	return ""
}

// A multi-connection scenario is a list of steps, each naming its
// connection with a capital letter:
//
//	A> CMD ...   send CMD on A without reading its reply
//	A: CMD ...   send CMD on A and read its reply
//	A<           read one reply on A
//	A-           expect no reply on A for a while
//	A close      close A
//	blocked N    wait until the server has N blocked clients
//	sleep N      wait N ms
//
// "$A" in an argument is A's client id (they differ between servers).
// The replies are compared between the servers, and "A-" must hold on both.
func runScenario(t *testing.T, addr string, proto int, steps []string) []string {
	t.Helper()
	ctl := dialProto(t, addr, 2) // flushes
	conns := map[byte]*conn{}
	ids := map[string]string{}
	get := func(name byte) *conn {
		if c := conns[name]; c != nil {
			return c
		}
		c := dial(t, addr)
		if proto == 3 {
			c.do("HELLO", "3")
		}
		id := c.do("CLIENT", "ID")
		ids["$"+string(name)] = strings.TrimSpace(id[1:])
		conns[name] = c
		return c
	}
	for _, st := range steps { // connect every client first, in order
		if len(st) > 1 && st[0] >= 'A' && st[0] <= 'Z' {
			get(st[0])
		}
	}
	var out []string
	args := func(s string) []string {
		_, a := splitStep(t, s)
		for i, w := range a {
			if v, ok := ids[w]; ok {
				a[i] = v
			}
		}
		return a
	}
	for i, st := range steps {
		switch {
		case strings.HasPrefix(st, "blocked "):
			want := strings.TrimPrefix(st, "blocked ")
			waitFor(t, 5*time.Second, "blocked_clients:"+want, func() bool {
				return infoField(t, ctl, "clients", "blocked_clients") == want
			})
		case strings.HasPrefix(st, "sleep "):
			ms, _ := strconv.Atoi(strings.TrimPrefix(st, "sleep "))
			time.Sleep(time.Duration(ms) * time.Millisecond)
		case st[1:] == " close":
			conns[st[0]].nc.Close()
		case st[1] == '>':
			get(st[0]).send(args(st[3:])...)
		case st[1] == ':':
			out = append(out, get(st[0]).do(args(st[3:])...))
		case st[1] == '<':
			out = append(out, get(st[0]).read())
		case st[1] == '-':
			if !get(st[0]).silent(100 * time.Millisecond) {
				t.Fatalf("step %d %q on %s: a reply arrived", i, st, addr)
			}
		default:
			t.Fatalf("bad step %q", st)
		}
	}
	for _, c := range conns {
		c.nc.Close()
	}
	waitFor(t, 5*time.Second, "no blocked clients", func() bool {
		return infoField(t, ctl, "clients", "blocked_clients") == "0"
	})
	return out
}

// diffScenarios runs each scenario on both servers in RESP2 and RESP3 and
// compares the replies.
func diffScenarios(t *testing.T, s servers, scenarios map[string][]string) {
	t.Helper()
	for _, proto := range []int{2, 3} {
		for name, steps := range scenarios {
			t.Run(fmt.Sprintf("resp%d/%s", proto, name), func(t *testing.T) {
				want := runScenario(t, s.redis, proto, steps)
				got := runScenario(t, s.kvd, proto, steps)
				if len(want) != len(got) {
					t.Fatalf("%d replies from redis, %d from kvd", len(want), len(got))
				}
				for i := range want {
					if want[i] != got[i] {
						t.Errorf("reply %d:\n redis: %q\n   kvd: %q", i, want[i], got[i])
					}
				}
			})
		}
	}
}

// TestBlockingScenarios covers serving, ordering, chains, timeouts,
// CLIENT UNBLOCK, keys deleted or changing type, held input and pauses.
func TestBlockingScenarios(t *testing.T) {
	needRedis(t)
	diffScenarios(t, sharedServers(), map[string][]string{
		"served": {
			"A> BLPOP k 0", "blocked 1", "B: LPUSH k x", "A<", "B: EXISTS k",
			"A> BRPOP k2 k 0", "blocked 1", "B: RPUSH k2 a b", "A<", "B: LRANGE k2 0 -1",
		},
		"order": {
			"A> BLPOP k 0", "blocked 1", "B> BRPOP k 0", "blocked 2", "C> BLPOP k2 k 0", "blocked 3",
			"D: RPUSH k 1 2", "A<", "B<", "C-", "D: LPUSH k2 z", "C<", "D: EXISTS k k2",
		},
		"one push serves several": {
			"A> BLPOP k1 k2 0", "blocked 1", "B> BLPOP k2 0", "blocked 2", "C: RPUSH k2 x y z", "A<", "B<", "C: LRANGE k2 0 -1",
		},
		"timeouts": {
			"A: BLPOP k 0.05", "A: BRPOP k 0.001", "A: BLMOVE a b LEFT RIGHT 0.01", "A: BRPOPLPUSH a b 0.01",
			"A: BZPOPMIN z 0.01", "A: BZPOPMAX z 0.01", "A: BZMPOP 0.01 1 z MIN", "A: BLMPOP 0.01 2 a b LEFT COUNT 2",
			"A: WAIT 1 20", "A: WAIT 0 0", "A: WAIT -1 0", "A: BLPOP k 0.0001",
			"A> BLPOP k 10", "blocked 1", "B: LPUSH k v", "A<",
		},
		"client unblock": {
			"A> BLPOP k 0", "blocked 1", "B: CLIENT UNBLOCK $A", "A<",
			"A> BZPOPMIN k 0", "blocked 1", "B: CLIENT UNBLOCK $A ERROR", "A<", "B: CLIENT UNBLOCK $A",
			"A> BLMOVE a b LEFT LEFT 0", "blocked 1", "B: CLIENT UNBLOCK $A TIMEOUT", "A<",
			"A> WAIT 1 0", "blocked 1", "B: CLIENT UNBLOCK $A", "A<",
			"A> WAIT 2 0", "blocked 1", "B: CLIENT UNBLOCK $A error", "A<",
			"B: CLIENT UNBLOCK $B", "B: CLIENT UNBLOCK x", "B: CLIENT UNBLOCK $A foo", "B: CLIENT UNBLOCK 999999",
			"A: PING",
		},
		"type changes": {
			"A> BLPOP k 0", "blocked 1", "B: SET k str", "A-", "B: DEL k", "B: SADD k m", "A-", "B: DEL k", "B: LPUSH k v", "A<",
			"A> BZPOPMIN k 0", "B> BLPOP k 0", "blocked 2", "C: LPUSH k v", "B<", "A-", "C: ZADD k 1 m", "A<",
			"A> BLPOP k 0", "blocked 1", "C: ZADD k 1 m", "A-", "C: RENAME k k2", "C: RPUSH tmp x", "C: RENAME tmp k", "A<",
		},
		"blmove chain": {
			"A> BLMOVE a b LEFT RIGHT 0", "blocked 1", "B> BRPOPLPUSH b c 0", "blocked 2", "C> BLPOP c 0", "blocked 3",
			"D: LPUSH a x", "A<", "B<", "C<", "D: EXISTS a b c",
		},
		"brpoplpush onto itself": {
			"A> BRPOPLPUSH s s 0", "blocked 1", "B: LPUSH s v", "A<", "B: LRANGE s 0 -1",
			"A> BLMOVE s2 s2 RIGHT LEFT 0", "blocked 1", "B: RPUSH s2 1", "A<", "B: LRANGE s2 0 -1",
		},
		"blmove wrong destination": {
			"A> BLMOVE m str LEFT LEFT 0", "blocked 1", "B> BLPOP m 0", "blocked 2", "C: SET str x", "C: RPUSH m v w", "A<", "B<", "C: LRANGE m 0 -1",
		},
		"mpop served": {
			"A> BLMPOP 0 2 k1 k2 RIGHT COUNT 3", "blocked 1", "B: RPUSH k2 a b", "A<", "B: EXISTS k2",
			"A> BZMPOP 0 1 z MAX COUNT 2", "blocked 1", "B: ZADD z 1 a 2 b 3 c", "A<", "B: ZRANGE z 0 -1 WITHSCORES",
			"A> BZPOPMAX z2 0", "blocked 1", "B: ZADD z2 1 a 2.5 b", "A<", "B: ZRANGE z2 0 -1 WITHSCORES",
			"A> BZPOPMIN z3 0", "blocked 1", "B> BZMPOP 0 1 z3 MIN", "blocked 2", "C: ZADD z3 1 a", "A<", "B-", "C: ZADD z3 2 b", "B<",
		},
		"pipelined input waits": {
			"A> BLPOP k 0", "A> PING", "A> LLEN k", "blocked 1", "A-", "B: RPUSH k 1 2", "A<", "A<", "A<",
		},
		"disconnected waiter": {
			"A> BLPOP k 0", "B> BLPOP k 0", "blocked 2", "A close", "blocked 1", "C: LPUSH k 1 2", "B<", "C: LLEN k",
		},
		"pause write": {
			"A> BLPOP k 0", "blocked 1", "B: CLIENT PAUSE 5000 WRITE", "C> LPUSH k x", "blocked 2", "A-", "D> BLPOP q 0", "blocked 3",
			"B: CLIENT UNPAUSE", "C<", "A<", "blocked 1", "B: LPUSH q y", "D<",
		},
		"reply off": {
			"A> CLIENT REPLY OFF", "A> BLPOP k 0", "blocked 1", "B: LPUSH k x", "A-", "A> WAIT 1 0",
			"blocked 1", "B: CLIENT UNBLOCK $A ERROR", "A-", "A> CLIENT REPLY ON", "A<", "B: EXISTS k",
		},
		"other databases": {
			"A: SELECT 1", "A> BLPOP k 0", "blocked 1", "B: LPUSH k x", "A-", "B: MOVE k 1", "A<",
			"A> BLPOP k2 0", "blocked 1", "B: LPUSH k2 y", "B: SWAPDB 0 1", "A<",
		},
	})
}

// TestBlockingNonBlocking compares what the blocking commands do when they
// need not block, and their errors.
func TestBlockingNonBlocking(t *testing.T) {
	diffCases(t, []dcase{
		{name: "pops", steps: []string{
			"RPUSH l a b c", "BLPOP nokey l 0", "BRPOP l 0", "BLPOP l 0", "EXISTS l",
			"RPUSH l a b c", "BLMPOP 0 2 nokey l RIGHT COUNT 2", "BLMPOP 0 1 l LEFT", "EXISTS l",
			"RPUSH l a b", "BLMOVE l l2 RIGHT LEFT 0", "BRPOPLPUSH l l2 0", "LRANGE l2 0 -1", "EXISTS l",
			"ZADD z 1 a 2 b 3 c", "BZPOPMIN nokey z 0", "BZPOPMAX z 0", "BZMPOP 0 1 z MIN COUNT 5", "EXISTS z",
		}},
		{name: "wrong types", steps: []string{
			"SET s x", "BLPOP s 0", "BLPOP nokey s 0", "BRPOP s 0", "BLMPOP 0 1 s LEFT", "BLMOVE s d LEFT LEFT 0",
			"BRPOPLPUSH s d 0", "RPUSH l a", "BLMOVE l s LEFT LEFT 0", "BRPOPLPUSH l s 0", "LRANGE l 0 -1",
			"BZPOPMIN s 0", "BZMPOP 0 1 s MAX", "LPUSH l2 x", "BZPOPMIN l2 0",
		}},
		{name: "timeouts", steps: []string{
			"BLPOP k -1", "BLPOP k abc", "BLPOP k 1e400", "BLPOP k inf", "BLPOP k -inf", "BLPOP k nan", "BLPOP k \" 1\"",
			"BLPOP k \"1 \"", "BLPOP k 1e10000", "BLPOP k 9999999999999999", "BLPOP k \"\"", "BLPOP k -1.5",
			"BRPOP k x", "BZPOPMIN k -1", "BZPOPMAX k nan", "BZMPOP -1 1 k MIN", "BLMPOP x 1 k LEFT",
			"BLMOVE a b LEFT LEFT -1", "BRPOPLPUSH a b -0.5e3", "BLMPOP 0.01 1 k LEFT",
			"WAIT 0 -1", "WAIT 0 1.5", "WAIT x 0", "WAIT 1 x", "WAIT 0 0", "WAIT -5 100",
		}},
		{name: "syntax", steps: []string{
			"BLPOP k", "BLPOP", "BRPOP k", "BZPOPMIN k", "BLMOVE a b UP LEFT 0", "BLMOVE a b LEFT DOWN x", "BLMOVE a b LEFT",
			"BRPOPLPUSH a b", "BLMPOP 0 0 k LEFT", "BLMPOP 0 1 k", "BLMPOP 0 1 k UP", "BLMPOP 0 1 k LEFT COUNT 0",
			"BLMPOP 0 1 k LEFT COUNT 1 COUNT 2", "BLMPOP 0 2 k LEFT", "BLMPOP x 0 k LEFT", "BZMPOP 0 1 k UP",
			"BZMPOP 0 -1 k MIN", "BZMPOP 0 1 k MIN COUNT -1", "BZMPOP 0 1 k MIN foo", "WAIT 1", "CLIENT UNBLOCK",
		}},
		{name: "command info", steps: []string{
			"COMMAND INFO blpop brpop brpoplpush blmove blmpop bzpopmin bzpopmax bzmpop wait",
			"COMMAND GETKEYS BLMPOP 0 2 a b LEFT", "COMMAND GETKEYS BZMPOP 0 1 z MIN", "COMMAND GETKEYS BLMOVE a b LEFT LEFT 0",
			"COMMAND GETKEYS BLPOP a b c 0",
		}},
	})
}

// TestBlockingClientInfo checks the b flag, INFO's counts of blocked
// clients and the command CLIENT LIST shows for one, on both servers.
func TestBlockingClientInfo(t *testing.T) {
	needRedis(t)
	onBoth(t, sharedServers(), func(t *testing.T, addr string) {
		ctl := dialProto(t, addr, 2)
		a, b := dial(t, addr), dial(t, addr)
		aid := strings.TrimSpace(a.do("CLIENT", "ID")[1:])
		a.send("BLPOP", "k", "100")
		b.send("WAIT", "1", "0")
		waitFor(t, 5*time.Second, "2 blocked", func() bool { return infoField(t, ctl, "clients", "blocked_clients") == "2" })
		if got := infoField(t, ctl, "clients", "clients_in_timeout_table"); got != "1" {
			t.Errorf("clients_in_timeout_table %s, want 1", got)
		}
		list := ctl.do("CLIENT", "LIST", "ID", aid)
		if !strings.Contains(list, " flags=b ") || !strings.Contains(list, " cmd=blpop ") {
			t.Errorf("CLIENT LIST of a blocked client: %q", list)
		}
		ctl.do("CLIENT", "KILL", "ID", aid)
		ctl.do("LPUSH", "k", "v")
		if got := ctl.do("LLEN", "k"); got != ":1\r\n" {
			t.Errorf("LLEN after the blocked client was killed: %q", got)
		}
		b.nc.Close()
		waitFor(t, 5*time.Second, "0 blocked", func() bool { return infoField(t, ctl, "clients", "blocked_clients") == "0" })
		if got := infoField(t, ctl, "clients", "clients_in_timeout_table"); got != "0" {
			t.Errorf("clients_in_timeout_table %s, want 0", got)
		}
	})
}

// TestBlockingManyClients blocks a thousand clients on a hundred keys
// (two each), serves the first on each key, disconnects the others, and
// checks every reply and that nothing is left blocked.
func TestBlockingManyClients(t *testing.T) {
	ctl := kvdConn(t)
	const n, keys = 1000, 100
	conns := make([]*conn, n)
	for i := range conns {
		conns[i] = dial(t, env.kvdAddr)
		conns[i].send("BLPOP", fmt.Sprintf("k%d", i%keys), fmt.Sprintf("k%d", (i+1)%keys), "0")
	}
	waitFor(t, 10*time.Second, "all blocked", func() bool {
		return infoField(t, ctl, "clients", "blocked_clients") == strconv.Itoa(n)
	})
	// One element per key serves the first client blocked on each key.
	for k := 0; k < keys; k++ {
		ctl.do("RPUSH", fmt.Sprintf("k%d", k), "v")
	}
	for i := 0; i < keys; i++ {
		want := fmt.Sprintf("*2\r\n$%d\r\nk%d\r\n$1\r\nv\r\n", len(strconv.Itoa(i))+1, i)
		if got := conns[i].read(); got != want {
			t.Fatalf("client %d: %q, want %q", i, got, want)
		}
	}
	// The others go away while blocked.
	for i := keys; i < n; i++ {
		conns[i].nc.Close()
	}
	waitFor(t, 10*time.Second, "none blocked", func() bool {
		return infoField(t, ctl, "clients", "blocked_clients") == "0"
	})
	if got := ctl.do("DBSIZE"); got != ":0\r\n" {
		t.Errorf("DBSIZE %q", got)
	}
}

// TestBlockingGoRedisWorkers runs a job queue the way workers do with
// go-redis: consumers loop on BRPOP with a timeout, producers LPUSH; every
// job is consumed exactly once.
func TestBlockingGoRedisWorkers(t *testing.T) {
	for _, pr := range goRedisProtocols {
		t.Run(pr.name, func(t *testing.T) {
			kvdConn(t) // flush
			ctx := context.Background()
			rdb := newGoRedis(t, env.kvdAddr, pr.protocol, 0)
			const producers, consumers, jobs = 4, 8, 2000
			var mu sync.Mutex
			seen := map[string]int{}
			var wg sync.WaitGroup
			done := make(chan struct{})
			errs := make(chan error, producers+consumers)
			for range consumers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for {
						res, err := rdb.BRPop(ctx, time.Second, "jobs:high", "jobs:low").Result()
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
						mu.Lock()
						seen[res[1]]++
						mu.Unlock()
					}
				}()
			}
			var pwg sync.WaitGroup
			for p := range producers {
				pwg.Add(1)
				go func() {
					defer pwg.Done()
					for j := p; j < jobs; j += producers {
						q := "jobs:low"
						if j%5 == 0 {
							q = "jobs:high"
						}
						if err := rdb.LPush(ctx, q, fmt.Sprintf("job%d", j)).Err(); err != nil {
							errs <- err
							return
						}
					}
				}()
			}
			pwg.Wait()
			waitFor(t, 20*time.Second, "every job consumed", func() bool {
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
					t.Errorf("%s consumed %d times", j, c)
				}
			}
			// BLMOVE as a reliable queue, and BZPOPMIN.
			if err := rdb.ZAdd(ctx, "delayed", redis.Z{Score: 2, Member: "b"}, redis.Z{Score: 1, Member: "a"}).Err(); err != nil {
				t.Fatal(err)
			}
			z, err := rdb.BZPopMin(ctx, time.Second, "delayed").Result()
			if err != nil || z.Member != "a" || z.Score != 1 || z.Key != "delayed" {
				t.Errorf("BZPOPMIN: %v %v", z, err)
			}
			go func() {
				time.Sleep(50 * time.Millisecond)
				rdb.RPush(ctx, "queue", "task")
			}()
			v, err := rdb.BLMove(ctx, "queue", "processing", "LEFT", "RIGHT", 5*time.Second).Result()
			if err != nil || v != "task" {
				t.Errorf("BLMOVE: %q %v", v, err)
			}
		})
	}
}
