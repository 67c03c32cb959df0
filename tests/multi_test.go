package tests

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// diffScript runs a script of steps over several connections on both
// servers and compares every reply. A step is "A SET k v" (connection A
// sends a command and reads its reply; connections are named by one
// letter), optionally with a modifier as in diffCases ("A !sort SMEMBERS
// s"), or "sleep 120" (milliseconds, on both servers alike). The
// connections are opened before the first step, in the given protocol,
// after one FLUSHALL.
func diffScript(t *testing.T, proto int, steps []string) {
	t.Helper()
	needRedis(t)
	run := func(addr string) []string {
		conns := map[byte]*conn{}
		for _, st := range steps {
			if strings.HasPrefix(st, "sleep ") || conns[st[0]] != nil {
				continue
			}
			if len(conns) == 0 {
				conns[st[0]] = dialProto(t, addr, proto) // flushes
				continue
			}
			c := dial(t, addr)
			if proto == 3 {
				c.do("HELLO", "3")
			}
			conns[st[0]] = c
		}
		var out []string
		for _, st := range steps {
			if ms, ok := strings.CutPrefix(st, "sleep "); ok {
				n, _ := strconv.Atoi(ms)
				time.Sleep(time.Duration(n) * time.Millisecond)
				out = append(out, "")
				continue
			}
			_, args := splitStep(t, st[2:])
			out = append(out, conns[st[0]].do(args...))
		}
		return out
	}
	want, got := run(env.redisAddr), run(env.kvdAddr)
	for i, st := range steps {
		if strings.HasPrefix(st, "sleep ") {
			continue
		}
		mod, _ := splitStep(t, st[2:])
		if !sameReply(t, mod, want[i], got[i]) {
			t.Errorf("resp%d step %d %q:\n redis: %q\n   kvd: %q", proto, i, st, want[i], got[i])
		}
	}
}

// TestMultiExec compares transactions on one connection: queueing, EXEC
// with per-command errors, aborts, nesting and misuse, in both protocols.
func TestMultiExec(t *testing.T) {
	diffCases(t, []dcase{
		{name: "basic", steps: []step{"MULTI", "SET a 1", "INCR a", "GET a", "EXEC", "GET a"}},
		{name: "empty", steps: []step{"MULTI", "EXEC"}},
		{name: "errors during exec", steps: []step{"SET s x", "MULTI", "INCR s", "LPUSH s y", "SET t 1", "GET t", "EXEC", "GET t"}},
		{name: "unknown command aborts", steps: []step{"MULTI", "SET a 1", "NOSUCH x", "SET b 2", "EXEC", "EXISTS a b"}},
		{name: "wrong arity aborts", steps: []step{"MULTI", "SET a 1", "GET", "EXEC", "EXISTS a"}},
		{name: "unknown subcommand aborts", steps: []step{"MULTI", "CONFIG NOSUCH", "EXEC"}},
		{name: "nested multi", steps: []step{"MULTI", "MULTI", "SET a 1", "EXEC", "GET a"}},
		{name: "exec without multi", steps: []step{"EXEC", "DISCARD"}},
		{name: "discard", steps: []step{"MULTI", "SET a 1", "DISCARD", "GET a", "EXEC"}},
		{name: "watch inside multi", steps: []step{"MULTI", "WATCH a", "SET a 1", "EXEC"}},
		{name: "no_multi command", steps: []step{"MULTI", "SET a 1", "SHUTDOWN", "EXEC", "GET a"}},
		{name: "select inside", steps: []step{"MULTI", "SELECT 2", "SET a 1", "EXEC", "GET a", "SELECT 0", "GET a"}},
		{name: "quit and ping run", steps: []step{"MULTI", "PING", "ECHO x", "EXEC"}},
		{name: "watch then exec", steps: []step{"WATCH a b", "MULTI", "SET a 1", "EXEC", "UNWATCH", "WATCH a", "UNWATCH"}},
		{name: "reset leaves multi", steps: []step{"MULTI", "SET a 1", "RESET", "EXEC", "GET a"}},
		{name: "client info in multi", steps: []step{"!re:flags=(\\S+).*multi=(\\S+).*cmd=(\\S+) CLIENT INFO", "MULTI", "SET a 1", "!re:flags=(\\S+).*multi=(\\S+).*cmd=(\\S+) CLIENT INFO", "!re:flags=(\\S+).*multi=(\\S+).*cmd=(\\S+) EXEC"}},
	})
}

