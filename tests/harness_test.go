// Package tests is kvd's black-box suite: differential tests that send the
// same commands to kvd and to a real redis-server and compare the raw
// replies byte for byte, protocol-abuse tests, and real-client tests.
//
// TestMain starts one redis-server (Debian's package) and one in-process kvd
// on free ports, shared by the tests, which run one at a time and flush
// both servers before each case. When redis-server is missing the
// differential tests fail if $CI is set and are skipped otherwise.
//
// kvd runs its default I/O model, the io_uring proactor;
// KVD_TEST_IO_MODEL=reactor runs it on the epoll reactor, and
// KVD_TEST_IO_THREADS=N on the reactor with N I/O threads (and threaded reads),
// and KVD_TEST_IO_MODEL=portable on the portable backend (Go's netpoller).
package tests

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kvdserver/kvd/resp"
	"github.com/kvdserver/kvd/server"
)

// env holds the servers shared by the suite.
var env struct {
	kvd       *server.Server
	kvdAddr   string
	redisAddr string // empty when redis-server is unavailable
	redisErr  error
	redisCmd  *exec.Cmd
	redisDir  string
	dirs      string // parent of every test kvd's dir, removed at the end
}

func TestMain(m *testing.M) {
	code := func() int {
		root, err := os.MkdirTemp("", "kvd-suite-")
		if err != nil {
			fmt.Fprintln(os.Stderr, "temp dir:", err)
			return 1
		}
		env.dirs = root
		defer os.RemoveAll(root)
		srv, err := startKvd(nil)
		if err != nil {
			fmt.Fprintln(os.Stderr, "starting kvd:", err)
			return 1
		}
		env.kvd = srv
		env.kvdAddr = srv.Addr().String()
		defer srv.Close()
		if err := startRedis(); err != nil {
			env.redisErr = err
			fmt.Fprintln(os.Stderr, "redis-server unavailable:", err)
		}
		defer stopRedis()
		return m.Run()
	}()
	os.Exit(code)
}

// testConfig is the configuration every kvd in the suite starts from.
func testConfig() server.Config {
	cfg := server.DefaultConfig()
	cfg.Bind = []string{"127.0.0.1"}
	cfg.Port = 0
	cfg.EnableDebugCommand = "yes"
	// Each server saves (DEBUG RELOAD, SAVE, SHUTDOWN) in a directory of
	// its own, never in the package's directory.
	if env.dirs != "" {
		if dir, err := os.MkdirTemp(env.dirs, "kvd-"); err == nil {
			cfg.Set("dir", dir)
		}
	}
	if n, err := strconv.Atoi(os.Getenv("KVD_TEST_IO_THREADS")); err == nil && n > 1 {
		cfg.IOThreads = n
		cfg.IOThreadsDoReads = true
		cfg.IOModel = "reactor" // I/O threads are the reactor's
		// Always all threads, whatever else the machine is running, so
		// that the suite exercises them under -race.
		cfg.IOThreadsAdaptive = false
	}
	if m := os.Getenv("KVD_TEST_IO_MODEL"); m != "" {
		cfg.IOModel = m
	}
	if os.Getenv("KVD_TEST_LOG") != "" {
		cfg.LogOutput = os.Stderr
		cfg.LogLevel = "verbose"
	}
	return cfg
}

// startKvd starts an in-process kvd on a free port, serving in the
// background. edit may change the configuration first.
func startKvd(edit func(*server.Config)) (*server.Server, error) {
	cfg := testConfig()
	if edit != nil {
		edit(&cfg)
	}
	srv, err := server.New(cfg)
	if err != nil {
		return nil, err
	}
	if err := srv.Listen(); err != nil {
		srv.Close()
		return nil, err
	}
	go srv.Serve()
	return srv, nil
}

// newKvd starts a private kvd for one test and stops it when the test ends.
func newKvd(t testing.TB, edit func(*server.Config)) *server.Server {
	t.Helper()
	srv, err := startKvd(edit)
	if err != nil {
		t.Fatalf("starting kvd: %v", err)
	}
	t.Cleanup(func() { srv.Close() })
	return srv
}

