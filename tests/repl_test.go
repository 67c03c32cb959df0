package tests

import (
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kvdserver/kvd/server"
)

// Replication: kvd as the master of a real redis-server replica.

// replWorkload returns seeded random write commands over every type, in
// several databases, with long TTLs on some keys and short ones (which
// expire while the test runs) on a few.
type replWorkload struct {
	r  *rand.Rand
	db int
}

func newReplWorkload(seed uint64) *replWorkload {
	return &replWorkload{r: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))}
}

// next returns the next command; a SELECT now and then.
func (w *replWorkload) next() []string {
	r := w.r
	if r.IntN(50) == 0 {
		w.db = r.IntN(3)
		return []string{"SELECT", strconv.Itoa(w.db)}
	}
	n := r.IntN(40)
	key := func(p string) string { return p + strconv.Itoa(n) }
	v := func() string { return strconv.Itoa(r.IntN(1000)) }
	switch r.IntN(24) {
	case 0, 1:
		return []string{"SET", key("s"), v()}
	case 2:
		return []string{"SET", key("s"), v(), "EX", strconv.Itoa(100 + r.IntN(1000))}
	case 3:
		return []string{"INCRBY", key("n"), v()}
	case 4:
		return []string{"APPEND", key("s"), v()}
	case 5:
		return []string{"RPUSH", key("l"), v(), v()}
	case 6:
		return []string{"LPOP", key("l")}
	case 7:
		return []string{"LPUSH", key("l"), v()}
	case 8:
		return []string{"HSET", key("h"), "f" + v(), v()}
	case 9:
		return []string{"HDEL", key("h"), "f" + v()}
	case 10:
		return []string{"HINCRBYFLOAT", key("h"), "x", "1.5"}
	case 11:
		return []string{"SADD", key("t"), v(), v()}
	case 12:
		return []string{"SPOP", key("t")}
	case 13:
		return []string{"SREM", key("t"), v()}
	case 14:
		return []string{"ZADD", key("z"), v(), "m" + v()}
	case 15:
		return []string{"ZINCRBY", key("z"), "2.5", "m" + v()}
	case 16:
		return []string{"ZPOPMIN", key("z")}
	case 17:
		k := []string{"s", "l", "h", "t", "z"}[r.IntN(5)]
		return []string{"EXPIRE", key(k), strconv.Itoa(100 + r.IntN(1000))}
	case 18:
		return []string{"DEL", key("l")}
	case 19:
		return []string{"INCRBYFLOAT", key("f"), "0.25"}
	case 20:
		// A short TTL: expires while the test runs.
		return []string{"SET", key("e"), v(), "PX", strconv.Itoa(50 + r.IntN(200))}
	case 21:
		return []string{"PERSIST", key("s")}
	case 22:
		return []string{"GETDEL", key("n")}
	default:
		return []string{"SETRANGE", key("s"), strconv.Itoa(r.IntN(10)), v()}
	}
}

// snapshotKeys reads every key of database db: type, value (unordered
// collections sorted) and deadline.
func snapshotKeys(t *testing.T, c *conn, db int) map[string]string {
	t.Helper()
	c.do("SELECT", strconv.Itoa(db))
	out := map[string]string{}
	scanEach(t, c, []string{"SCAN"}, []string{"COUNT", "100"}, func(elems []value) {
		for _, e := range elems {
			k := e.str
			typ := c.do("TYPE", k)
			var val string
			switch strings.TrimSpace(typ) {
			case "+string":
				val = c.do("GET", k)
			case "+list":
				val = c.do("LRANGE", k, "0", "-1")
			case "+hash":
				pv, err := parseValue(c.do("HGETALL", k))
				if err != nil {
					t.Fatal(err)
				}
				val = pv.sortedPairs().String()
			case "+set":
				pv, err := parseValue(c.do("SMEMBERS", k))
				if err != nil {
					t.Fatal(err)
				}
				val = pv.sorted().String()
			case "+zset":
				val = c.do("ZRANGE", k, "0", "-1", "WITHSCORES")
			case "+none":
				continue // expired between SCAN and TYPE
			}
			out[k] = typ + " " + val + " exp " + c.do("PEXPIRETIME", k)
		}
	})
	return out
}

