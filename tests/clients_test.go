package tests

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// needTool returns the path of a redis-tools program, failing the test
// under CI and skipping it otherwise when it is missing.
func needTool(t testing.TB, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err == nil {
		return p
	}
	if os.Getenv("CI") != "" {
		t.Fatalf("%s is required in CI (apt-get install redis-tools): %v", name, err)
	}
	t.Skipf("%s unavailable (apt-get install redis-tools): %v", name, err)
	return ""
}

// hostPort splits a server address for command-line tools.
func hostPort(t testing.TB, addr string) (string, string) {
	t.Helper()
	h, p, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatal(err)
	}
	return h, p
}

// toolResult is what a command-line tool printed and how it exited.
type toolResult struct {
	stdout, stderr string
	code           int
}

// runTool runs a redis-tools program against addr with stdin and args.
func runTool(t testing.TB, tool, addr string, stdin []byte, args ...string) toolResult {
	t.Helper()
	h, p := hostPort(t, addr)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, tool, append([]string{"-h", h, "-p", p}, args...)...)
	cmd.Stdin = bytes.NewReader(stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	var ee *exec.ExitError
	code := 0
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("%s %q: %v", tool, args, err)
	}
	if ctx.Err() != nil {
		t.Fatalf("%s %q timed out\n%s%s", tool, args, out.String(), errb.String())
	}
	return toolResult{out.String(), errb.String(), code}
}

// newGoRedis returns a go-redis client for addr, closed when the test ends.
func newGoRedis(t testing.TB, addr string, protocol, db int) *redis.Client {
	t.Helper()
	rdb := redis.NewClient(&redis.Options{Addr: addr, Protocol: protocol, DB: db})
	t.Cleanup(func() { rdb.Close() })
	return rdb
}

// goRedisProtocols are the client configurations tested: go-redis's
// default (RESP3, negotiated with HELLO 3) and RESP2.
var goRedisProtocols = []struct {
	name     string
	protocol int
}{{"default", 0}, {"resp2", 2}}