// TestWatch compares WATCH across connections: every kind of change by
// another client, or by expiry, makes EXEC fail with a null reply; changes
// to other keys, failed writes and UNWATCH do not.
func TestWatch(t *testing.T) {
	scripts := []struct {
		name  string
		steps []string
	}{
		{"set by other", []string{"A SET k 1", "A WATCH k", "B SET k 2", "A MULTI", "A SET k 3", "A EXEC", "A GET k"}},
		{"other key", []string{"A WATCH k", "B SET j 2", "A MULTI", "A SET k 3", "A EXEC"}},
		{"del by other", []string{"A SET k 1", "A WATCH k", "B DEL k", "A MULTI", "A PING", "A EXEC"}},
		{"del of missing key", []string{"A WATCH k", "B DEL k j", "A MULTI", "A PING", "A EXEC"}},
		{"failed setnx", []string{"A SET k 1", "A WATCH k", "B SETNX k 2", "A MULTI", "A PING", "A EXEC"}},
		{"expire by other", []string{"A SET k 1", "A WATCH k", "B EXPIRE k 100", "A MULTI", "A PING", "A EXEC"}},
		{"own write before multi", []string{"A SET k 1", "A WATCH k", "A SET k 2", "A MULTI", "A PING", "A EXEC"}},
		{"unwatch", []string{"A WATCH k", "B SET k 2", "A UNWATCH", "A MULTI", "A PING", "A EXEC"}},
		{"exec clears watch", []string{"A WATCH k", "A MULTI", "A EXEC", "B SET k 1", "A MULTI", "A PING", "A EXEC"}},
		{"discard clears watch", []string{"A WATCH k", "A MULTI", "A DISCARD", "B SET k 1", "A MULTI", "A PING", "A EXEC"}},
		{"flushdb", []string{"A SET k 1", "A WATCH k", "B FLUSHDB", "A MULTI", "A PING", "A EXEC"}},
		{"flushall of missing key", []string{"A WATCH k", "B SET j 1", "B FLUSHALL", "A MULTI", "A PING", "A EXEC"}},
		{"flushall", []string{"A SELECT 3", "A SET k 1", "A WATCH k", "B FLUSHALL", "A MULTI", "A PING", "A EXEC"}},
		{"swapdb", []string{"A SET k 1", "A WATCH k", "B SWAPDB 0 1", "A MULTI", "A PING", "A EXEC"}},
		{"swapdb brings key", []string{"A WATCH k", "B SELECT 1", "B SET k 1", "B SWAPDB 0 1", "A MULTI", "A PING", "A EXEC"}},
		{"move", []string{"A SET k 1", "A WATCH k", "B MOVE k 1", "A MULTI", "A PING", "A EXEC"}},
		{"move into watched db", []string{"A SELECT 1", "A WATCH k", "B SET k 1", "B MOVE k 1", "A MULTI", "A PING", "A EXEC"}},
		{"rename source", []string{"A SET k 1", "A WATCH k", "B RENAME k j", "A MULTI", "A PING", "A EXEC"}},
		{"rename destination", []string{"A SET j 1", "A WATCH k", "B RENAME j k", "A MULTI", "A PING", "A EXEC"}},
		{"copy destination", []string{"A SET j 1", "A WATCH k", "B COPY j k", "A MULTI", "A PING", "A EXEC"}},
		{"list push", []string{"A WATCH l", "B RPUSH l a", "A MULTI", "A LLEN l", "A EXEC"}},
		{"sinterstore source untouched", []string{"A SADD s1 a", "A WATCH s1", "B SINTERSTORE d s1 s1", "A MULTI", "A PING", "A EXEC"}},
		{"sinterstore destination", []string{"A SADD s1 a", "A WATCH d", "B SINTERSTORE d s1 s1", "A MULTI", "A PING", "A EXEC"}},
		{"other database", []string{"A SET k 1", "A WATCH k", "B SELECT 1", "B SET k 2", "A MULTI", "A PING", "A EXEC"}},
		{"key expires after watch", []string{"A SET k 1 PX 50", "A WATCH k", "sleep 100", "A MULTI", "A PING", "A EXEC"}},
		{"key expired before watch", []string{"A DEBUG SET-ACTIVE-EXPIRE 0", "A SET k 1 PX 10", "sleep 50", "A WATCH k", "A MULTI", "A PING", "A EXEC", "A DEBUG SET-ACTIVE-EXPIRE 1"}},
		{"expired key read by other", []string{"A DEBUG SET-ACTIVE-EXPIRE 0", "A SET k 1 PX 10", "sleep 50", "A WATCH k", "B GET k", "A MULTI", "A PING", "A EXEC", "A DEBUG SET-ACTIVE-EXPIRE 1"}},
		{"expired key set by other", []string{"A DEBUG SET-ACTIVE-EXPIRE 0", "A SET k 1 PX 10", "sleep 50", "A WATCH k", "B SET k 2", "A MULTI", "A PING", "A EXEC", "A DEBUG SET-ACTIVE-EXPIRE 1"}},
		{"dirty flag shown", []string{"A WATCH k", "B SET k 1", "A !re:flags=(\\S+) CLIENT INFO", "A MULTI", "A !re:flags=(\\S+) CLIENT INFO", "A EXEC"}},
		{"watch after touch", []string{"A WATCH k", "B SET k 1", "A WATCH j", "A MULTI", "A PING", "A EXEC"}},
	}
	for _, proto := range []int{2, 3} {
		for _, sc := range scripts {
			t.Run(fmt.Sprintf("resp%d/%s", proto, sc.name), func(t *testing.T) {
				diffScript(t, proto, sc.steps)
			})
		}
	}
}