// compareReplica requires the two servers to hold the same keys.
func compareReplica(t *testing.T, master, replica *conn) int {
	t.Helper()
	n := 0
	for db := 0; db < 3; db++ {
		mv := snapshotKeys(t, master, db)
		rv := snapshotKeys(t, replica, db)
		n += len(mv)
		for k, v := range mv {
			if rv[k] != v {
				t.Errorf("db %d key %q:\n master  %q\n replica %q", db, k, v, rv[k])
			}
		}
		for k, v := range rv {
			if _, ok := mv[k]; !ok {
				t.Errorf("db %d key %q only on the replica: %q", db, k, v)
			}
		}
	}
	return n
}

// replInfo reads one field of an INFO reply.
func replInfo(info, name string) string {
	for _, line := range strings.Split(info, "\r\n") {
		if v, ok := strings.CutPrefix(line, name+":"); ok {
			return v
		}
	}
	return ""
}

// redisProc is a redis-server started on a given port and directory (so
// that it can be restarted with its dump).
type redisProc struct {
	cmd  *exec.Cmd
	addr string
	dir  string
	port int
}

func startRedisProc(t *testing.T, dir string, port int, args ...string) *redisProc {
	t.Helper()
	path, err := redisServerPath()
	if err != nil {
		t.Fatal(err)
	}
	all := append([]string{"--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
		"--dir", dir, "--daemonize", "no", "--logfile", filepath.Join(dir, "redis.log")}, args...)
	cmd := exec.Command(path, all...)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &redisProc{cmd: cmd, addr: net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), dir: dir, port: port}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	waitFor(t, 10*time.Second, "redis-server to listen", func() bool {
		c, err := net.DialTimeout("tcp", p.addr, 100*time.Millisecond)
		if err == nil {
			c.Close()
		}
		return err == nil
	})
	return p
}

func (p *redisProc) log() string {
	b, _ := os.ReadFile(filepath.Join(p.dir, "redis.log"))
	return string(b)
}

// TestReplKvdMasterRedisReplica: a redis-server replica of kvd gets the
// data set by a full sync (diskless and disk-style payloads) while a
// seeded workload runs, then the stream; after WAIT every key is equal.
// The replica, shut down and restarted from its dump, continues with a
// partial resync (+CONTINUE) and converges again.
func TestReplKvdMasterRedisReplica(t *testing.T) {
	needRedis(t)
	for _, diskless := range []string{"yes", "no"} {
		t.Run("diskless-"+diskless, func(t *testing.T) {
			seed := testSeed(t, "KVD_TEST_SEED")
			srv := newKvd(t, func(cfg *server.Config) {
				cfg.Set("repl-diskless-sync", diskless)
				cfg.Set("repl-diskless-sync-delay", "0")
			})
			m := dial(t, srv.Addr().String())
			w := newReplWorkload(seed)
			run := func(n int) {
				var cmds [][]string
				for i := 0; i < n; i++ {
					cmds = append(cmds, w.next())
				}
				m.pipeline(cmds)
			}
			run(2000)

			port, err := freePort()
			if err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			_, mport, _ := net.SplitHostPort(srv.Addr().String())
			rp := startRedisProc(t, dir, port, "--replicaof", "127.0.0.1", mport)
			run(2000) // during and after the full sync
			rc := dial(t, rp.addr)
			waitFor(t, 20*time.Second, "the replica's link", func() bool {
				return replInfo(rc.do("INFO", "replication"), "master_link_status") == "up"
			})
			run(1000)
			m.do("SELECT", "0")
			if got := m.do("WAIT", "1", "10000"); got != ":1\r\n" {
				t.Fatalf("WAIT 1: %q", got)
			}
			time.Sleep(300 * time.Millisecond) // the short TTLs pass
			n := compareReplica(t, m, rc)
			t.Logf("%d keys compared", n)
			info := m.do("INFO", "replication")
			if !strings.Contains(info, "slave0:ip=127.0.0.1,port="+strconv.Itoa(port)+",state=online") {
				t.Errorf("INFO replication:\n%s", info)
			}
			if role := m.do("ROLE"); !strings.HasPrefix(role, "*3\r\n$6\r\nmaster\r\n") || !strings.Contains(role, strconv.Itoa(port)) {
				t.Errorf("ROLE: %q", role)
			}
			if replInfo(rc.do("INFO", "replication"), "master_repl_offset") != replInfo(info, "master_repl_offset") {
				t.Errorf("offsets differ:\n%s\n%s", info, rc.do("INFO", "replication"))
			}

			// Shut the replica down with its dump, write more, restart it.
			rc.write(encode("SHUTDOWN", "SAVE"))
			rp.cmd.Wait()
			run(500)
			partial := replInfo(m.do("INFO", "stats"), "sync_partial_ok")
			rp = startRedisProc(t, dir, port, "--replicaof", "127.0.0.1", mport)
			rc = dial(t, rp.addr)
			waitFor(t, 20*time.Second, "the replica's link again", func() bool {
				return replInfo(rc.do("INFO", "replication"), "master_link_status") == "up"
			})
			run(500)
			m.do("SELECT", "0")
			if got := m.do("WAIT", "1", "10000"); got != ":1\r\n" {
				t.Fatalf("WAIT 1 after the restart: %q", got)
			}
			if got := replInfo(m.do("INFO", "stats"), "sync_partial_ok"); got == partial {
				t.Errorf("sync_partial_ok stayed %s; replica log:\n%s", got, rp.log())
			}
			if !strings.Contains(rp.log(), "Successful partial resynchronization with master") {
				t.Errorf("no partial resync in the replica's log:\n%s", rp.log())
			}
			time.Sleep(300 * time.Millisecond)
			compareReplica(t, m, rc)
		})
	}
}