// TestClientGoRedis runs a realistic go-redis workload against kvd with
// the commands every kvd has: strings, pipelines, a pool used from many
// goroutines, big and binary values, errors, database selection.
func TestClientGoRedis(t *testing.T) {
	for _, pr := range goRedisProtocols {
		t.Run(pr.name, func(t *testing.T) {
			ctx := context.Background()
			rdb := newGoRedis(t, env.kvdAddr, pr.protocol, 0)
			must := func(err error) {
				t.Helper()
				if err != nil {
					t.Fatal(err)
				}
			}
			must(rdb.FlushAll(ctx).Err())
			if v, err := rdb.Ping(ctx).Result(); err != nil || v != "PONG" {
				t.Fatalf("PING: %q %v", v, err)
			}
			if v, err := rdb.Echo(ctx, "hello\r\nworld").Result(); err != nil || v != "hello\r\nworld" {
				t.Fatalf("ECHO: %q %v", v, err)
			}
			must(rdb.Set(ctx, "user:1", "alice", 0).Err())
			if v, err := rdb.Get(ctx, "user:1").Result(); err != nil || v != "alice" {
				t.Fatalf("GET: %q %v", v, err)
			}
			if _, err := rdb.Get(ctx, "nosuchkey").Result(); err != redis.Nil {
				t.Fatalf("GET missing: %v, want redis.Nil", err)
			}
			if ok, err := rdb.SetNX(ctx, "user:1", "bob", 0).Result(); err != nil || ok {
				t.Fatalf("SETNX existing: %v %v", ok, err)
			}
			if ok, err := rdb.SetNX(ctx, "user:2", "bob", 0).Result(); err != nil || !ok {
				t.Fatalf("SETNX new: %v %v", ok, err)
			}
			must(rdb.SetEx(ctx, "session", "token", time.Minute).Err())
			must(rdb.Set(ctx, "short", "x", 90*time.Second+500*time.Millisecond).Err()) // PX; long enough to outlive the test under load
			if old, err := rdb.SetArgs(ctx, "user:1", "carol", redis.SetArgs{Get: true}).Result(); err != nil || old != "alice" {
				t.Fatalf("SET GET: %q %v", old, err)
			}
			if _, err := rdb.SetArgs(ctx, "user:1", "x", redis.SetArgs{Mode: "NX", Get: true}).Result(); err != nil && err != redis.Nil {
				t.Fatalf("SET NX GET: %v", err)
			}

			// Binary and big values.
			bin := string([]byte{0, '\r', '\n', 0xff, 'a', 0})
			must(rdb.Set(ctx, bin, bin, 0).Err())
			if v, err := rdb.Get(ctx, bin).Result(); err != nil || v != bin {
				t.Fatalf("binary GET: %q %v", v, err)
			}
			big := strings.Repeat("0123456789abcdef", 1<<18) // 4 MB
			must(rdb.Set(ctx, "big", big, 0).Err())
			if v, err := rdb.Get(ctx, "big").Result(); err != nil || v != big {
				t.Fatalf("big GET: %d bytes, %v", len(v), err)
			}

			// A pipeline of 2,000 commands.
			cmds, err := rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
				for i := 0; i < 1000; i++ {
					p.Set(ctx, "p:"+strconv.Itoa(i), i, 0)
				}
				for i := 0; i < 1000; i++ {
					p.Get(ctx, "p:"+strconv.Itoa(i))
				}
				return nil
			})
			must(err)
			for i, c := range cmds[1000:] {
				if v := c.(*redis.StringCmd).Val(); v != strconv.Itoa(i) {
					t.Fatalf("pipelined GET p:%d = %q", i, v)
				}
			}

			// The pool, from many goroutines at once.
			var wg sync.WaitGroup
			errs := make(chan error, 20)
			for g := 0; g < 20; g++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := 0; i < 50; i++ {
						k := fmt.Sprintf("g:%d:%d", g, i)
						if err := rdb.Set(ctx, k, k, 0).Err(); err != nil {
							errs <- err
							return
						}
						if v, err := rdb.Get(ctx, k).Result(); err != nil || v != k {
							errs <- fmt.Errorf("GET %s = %q, %v", k, v, err)
							return
						}
					}
				}()
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Fatal(err)
			}

			// Errors come back as Redis errors; the connection stays usable.
			err = rdb.Do(ctx, "NOSUCHCOMMAND", "a").Err()
			if err == nil || err.Error() != "ERR unknown command 'NOSUCHCOMMAND', with args beginning with: 'a' " {
				t.Fatalf("unknown command: %v", err)
			}
			if err := rdb.Do(ctx, "SET", "onlykey").Err(); err == nil || !strings.Contains(err.Error(), "wrong number of arguments") {
				t.Fatalf("wrong arity: %v", err)
			}
			if n, err := rdb.DBSize(ctx).Result(); err != nil || n != 2+2+1+1+1000+1000 {
				t.Fatalf("DBSIZE: %d %v", n, err)
			}

			// A client on another database sees its own keys only.
			db3 := newGoRedis(t, env.kvdAddr, pr.protocol, 3)
			must(db3.Set(ctx, "user:1", "in db 3", 0).Err())
			if n, err := db3.DBSize(ctx).Result(); err != nil || n != 1 {
				t.Fatalf("DBSIZE db 3: %d %v", n, err)
			}
			if v, _ := rdb.Get(ctx, "user:1").Result(); v != "carol" {
				t.Fatalf("db 0 user:1 = %q", v)
			}
			must(db3.FlushDB(ctx).Err())
		})
	}
}

// cliCases are redis-cli invocations whose output, errors and exit status
// must be the same with kvd as with redis-server; they run in order after
// a FLUSHALL. stdin feeds -x.
var cliCases = []struct {
	args  []string
	stdin string
}{
	{args: []string{"SET", "a", "b"}},
	{args: []string{"GET", "a"}},
	{args: []string{"--no-raw", "GET", "a"}},
	{args: []string{"GET", "missing"}},
	{args: []string{"--no-raw", "GET", "missing"}},
	{args: []string{"--no-raw", "SET", "a", "c", "GET"}},
	{args: []string{"PING"}},
	{args: []string{"--no-raw", "PING", "hello world"}},
	{args: []string{"ECHO", "multi\nline"}},
	{args: []string{"FOO", "x"}},
	{args: []string{"--no-raw", "FOO"}},
	{args: []string{"SET"}},
	{args: []string{"--no-raw", "SET", "k", "v", "EX", "abc"}},
	{args: []string{"-x", "SET", "bin"}, stdin: "a\x00b\r\nc\xff"},
	{args: []string{"--no-raw", "GET", "bin"}},
	{args: []string{"GET", "bin"}},
	{args: []string{"-n", "2", "SET", "a", "db2"}},
	{args: []string{"-n", "2", "--no-raw", "GET", "a"}},
	{args: []string{"-n", "2", "DBSIZE"}},
	{args: []string{"--no-raw", "DBSIZE"}},
	{args: []string{"-r", "3", "PING"}},
	{args: []string{"--csv", "GET", "a"}},
}