// TestExecCommandStats compares what INFO commandstats counts for EXEC and
// the commands it runs, rejected and failed ones included.
func TestExecCommandStats(t *testing.T) {
	needRedis(t)
	cmds := [][]string{
		{"SET", "s", "x"}, {"MULTI"}, {"INCR", "s"}, {"GET", "s"}, {"EXEC"},
		{"MULTI"}, {"GET"}, {"EXEC"},
		{"EXEC"}, {"DISCARD"}, {"WATCH", "a"}, {"UNWATCH"},
		{"MULTI"}, {"MULTI"}, {"DISCARD"},
		{"GET", "missing"},
	}
	n := compareKeyspaceStats(t, cmds, func(name string) bool {
		switch name {
		case "cmdstat_exec", "cmdstat_multi", "cmdstat_discard", "cmdstat_incr", "cmdstat_get", "cmdstat_watch", "cmdstat_unwatch":
			return true
		}
		return false
	})
	if n != 7 {
		t.Errorf("compared %d commandstats lines, want 7", n)
	}
}

// TestGoRedisTransactions runs go-redis's optimistic-locking idiom (Watch
// with a TxPipelined read-modify-write, retried on TxFailedErr) from many
// goroutines at once: every increment must land exactly once. And
// TxPipelined alone returns each command's result.
func TestGoRedisTransactions(t *testing.T) {
	ctx := context.Background()
	rdb := redis.NewClient(&redis.Options{Addr: env.kvdAddr, PoolSize: 20})
	defer rdb.Close()
	rdb.FlushAll(ctx)

	cmds, err := rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.Set(ctx, "a", "1", 0)
		p.Incr(ctx, "a")
		p.Get(ctx, "a")
		return nil
	})
	if err != nil || len(cmds) != 3 || cmds[2].(*redis.StringCmd).Val() != "2" {
		t.Fatalf("TxPipelined: %v %v", cmds, err)
	}

	const workers, each = 10, 30
	var wg sync.WaitGroup
	var retries sync.Map
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; i < each; i++ {
				for {
					err := rdb.Watch(ctx, func(tx *redis.Tx) error {
						n, err := tx.Get(ctx, "counter").Int()
						if err != nil && !errors.Is(err, redis.Nil) {
							return err
						}
						_, err = tx.TxPipelined(ctx, func(p redis.Pipeliner) error {
							p.Set(ctx, "counter", n+1, 0)
							return nil
						})
						return err
					}, "counter")
					if errors.Is(err, redis.TxFailedErr) {
						v, _ := retries.LoadOrStore(w, 0)
						retries.Store(w, v.(int)+1)
						continue
					}
					if err != nil {
						t.Error(err)
						return
					}
					break
				}
			}
		}(w)
	}
	wg.Wait()
	if n, err := rdb.Get(ctx, "counter").Int(); err != nil || n != workers*each {
		t.Fatalf("counter %d (%v), want %d", n, err, workers*each)
	}
	total := 0
	retries.Range(func(_, v any) bool { total += v.(int); return true })
	t.Logf("%d optimistic retries", total)
}