// TestReplMinReplicas: min-replicas-to-write refuses writes on a master
// without enough replicas, with Redis's error.
func TestReplMinReplicas(t *testing.T) {
	s := privateServers(t, nil)
	onBoth(t, s, func(t *testing.T, addr string) {
		c := dial(t, addr)
		c.do("CONFIG", "SET", "min-replicas-to-write", "1")
		if got := c.do("SET", "k", "v"); got != "-NOREPLICAS Not enough good replicas to write.\r\n" {
			t.Errorf("SET: %q", got)
		}
		if got := c.do("GET", "k"); got != "$-1\r\n" {
			t.Errorf("GET: %q", got)
		}
		if got := c.do("CONFIG", "GET", "min-slaves-to-write"); got != "*2\r\n$19\r\nmin-slaves-to-write\r\n$1\r\n1\r\n" {
			t.Errorf("CONFIG GET: %q", got)
		}
		c.do("CONFIG", "SET", "min-replicas-to-write", "0")
		if got := c.do("SET", "k", "v"); got != "+OK\r\n" {
			t.Errorf("SET: %q", got)
		}
	})
	diffCasesOn(t, s, []dcase{
		{name: "role", steps: []step{"ROLE", "WAIT 0 0", "WAIT 1 10", "REPLCONF listening-port x", "REPLCONF foo bar", "REPLCONF a", "REPLCONF listening-port 1 capa eof capa psync2"}},
	})
}

var _ = fmt.Sprint

// waitLinkUp waits until the replica reports its master link up.
func waitLinkUp(t *testing.T, rc *conn) {
	t.Helper()
	waitFor(t, 20*time.Second, "the replica's master link", func() bool {
		return replInfo(rc.do("INFO", "replication"), "master_link_status") == "up"
	})
}

// workloadRunner returns a function that sends n commands of a seeded
// workload to c, pipelined.
func workloadRunner(t *testing.T, c *conn) func(n int) {
	w := newReplWorkload(testSeed(t, "KVD_TEST_SEED"))
	return func(n int) {
		var cmds [][]string
		for i := 0; i < n; i++ {
			cmds = append(cmds, w.next())
		}
		c.pipeline(cmds)
	}
}