// TestClientRedisCli runs redis-cli non-interactively against both servers.
func TestClientRedisCli(t *testing.T) {
	cli := needTool(t, "redis-cli")
	needRedis(t)
	run := func(addr string) []toolResult {
		if r := runTool(t, cli, addr, nil, "FLUSHALL"); r.stdout != "OK\n" {
			t.Fatalf("FLUSHALL on %s: %+v", addr, r)
		}
		var out []toolResult
		for _, c := range cliCases {
			out = append(out, runTool(t, cli, addr, []byte(c.stdin), c.args...))
		}
		return out
	}
	want := run(env.redisAddr)
	got := run(env.kvdAddr)
	for i, c := range cliCases {
		if got[i] != want[i] {
			t.Errorf("redis-cli %q:\nredis: %+v\n  kvd: %+v", c.args, want[i], got[i])
		}
	}
}

// TestClientRedisCliPipe mass-inserts 100,000 keys with redis-cli --pipe.
func TestClientRedisCliPipe(t *testing.T) {
	cli := needTool(t, "redis-cli")
	c := kvdConn(t)
	const n = 100000
	var in bytes.Buffer
	for i := 0; i < n; i++ {
		in.Write(encode("SET", "key:"+strconv.Itoa(i), "value:"+strconv.Itoa(i)))
	}
	r := runTool(t, cli, env.kvdAddr, in.Bytes(), "--pipe")
	if r.code != 0 || !strings.Contains(r.stdout, "errors: 0, replies: 100000") {
		t.Fatalf("redis-cli --pipe: %+v", r)
	}
	if got := c.do("DBSIZE"); got != ":100000\r\n" {
		t.Fatalf("DBSIZE: %q", got)
	}
	if got := c.do("GET", "key:99999"); got != "$11\r\nvalue:99999\r\n" {
		t.Fatalf("GET: %q", got)
	}
	c.do("FLUSHALL")
}

// benchmarkResults parses redis-benchmark -q output into test name ->
// line, and returns any line that reports an error.
func benchmarkResults(out string) (map[string]string, []string) {
	results := map[string]string{}
	var problems []string
	re := regexp.MustCompile(`^\s*([A-Z0-9_]+(?: \([^)]*\))?): ([0-9.]+) requests per second`)
	for _, line := range strings.FieldsFunc(out, func(r rune) bool { return r == '\r' || r == '\n' }) {
		if m := re.FindStringSubmatch(line); m != nil {
			results[m[1]] = line
			if v, err := strconv.ParseFloat(m[2], 64); err != nil || v <= 0 {
				problems = append(problems, line)
			}
		}
		if strings.Contains(line, "Error") || strings.Contains(line, "ERR") || strings.Contains(line, "WARNING") {
			problems = append(problems, strings.TrimSpace(line))
		}
	}
	return results, problems
}

// configWarning is what redis-benchmark prints when CONFIG GET fails.
const configWarning = "WARNING: Could not fetch server CONFIG"

// checkBenchmark runs redis-benchmark -q with args against kvd and
// requires a result for every test named and no error or warning (other
// than the ones in allowed).
func checkBenchmark(t *testing.T, tests []string, allowed []string, args ...string) {
	t.Helper()
	bench := needTool(t, "redis-benchmark")
	kvdConn(t)
	r := runTool(t, bench, env.kvdAddr, nil, append([]string{"-q"}, args...)...)
	results, all := benchmarkResults(r.stdout + r.stderr)
	var problems []string
	for _, p := range all {
		ok := false
		for _, a := range allowed {
			ok = ok || p == a
		}
		if !ok {
			problems = append(problems, p)
		}
	}
	if r.code != 0 || len(problems) > 0 {
		t.Errorf("redis-benchmark exit %d, problems %q", r.code, problems)
	}
	for _, name := range tests {
		if results[name] == "" {
			t.Errorf("no result for %s:\n%s%s", name, r.stdout, r.stderr)
		}
	}
}

// TestClientRedisBenchmarkPipelined runs redis-benchmark's PING, SET and
// GET tests with 16 commands pipelined per client. (CONFIG GET, which
// redis-benchmark asks for first, is checked by TestClientRedisBenchmark.)
func TestClientRedisBenchmarkPipelined(t *testing.T) {
	checkBenchmark(t, []string{"PING_INLINE", "PING_MBULK", "SET", "GET"}, []string{configWarning},
		"-t", "ping,set,get", "-n", "20000", "-P", "16")
}