var multiFieldRe = regexp.MustCompile(`multi=(-?\d+)`)

// TestClientListMulti checks CLIENT LIST's multi= count and x flag on a
// client in MULTI, as seen by another client.
func TestClientListMulti(t *testing.T) {
	needRedis(t)
	for _, addr := range []string{env.redisAddr, env.kvdAddr} {
		a, b := dial(t, addr), dial(t, addr)
		a.do("CLIENT", "SETNAME", "txclient")
		a.do("MULTI")
		a.do("SET", "x", "1")
		a.do("SET", "y", "2")
		list := b.do("CLIENT", "LIST")
		var line string
		for _, l := range strings.Split(list, "\n") {
			if strings.Contains(l, "name=txclient") {
				line = l
			}
		}
		if m := multiFieldRe.FindStringSubmatch(line); m == nil || m[1] != "2" || !strings.Contains(line, "flags=x ") {
			t.Errorf("%s: client in MULTI listed as %q", addr, line)
		}
		a.do("DISCARD")
	}
}

// TestBlockingAndTransactions compares blocking commands inside MULTI (they
// answer at once, as if timed out) and clients blocked while another
// client's transaction runs: served after EXEC with what the transaction
// left, in order, not in the middle of it.
func TestBlockingAndTransactions(t *testing.T) {
	needRedis(t)
	diffScenarios(t, sharedServers(), map[string][]string{
		"blocking inside exec": {
			"A: MULTI", "A: BLPOP nolist 0", "A: BRPOPLPUSH a b 0", "A: BZPOPMIN z 0", "A: BLMPOP 0 1 a LEFT", "A: EXEC",
			"A: RPUSH l x", "A: MULTI", "A: BLPOP l 0", "A: EXEC",
		},
		"push then delete in one transaction": {
			"A> BLPOP k 0", "blocked 1", "B: MULTI", "B: LPUSH k x", "B: DEL k", "B: EXEC", "A-",
			"B: RPUSH k y", "A<",
		},
		"several pushes in one transaction": {
			"A> BLPOP k 0", "blocked 1", "C> BLPOP k 0", "blocked 2",
			"B: MULTI", "B: RPUSH k 1", "B: RPUSH k 2 3", "B: LPOP k", "B: EXEC", "A<", "C<", "B: LRANGE k 0 -1",
		},
		"watched key popped by a served client": {
			"A> BLPOP k 0", "blocked 1", "C: WATCH k", "B: RPUSH k x", "A<", "C: MULTI", "C: PING", "C: EXEC",
		},
	})
}