// newRedis starts a private redis-server with extra arguments for one
// test and stops it when the test ends.
func newRedis(t testing.TB, args ...string) string {
	t.Helper()
	addr, stop, err := startRedisServer(args...)
	if err != nil {
		t.Fatalf("starting redis-server: %v", err)
	}
	t.Cleanup(stop)
	return addr
}

// servers is a pair of servers to run the same scenario on.
type servers struct{ kvd, redis string }

// privateServers starts a kvd and a redis-server for one test, configured
// alike by edit and redisArgs.
func privateServers(t *testing.T, edit func(*server.Config), redisArgs ...string) servers {
	t.Helper()
	needRedis(t)
	srv := newKvd(t, edit)
	return servers{kvd: srv.Addr().String(), redis: newRedis(t, append(modeRedisArgs(), redisArgs...)...)}
}

// modeRedisArgs are the redis-server arguments that match the suite's I/O
// mode: with KVD_TEST_IO_THREADS the reference runs with the same I/O
// threads, so that even CONFIG GET io-threads compares equal.
func modeRedisArgs() []string {
	if n := os.Getenv("KVD_TEST_IO_THREADS"); n != "" {
		return []string{"--io-threads", n, "--io-threads-do-reads", "yes"}
	}
	return nil
}

// onBoth runs f as a subtest on kvd and, when redis-server is available,
// on Redis, so that its assertions are checked against the reference too.
func onBoth(t *testing.T, s servers, f func(t *testing.T, addr string)) {
	t.Helper()
	t.Run("kvd", func(t *testing.T) { f(t, s.kvd) })
	if s.redis != "" {
		t.Run("redis", func(t *testing.T) { f(t, s.redis) })
	}
}

// sharedServers returns the suite's servers (redis empty if unavailable).
func sharedServers() servers { return servers{kvd: env.kvdAddr, redis: env.redisAddr} }

// redisServerPath finds Debian's redis-server.
func redisServerPath() (string, error) {
	if p, err := exec.LookPath("redis-server"); err == nil {
		return p, nil
	}
	if _, err := os.Stat("/usr/bin/redis-server"); err == nil {
		return "/usr/bin/redis-server", nil
	}
	return "", errors.New("redis-server not found (apt-get install redis-server)")
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// startRedisServer starts a redis-server on a free port with extra
// arguments and returns its address and a stop function.
func startRedisServer(extra ...string) (string, func(), error) {
	path, err := redisServerPath()
	if err != nil {
		return "", nil, err
	}
	dir, err := os.MkdirTemp("", "kvd-redis-")
	if err != nil {
		return "", nil, err
	}
	var lastErr error
	for attempt := 0; attempt < 5; attempt++ {
		port, err := freePort()
		if err != nil {
			return "", nil, err
		}
		args := append([]string{"--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
			"--dir", dir, "--enable-debug-command", "yes", "--daemonize", "no", "--logfile", filepath.Join(dir, "redis.log")}, extra...)
		cmd := exec.Command(path, args...)
		if err := cmd.Start(); err != nil {
			return "", nil, err
		}
		addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
		deadline := time.Now().Add(5 * time.Second)
		for time.Now().Before(deadline) {
			c, err := net.DialTimeout("tcp", addr, 100*time.Millisecond)
			if err == nil {
				c.Close()
				stop := func() {
					cmd.Process.Kill()
					cmd.Wait()
					os.RemoveAll(dir)
				}
				return addr, stop, nil
			}
			lastErr = err
			time.Sleep(20 * time.Millisecond)
		}
		cmd.Process.Kill()
		cmd.Wait()
	}
	os.RemoveAll(dir)
	return "", nil, fmt.Errorf("redis-server did not start: %v", lastErr)
}

var stopRedisFn func()

func startRedis() error {
	addr, stop, err := startRedisServer(modeRedisArgs()...)
	if err != nil {
		return err
	}
	env.redisAddr, stopRedisFn = addr, stop
	return nil
}

func stopRedis() {
	if stopRedisFn != nil {
		stopRedisFn()
	}
}

// needRedis fails the test (under CI) or skips it when redis-server is unavailable.
func needRedis(t testing.TB) {
	t.Helper()
	if env.redisAddr != "" {
		return
	}
	if os.Getenv("CI") != "" {
		t.Fatalf("redis-server is required in CI: %v", env.redisErr)
	}
	t.Skipf("redis-server unavailable: %v", env.redisErr)
}

// ---- raw connections ----

// conn is a raw RESP connection that returns replies as bytes.
type conn struct {
	t  testing.TB
	nc net.Conn
	r  *bufio.Reader
}

func dial(t testing.TB, addr string) *conn {
	t.Helper()
	nc, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatalf("dial %s: %v", addr, err)
	}
	c := &conn{t: t, nc: nc, r: bufio.NewReaderSize(nc, 64*1024)}
	t.Cleanup(func() { nc.Close() })
	return c
}