// TestReplRedisMasterKvdReplica: kvd replicates a redis-server master
// (full sync under load, then the stream), refuses writes as a read-only
// replica, and holds every key of the master after WAIT.
func TestReplRedisMasterKvdReplica(t *testing.T) {
	needRedis(t)
	for _, diskless := range []string{"yes", "no"} {
		t.Run("diskless-"+diskless, func(t *testing.T) {
			maddr := newRedis(t, "--repl-diskless-sync", diskless, "--repl-diskless-sync-delay", "0")
			m := dial(t, maddr)
			run := workloadRunner(t, m)
			run(2000)
			srv := newKvd(t, nil)
			rc := dial(t, srv.Addr().String())
			host, port, _ := net.SplitHostPort(maddr)
			if got := rc.do("REPLICAOF", host, port); got != "+OK\r\n" {
				t.Fatalf("REPLICAOF: %q", got)
			}
			run(2000)
			waitLinkUp(t, rc)
			run(1000)
			m.do("SELECT", "0")
			if got := m.do("WAIT", "1", "10000"); got != ":1\r\n" {
				t.Fatalf("WAIT 1: %q", got)
			}
			time.Sleep(300 * time.Millisecond)
			t.Logf("%d keys compared", compareReplica(t, m, rc))
			if got := rc.do("SET", "k", "v"); got != "-READONLY You can't write against a read only replica.\r\n" {
				t.Errorf("SET on the replica: %q", got)
			}
			if got := rc.do("ROLE"); !strings.HasPrefix(got, "*5\r\n$5\r\nslave\r\n$9\r\n127.0.0.1\r\n:"+port+"\r\n$9\r\nconnected\r\n") {
				t.Errorf("ROLE: %q", got)
			}
			// Dropping the link: the replica continues (+CONTINUE).
			m.do("CLIENT", "KILL", "TYPE", "replica")
			run(300)
			waitFor(t, 20*time.Second, "a partial resync", func() bool {
				return replInfo(m.do("INFO", "stats"), "sync_partial_ok") == "1"
			})
			m.do("SELECT", "0")
			if got := m.do("WAIT", "1", "10000"); got != ":1\r\n" {
				t.Fatalf("WAIT 1 after the partial resync: %q", got)
			}
			time.Sleep(300 * time.Millisecond)
			compareReplica(t, m, rc)
		})
	}
}

// TestReplKvdToKvd: a kvd replica of a kvd master; then the replica is
// promoted (REPLICAOF NO ONE) and the old master, made its replica,
// continues from the promoted one's secondary ID (PSYNC2) rather than
// resyncing in full.
func TestReplKvdToKvd(t *testing.T) {
	master := newKvd(t, func(cfg *server.Config) { cfg.Set("repl-diskless-sync-delay", "0") })
	replica := newKvd(t, func(cfg *server.Config) { cfg.Set("repl-diskless-sync-delay", "0") })
	m := dial(t, master.Addr().String())
	rc := dial(t, replica.Addr().String())
	run := workloadRunner(t, m)
	run(2000)
	host, port, _ := net.SplitHostPort(master.Addr().String())
	rc.do("REPLICAOF", host, port)
	run(2000)
	waitLinkUp(t, rc)
	run(500)
	m.do("SELECT", "0")
	if got := m.do("WAIT", "1", "10000"); got != ":1\r\n" {
		t.Fatalf("WAIT 1: %q", got)
	}
	time.Sleep(300 * time.Millisecond)
	t.Logf("%d keys compared", compareReplica(t, m, rc))

	// Promote the replica once it has the whole stream (as FAILOVER and
	// Sentinel make sure); the old master follows it.
	waitFor(t, 10*time.Second, "equal offsets", func() bool {
		return replInfo(m.do("INFO", "replication"), "master_repl_offset") == replInfo(rc.do("INFO", "replication"), "master_repl_offset")
	})
	if got := rc.do("REPLICAOF", "NO", "ONE"); got != "+OK\r\n" {
		t.Fatalf("REPLICAOF NO ONE: %q", got)
	}
	rhost, rport, _ := net.SplitHostPort(replica.Addr().String())
	m.do("REPLICAOF", rhost, rport)
	w2 := workloadRunner(t, rc)
	w2(1000)
	waitLinkUp(t, m)
	rc.do("SELECT", "0")
	if got := rc.do("WAIT", "1", "10000"); got != ":1\r\n" {
		t.Fatalf("WAIT 1 on the promoted replica: %q", got)
	}
	if got := replInfo(rc.do("INFO", "stats"), "sync_partial_ok"); got != "1" {
		t.Errorf("sync_partial_ok on the promoted replica: %s\n%s", got, rc.do("INFO", "replication"))
	}
	time.Sleep(300 * time.Millisecond)
	compareReplica(t, rc, m)
}