// encode builds a multibulk request.
func encode(args ...string) []byte {
	var b []byte
	b = append(b, '*')
	b = strconv.AppendInt(b, int64(len(args)), 10)
	b = append(b, '\r', '\n')
	for _, a := range args {
		b = append(b, '$')
		b = strconv.AppendInt(b, int64(len(a)), 10)
		b = append(b, '\r', '\n')
		b = append(b, a...)
		b = append(b, '\r', '\n')
	}
	return b
}

// ioTimeout bounds a connection's read or write that should succeed. It is
// generous: CI runs the suite's four I/O modes at once on two cores under
// the race detector, where a 512 MB SETBIT or a long script can take
// several seconds; a test waiting for a reply that must not come uses
// readErr with its own timeout.
const ioTimeout = 40 * time.Second

// write sends raw bytes.
func (c *conn) write(b []byte) {
	c.t.Helper()
	c.nc.SetWriteDeadline(time.Now().Add(ioTimeout))
	if _, err := c.nc.Write(b); err != nil {
		c.t.Fatalf("write: %v", err)
	}
}

// do sends one command and returns its raw reply.
func (c *conn) do(args ...string) string {
	c.t.Helper()
	c.write(encode(args...))
	return c.read()
}

// read reads one raw reply.
func (c *conn) read() string {
	c.t.Helper()
	c.nc.SetReadDeadline(time.Now().Add(ioTimeout))
	b, err := readReply(c.r)
	if err != nil {
		c.t.Fatalf("read reply: %v", err)
	}
	return string(b)
}

// readErr reads one raw reply and returns any error instead of failing.
func (c *conn) readErr(timeout time.Duration) (string, error) {
	c.nc.SetReadDeadline(time.Now().Add(timeout))
	b, err := readReply(c.r)
	return string(b), err
}

// readReply reads one complete RESP2/RESP3 reply and returns its bytes.
func readReply(r *bufio.Reader) ([]byte, error) {
	var out []byte
	err := readInto(r, &out)
	return out, err
}

func readInto(r *bufio.Reader, out *[]byte) error {
	line, err := r.ReadBytes('\n')
	*out = append(*out, line...)
	if err != nil {
		return err
	}
	if len(line) < 3 || line[len(line)-2] != '\r' {
		return fmt.Errorf("malformed reply line %q", line)
	}
	body := line[1 : len(line)-2]
	switch line[0] {
	case '+', '-', ':', ',', '#', '_', '(':
		return nil
	case '$', '=', '!':
		n, err := strconv.Atoi(string(body))
		if err != nil {
			return fmt.Errorf("bad length in %q", line)
		}
		if n < 0 {
			return nil
		}
		buf := make([]byte, n+2)
		if _, err := io.ReadFull(r, buf); err != nil {
			return err
		}
		*out = append(*out, buf...)
		return nil
	case '*', '~', '>', '%', '|':
		n, err := strconv.Atoi(string(body))
		if err != nil {
			return fmt.Errorf("bad length in %q", line)
		}
		if line[0] == '%' || line[0] == '|' {
			n *= 2
		}
		for i := 0; i < n; i++ {
			if err := readInto(r, out); err != nil {
				return err
			}
		}
		if line[0] == '|' {
			// An attribute precedes the actual reply.
			return readInto(r, out)
		}
		return nil
	}
	return fmt.Errorf("unknown reply type %q", line)
}

// ---- parsed replies, for order-insensitive comparison ----

// value is a parsed reply.
type value struct {
	kind  byte   // the type byte
	str   string // scalar payload
	elems []value
}

func parseValue(raw string) (value, error) {
	v, rest, err := parseValueAt(raw)
	if err != nil {
		return v, err
	}
	if rest != "" {
		return v, fmt.Errorf("trailing bytes %q", rest)
	}
	return v, nil
}

func parseValueAt(s string) (value, string, error) {
	i := strings.Index(s, "\r\n")
	if i < 1 {
		return value{}, "", fmt.Errorf("malformed %q", s)
	}
	kind, body, rest := s[0], s[1:i], s[i+2:]
	switch kind {
	case '+', '-', ':', ',', '#', '_', '(':
		return value{kind: kind, str: body}, rest, nil
	case '$', '=', '!':
		n, _ := strconv.Atoi(body)
		if n < 0 {
			return value{kind: kind, str: "<nil>"}, rest, nil
		}
		return value{kind: kind, str: rest[:n]}, rest[n+2:], nil
	default:
		n, _ := strconv.Atoi(body)
		if n < 0 {
			return value{kind: kind, str: "<nil>"}, rest, nil
		}
		if kind == '%' || kind == '|' {
			n *= 2
		}
		v := value{kind: kind}
		for j := 0; j < n; j++ {
			var e value
			var err error
			e, rest, err = parseValueAt(rest)
			if err != nil {
				return v, "", err
			}
			v.elems = append(v.elems, e)
		}
		return v, rest, nil
	}
}

func (v value) String() string {
	if v.elems == nil && v.kind != '*' && v.kind != '%' && v.kind != '~' && v.kind != '>' {
		return string(v.kind) + strconv.Quote(v.str)
	}
	parts := make([]string, len(v.elems))
	for i, e := range v.elems {
		parts[i] = e.String()
	}
	return string(v.kind) + "[" + strings.Join(parts, " ") + "]"
}

// sorted returns v with its elements (and, for maps, its pairs) sorted,
// recursively at the top level only.
func (v value) sorted() value {
	if v.elems == nil {
		return v
	}
	out := v
	if v.kind == '%' {
		pairs := make([][2]value, len(v.elems)/2)
		for i := range pairs {
			pairs[i] = [2]value{v.elems[2*i], v.elems[2*i+1]}
		}
		sort.Slice(pairs, func(i, j int) bool {
			return pairs[i][0].String()+pairs[i][1].String() < pairs[j][0].String()+pairs[j][1].String()
		})
		out.elems = nil
		for _, p := range pairs {
			out.elems = append(out.elems, p[0], p[1])
		}
		return out
	}
	out.elems = append([]value(nil), v.elems...)
	sort.Slice(out.elems, func(i, j int) bool { return out.elems[i].String() < out.elems[j].String() })
	return out
}

// sortedPairs sorts an array of (key, value) pairs (a RESP2 map) by pair.
func (v value) sortedPairs() value {
	if len(v.elems)%2 != 0 {
		return v.sorted()
	}
	w := v
	w.kind = '%'
	s := w.sorted()
	s.kind = v.kind
	return s
}

// ---- differential cases ----

// A step is one command of a differential case, written like an inline
// request (words split on spaces, "double quotes" with \x escapes). A
// leading modifier changes how its replies are compared:
//
//	!sort   the reply is an unordered collection: compare sorted
//	!pairs  the reply is a flat (RESP2) map: compare sorted by pair
//	!skip   run it but do not compare (set-up steps, random replies)
//	!type   compare only the reply's type byte and, for arrays, length
//	!approx integers may differ by 1 (TTLs straddling a second)
//	!errprefix compare only the error code of an error reply
//	!scanset a one-call *SCAN: compare the cursor exactly, the elements as a set
//	!acl     ACL replies: single commands of rule descriptions as a set, ACL LOG's age and client-info masked (acl_test.go)
type step = string

// dcase is one differential case: its steps run on a fresh connection to
// each server after FLUSHALL, and their replies are compared in order.
type dcase struct {
	name  string
	steps []step
	// resp3Only / resp2Only restrict the protocols the case runs in.
	resp2Only, resp3Only bool
}

// diffSession runs steps in order on one connection to each server and
// compares the replies under the step modifiers.
func diffSession(t *testing.T, s servers, steps []step) {
	t.Helper()
	kc, rc := dial(t, s.kvd), dial(t, s.redis)
	for i, st := range steps {
		mod, args := splitStep(t, st)
		want, got := rc.do(args...), kc.do(args...)
		if !sameReply(t, mod, want, got) {
			t.Errorf("step %d %q:\n redis: %q\n   kvd: %q", i, st, want, got)
		}
	}
}

// diffCmds runs cmds on a fresh connection to each server (after FLUSHALL),
// pipelined, in RESP2 and RESP3, and requires identical replies.
func diffCmds(t *testing.T, s servers, cmds [][]string) {
	t.Helper()
	for _, proto := range []int{2, 3} {
		t.Run(fmt.Sprintf("resp%d", proto), func(t *testing.T) {
			var replies [2][]string
			for i, addr := range []string{s.redis, s.kvd} {
				cn := dialProto(t, addr, proto)
				replies[i] = cn.pipeline(cmds)
				cn.nc.Close()
			}
			bad := 0
			for i := range cmds {
				if replies[0][i] != replies[1][i] {
					t.Errorf("command %d %s:\n redis: %q\n   kvd: %q", i, truncateStr(fmt.Sprintf("%q", cmds[i]), 200),
						truncateStr(replies[0][i], 300), truncateStr(replies[1][i], 300))
					if bad++; bad > 10 {
						t.FailNow()
					}
				}
			}
		})
	}
}

// splitStep parses a step into its modifier and arguments.
func splitStep(t testing.TB, s step) (string, []string) {
	t.Helper()
	mod := ""
	if strings.HasPrefix(s, "!") {
		i := strings.IndexByte(s, ' ')
		if i < 0 {
			t.Fatalf("bad step %q", s)
		}
		mod, s = s[1:i], s[i+1:]
	}
	args, err := resp.SplitArgs(s)
	if err != nil {
		t.Fatalf("bad step %q: %v", s, err)
	}
	return mod, args
}

// runCase runs one case on one server and returns the raw replies.
func runCase(t testing.TB, addr string, proto int, c dcase) []string {
	t.Helper()
	cn := dialProto(t, addr, proto)
	defer cn.nc.Close()
	var replies []string
	for _, s := range c.steps {
		_, args := splitStep(t, s)
		replies = append(replies, cn.do(args...))
	}
	return replies
}

// diffCases runs every case against the suite's servers, in RESP2 and
// RESP3, and requires the same replies.
func diffCases(t *testing.T, cases []dcase) {
	t.Helper()
	needRedis(t)
	diffCasesOn(t, sharedServers(), cases)
}

// diffCasesOn is diffCases against a given pair of servers.
func diffCasesOn(t *testing.T, s servers, cases []dcase) {
	t.Helper()
	for _, proto := range []int{2, 3} {
		for _, c := range cases {
			if (proto == 2 && c.resp3Only) || (proto == 3 && c.resp2Only) {
				continue
			}
			t.Run(fmt.Sprintf("resp%d/%s", proto, c.name), func(t *testing.T) {
				compareCase(t, s, proto, c)
			})
		}
	}
}

func compareCase(t *testing.T, s servers, proto int, c dcase) {
	t.Helper()
	want := runCase(t, s.redis, proto, c)
	got := runCase(t, s.kvd, proto, c)
	for i, st := range c.steps {
		mod, _ := splitStep(t, st)
		if !sameReply(t, mod, want[i], got[i]) {
			t.Errorf("step %d %q:\n redis: %q\n   kvd: %q", i, truncateStr(st, 200), truncateStr(want[i], 600), truncateStr(got[i], 600))
		}
	}
}

func truncateStr(s string, n int) string {
	if len(s) > n {
		return s[:n] + fmt.Sprintf("...(%d bytes)", len(s))
	}
	return s
}

// sameReply compares two raw replies under a step modifier.
func sameReply(t testing.TB, mod, want, got string) bool {
	switch mod {
	case "", "nop":
		return want == got
	case "skip":
		return true
	}
	if expr, ok := strings.CutPrefix(mod, "re:"); ok {
		// The submatches of a regular expression (no spaces) compare
		// equal: "re:flags=(\\S+)" compares only the flags field.
		re := regexp.MustCompile(expr)
		wm, gm := re.FindStringSubmatch(want), re.FindStringSubmatch(got)
		if wm == nil || gm == nil {
			return want == got
		}
		return strings.Join(wm[1:], "\x00") == strings.Join(gm[1:], "\x00")
	}
	wv, err1 := parseValue(want)
	gv, err2 := parseValue(got)
	if err1 != nil || err2 != nil {
		return want == got
	}
	switch mod {
	case "sort":
		return wv.sorted().String() == gv.sorted().String()
	case "pairs":
		return wv.sortedPairs().String() == gv.sortedPairs().String()
	case "type":
		return wv.kind == gv.kind && len(wv.elems) == len(gv.elems)
	case "approx":
		if wv.kind == ':' && gv.kind == ':' {
			a, _ := strconv.ParseInt(wv.str, 10, 64)
			b, _ := strconv.ParseInt(gv.str, 10, 64)
			return a-b <= 1 && b-a <= 1
		}
		return want == got
	case "errprefix":
		if wv.kind == '-' && gv.kind == '-' {
			return strings.Fields(wv.str)[0] == strings.Fields(gv.str)[0]
		}
		return want == got
	case "acl":
		return normACL(wv).String() == normACL(gv).String()
	case "scanset":
		if len(wv.elems) != 2 || len(gv.elems) != 2 {
			return want == got
		}
		return wv.elems[0].String() == gv.elems[0].String() && wv.elems[1].sorted().String() == gv.elems[1].sorted().String()
	}
	t.Fatalf("unknown step modifier %q", mod)
	return false
}

// ---- helpers for non-differential tests ----

// dialProto dials addr, switches the connection to RESP proto (2 or 3)
// and flushes the server.
func dialProto(t testing.TB, addr string, proto int) *conn {
	t.Helper()
	c := dial(t, addr)
	if proto == 3 {
		if r := c.do("HELLO", "3"); !strings.HasPrefix(r, "%") {
			t.Fatalf("HELLO 3 on %s: %q", addr, r)
		}
	}
	if r := c.do("FLUSHALL"); r != "+OK\r\n" {
		t.Fatalf("FLUSHALL on %s: %q", addr, r)
	}
	return c
}

// kvdConn dials the shared kvd and flushes it.
func kvdConn(t testing.TB) *conn {
	t.Helper()
	return dialProto(t, env.kvdAddr, 2)
}

// redisConn dials the shared redis-server and flushes it.
func redisConn(t testing.TB) *conn {
	t.Helper()
	needRedis(t)
	return dialProto(t, env.redisAddr, 2)
}

// waitFor polls cond until it holds or the timeout passes.
func waitFor(t testing.TB, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
