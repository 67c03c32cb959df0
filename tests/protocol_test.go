package tests

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand"
	"net"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kvdserver/kvd/server"
)

// outcome is what a server sent back on one connection: every byte until
// it closed the connection or went quiet, and whether it closed it.
type outcome struct {
	data   []byte
	closed bool
}

func (o outcome) String() string {
	state := "left open"
	if o.closed {
		state = "closed"
	}
	return fmt.Sprintf("%s after %q", state, truncateStr(string(o.data), 300))
}

// Quiet periods after which a server that has not closed the connection
// is taken to be waiting for more input: refQuiet when nothing is known of
// the expected outcome, checkQuiet when the expected bytes have already
// arrived and only extra bytes or a close are watched for.
const (
	refQuiet   = 400 * time.Millisecond
	checkQuiet = 150 * time.Millisecond
	maxWait    = 20 * time.Second
	pollEvery  = 20 * time.Millisecond
)

// exchange connects to addr, writes in split into chunks (nil: one write),
// and reads concurrently until the server closes the connection or goes
// quiet after the last chunk. When want is given, reading goes on until at
// least its bytes have arrived (or, if want closed, until the server
// closes), so a slow server is not mistaken for a quiet one; only extra
// bytes are watched for with a short quiet period.
func exchange(t testing.TB, addr string, in []byte, chunks []int, want *outcome) outcome {
	t.Helper()
	return exchangeQuiet(t, addr, in, chunks, want, refQuiet)
}

// exchangeQuiet is exchange with the quiet period to use when want is nil.
func exchangeQuiet(t testing.TB, addr string, in []byte, chunks []int, want *outcome, unguidedQuiet time.Duration) outcome {
	t.Helper()
	nc, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatalf("dial %s: %v", addr, err)
	}
	defer nc.Close()
	if chunks == nil {
		chunks = []int{len(in)}
	}
	writeDone := make(chan struct{})
	go func() {
		defer close(writeDone)
		pos := 0
		for _, n := range chunks {
			nc.SetWriteDeadline(time.Now().Add(maxWait))
			if _, err := nc.Write(in[pos : pos+n]); err != nil {
				return // the server closed the connection: expected for some inputs
			}
			pos += n
		}
	}()
	var out outcome
	buf := make([]byte, 64*1024)
	deadline := time.Now().Add(maxWait)
	last := time.Now() // last byte received, or the end of writing
	for {
		nc.SetReadDeadline(time.Now().Add(pollEvery))
		n, err := nc.Read(buf)
		now := time.Now()
		if n > 0 {
			out.data = append(out.data, buf[:n]...)
			last = now
		}
		if err != nil {
			var ne net.Error
			if !errors.As(err, &ne) || !ne.Timeout() {
				// EOF, or a reset when the server closed with input unread.
				out.closed = true
				nc.Close()
				<-writeDone
				return out
			}
		}
		select {
		case <-writeDone:
		default:
			if now.After(deadline) {
				t.Errorf("%s: still writing after %v", addr, maxWait)
				nc.Close()
				<-writeDone
				return out
			}
			last = now
			continue
		}
		quiet := unguidedQuiet
		if want != nil {
			quiet = checkQuiet
			if want.closed || len(out.data) < len(want.data) {
				quiet = maxWait
			}
		}
		if now.Sub(last) >= quiet || now.After(deadline) {
			return out
		}
	}
}

func sameOutcome(a, b outcome) bool { return a.closed == b.closed && bytes.Equal(a.data, b.data) }

// oneByteChunks delivers n bytes one at a time.
func oneByteChunks(n int) []int {
	c := make([]int, n)
	for i := range c {
		c[i] = 1
	}
	return c
}

// randomChunks splits n bytes at random points.
func randomChunks(rng *rand.Rand, n int) []int {
	var c []int
	for n > 0 {
		k := min(n, 1+rng.Intn(1+n/3))
		c = append(c, k)
		n -= k
	}
	return c
}

// hostile is one raw-protocol case: the bytes sent, and what Redis 7.0.15
// answers.
type hostile struct {
	name   string
	in     string
	want   string
	closed bool
}

func protoErr(msg string) string { return "-ERR Protocol error: " + msg + "\r\n" }

func hostileCases() []hostile {
	big := func(n int, c string) string { return strings.Repeat(c, n/len(c)+1)[:n] }
	payload := big(200*1024, "payload")
	return []hostile{
		// From Redis's tests/unit/protocol.tcl.
		{name: "empty query", in: "\r\nPING\r\n", want: "+PONG\r\n"},
		{name: "negative multibulk length", in: "*-10\r\nPING\r\n", want: "+PONG\r\n"},
		{name: "zero and minus one multibulk", in: "*0\r\n*-1\r\n*-9223372036854775808\r\nPING\r\n", want: "+PONG\r\n"},
		{name: "huge multibulk length keeps waiting", in: "*20000000\r\n", want: ""},
		{name: "INT_MAX multibulk length keeps waiting", in: "*2147483647\r\n$4\r\nPING\r\n", want: ""},
		{name: "out of range multibulk length", in: "*3000000000\r\n", want: protoErr("invalid multibulk length"), closed: true},
		{name: "wrong multibulk payload header", in: "*3\r\n$3\r\nSET\r\n$1\r\nx\r\nfooz\r\n", want: protoErr("expected '$', got 'f'"), closed: true},
		{name: "negative multibulk payload length", in: "*3\r\n$3\r\nSET\r\n$1\r\nx\r\n$-10\r\n", want: protoErr("invalid bulk length"), closed: true},
		{name: "out of range payload length", in: "*3\r\n$3\r\nSET\r\n$1\r\nx\r\n$2000000000\r\n", want: protoErr("invalid bulk length"), closed: true},
		{name: "non-number payload length", in: "*3\r\n$3\r\nSET\r\n$1\r\nx\r\n$blabla\r\n", want: protoErr("invalid bulk length"), closed: true},
		{name: "multibulk not followed by bulk", in: "*1\r\nfoo\r\n", want: protoErr("expected '$', got 'f'"), closed: true},
		{name: "generic wrong number of args", in: "PING x y z\r\n", want: "-ERR wrong number of arguments for 'ping' command\r\n"},
		{name: "desync NUL", in: "\x00" + payload, want: protoErr("too big inline request"), closed: true},
		{name: "desync star NUL", in: "*\x00" + payload, want: protoErr("too big mbulk count string"), closed: true},
		{name: "desync dollar NUL", in: "$\x00" + payload, want: protoErr("too big inline request"), closed: true},

		// Lengths.
		{name: "bulk length -1", in: "*1\r\n$-1\r\n", want: protoErr("invalid bulk length"), closed: true},
		{name: "bulk length -2", in: "*1\r\n$-2\r\n", want: protoErr("invalid bulk length"), closed: true},
		{name: "bulk length int64 max", in: "*1\r\n$9223372036854775807\r\n", want: protoErr("invalid bulk length"), closed: true},
		{name: "bulk length overflows", in: "*1\r\n$99999999999999999999\r\n", want: protoErr("invalid bulk length"), closed: true},
		{name: "bulk length over proto-max-bulk-len", in: "*1\r\n$536870913\r\n", want: protoErr("invalid bulk length"), closed: true},
		{name: "big bulk length waits", in: "*1\r\n$1000000\r\nabc", want: ""},
		{name: "empty bulk length", in: "*1\r\n$\r\n", want: protoErr("invalid bulk length"), closed: true},
		{name: "plus sign bulk length", in: "*1\r\n$+4\r\nPING\r\n", want: protoErr("invalid bulk length"), closed: true},
		{name: "empty multibulk length", in: "*\r\n", want: protoErr("invalid multibulk length"), closed: true},
		{name: "non-numeric multibulk length", in: "*abc\r\n", want: protoErr("invalid multibulk length"), closed: true},
		{name: "leading zero multibulk length", in: "*01\r\n$4\r\nPING\r\n", want: protoErr("invalid multibulk length"), closed: true},
		{name: "LF-only multibulk line", in: "*1\n$4\r\nPING\r\n", want: protoErr("invalid multibulk length"), closed: true},
		{name: "header CR as first byte", in: "*1\r\n\r\n", want: protoErr("expected '$', got ' '"), closed: true},
		{name: "colon instead of dollar", in: "*2\r\n$4\r\nECHO\r\n:1\r\n", want: protoErr("expected '$', got ':'"), closed: true},

		// Line limits.
		{name: "too big mbulk count string", in: "*" + big(100*1024, "1"), want: protoErr("too big mbulk count string"), closed: true},
		{name: "too big bulk count string", in: "*1\r\n$" + big(100*1024, "1"), want: protoErr("too big bulk count string"), closed: true},
		{name: "too big inline request", in: big(100*1024, "a"), want: protoErr("too big inline request"), closed: true},
		{name: "long inline line is fine", in: "ECHO " + big(30*1024, "b") + "\r\n", want: "$30720\r\n" + big(30*1024, "b") + "\r\n"},

		// Inline requests.
		{name: "unbalanced double quotes", in: "ECHO \"a\r\n", want: protoErr("unbalanced quotes in request"), closed: true},
		{name: "unbalanced single quotes", in: "ECHO 'a\r\n", want: protoErr("unbalanced quotes in request"), closed: true},
		{name: "text after closing quote", in: "ECHO \"a\"b\r\n", want: protoErr("unbalanced quotes in request"), closed: true},
		{name: "inline escapes", in: `ECHO "a\x00b\r\n\"" 'c'` + "\r\n", want: "-ERR wrong number of arguments for 'echo' command\r\n"},
		{name: "inline hex escape", in: `ECHO "\x41\x00\xff\n"` + "\n", want: "$4\r\nA\x00\xff\n\r\n"},
		{name: "inline LF only and spaces", in: "  PING  \n\tPING\t\r\n", want: "+PONG\r\n+PONG\r\n"},
		{name: "blank lines", in: "\n\r\n   \r\nPING\r\n", want: "+PONG\r\n"},
		{name: "NUL hides inline newline", in: "PI\x00NG\r\nPING\r\n", want: ""},
		{name: "NUL hides multibulk CR", in: "*1\x00\r\n$4\r\nPING\r\n", want: ""},
		{name: "NUL hides bulk header CR", in: "*1\r\n$4\x00\r\nPING\r\n", want: ""},
		{name: "NUL in bulk data", in: "*2\r\n$4\r\nECHO\r\n$3\r\na\x00b\r\n", want: "$3\r\na\x00b\r\n"},

		// Bytes Redis does not check.
		{name: "bytes after bulk data unchecked", in: "*1\r\n$4\r\nPINGxy*1\r\n$4\r\nPING\r\n", want: "+PONG\r\n+PONG\r\n"},
		{name: "byte after header CR unchecked", in: "*1\rX$4\rYPING\r\n", want: "+PONG\r\n"},

		// Many arguments.
		{name: "a million arguments", in: "*1000000\r\n$4\r\nECHO\r\n" + strings.Repeat("$1\r\na\r\n", 999999),
			want: "-ERR wrong number of arguments for 'echo' command\r\n"},

		// Commands around a protocol error.
		{name: "replies before the error are sent", in: "PING\r\n*2\r\n$4\r\nECHO\r\n$1\r\na\r\n*x\r\nPING\r\n",
			want: "+PONG\r\n$1\r\na\r\n" + protoErr("invalid multibulk length"), closed: true},
		{name: "unknown command", in: "FOO bar\r\n", want: "-ERR unknown command 'FOO', with args beginning with: 'bar' \r\n"},
		{name: "empty command name", in: "*1\r\n$0\r\n\r\n", want: "-ERR unknown command '', with args beginning with: \r\n"},
		{name: "quit", in: "QUIT\r\nPING\r\n", want: "+OK\r\n", closed: true},
	}
}

// checkHostile runs one case on addr and compares it with its expected
// outcome.
func checkHostile(t *testing.T, server, addr string, h hostile, chunks []int, how string) {
	want := outcome{data: []byte(h.want), closed: h.closed}
	got := exchange(t, addr, []byte(h.in), chunks, &want)
	if !sameOutcome(got, want) {
		t.Errorf("%s, %s:\n got: %v\nwant: %v", server, how, got, want)
	}
}

// TestProtoHostile sends every hostile input, whole and one byte at a
// time, to redis-server (to check the expectation) and to kvd, and compares
// everything each sends back until it closes the connection or goes quiet.
func TestProtoHostile(t *testing.T) {
	for _, h := range hostileCases() {
		t.Run(h.name, func(t *testing.T) {
			t.Parallel()
			deliveries := []struct {
				how    string
				chunks []int
			}{{"whole", nil}}
			if len(h.in) < 1024 {
				deliveries = append(deliveries, struct {
					how    string
					chunks []int
				}{"one byte at a time", oneByteChunks(len(h.in))})
			}
			for _, d := range deliveries {
				if env.redisAddr != "" {
					checkHostile(t, "redis", env.redisAddr, h, d.chunks, d.how)
				}
				checkHostile(t, "kvd", env.kvdAddr, h, d.chunks, d.how)
			}
		})
	}
}

// TestProtoHostileRedisUnguided compares kvd with redis-server without
// telling the reader what to expect, so an extra reply or a close that the
// table does not foresee shows up too.
func TestProtoHostileRedisUnguided(t *testing.T) {
	needRedis(t)
	for _, h := range hostileCases() {
		t.Run(h.name, func(t *testing.T) {
			t.Parallel()
			ref := exchange(t, env.redisAddr, []byte(h.in), nil, nil)
			got := exchange(t, env.kvdAddr, []byte(h.in), nil, &ref)
			if !sameOutcome(got, ref) {
				// A loaded machine may have made redis-server look quiet
				// too early: look again, more patiently.
				ref = exchangeQuiet(t, env.redisAddr, []byte(h.in), nil, nil, 5*refQuiet)
				got = exchange(t, env.kvdAddr, []byte(h.in), nil, &ref)
			}
			if !sameOutcome(got, ref) {
				t.Errorf("\nredis: %v\n  kvd: %v", ref, got)
			}
		})
	}
}

// pipelineRequests is a mix of commands (multibulk, inline, empty, binary,
// errors) whose replies are deterministic. It starts with FLUSHALL.
func pipelineRequests() []byte {
	var b bytes.Buffer
	w := func(args ...string) { b.Write(encode(args...)) }
	w("FLUSHALL")
	w("SET", "k1", "v1")
	b.WriteString("GET k1\r\n")
	w("SET", "bin\r\n\x00key", "\x00\r\n*1\r\n$4\r\nPING\r\n")
	w("GET", "bin\r\n\x00key")
	b.WriteString("\r\n")
	b.WriteString("*0\r\n")
	b.WriteString(`SET "quoted key" 'it\'s' ` + "\n")
	b.WriteString(`GET "quoted key"` + "\r\n")
	w("PING")
	w("PING", "hello world")
	w("ECHO", "")
	w("ECHO", strings.Repeat("x", 3000))
	w("GET", "missing")
	w("SELECT", "1")
	w("SET", "db1", "x")
	w("DBSIZE")
	w("SELECT", "0")
	w("DBSIZE")
	w("SETNX", "k1", "other")
	w("SETNX", "k2", "v2")
	w("SET", "k3", "v", "NX", "XX")
	w("SET", "k3", "v", "EX", "abc")
	w("GET")
	w("NOSUCHCOMMAND", "a", "b")
	b.WriteString("*-1\r\n")
	w("SET", "k1", "v1b", "GET")
	w("PING")
	return b.Bytes()
}

// pipelineOutcome sends the pipeline on a fresh connection.
func pipelineOutcome(t *testing.T, addr string, chunks []int, want *outcome) outcome {
	t.Helper()
	return exchange(t, addr, pipelineRequests(), chunks, want)
}

// TestProtoPipelineSplits delivers one pipeline whole, one byte at a time
// and split at random points, to kvd and redis-server, and requires the
// same bytes back every time.
func TestProtoPipelineSplits(t *testing.T) {
	needRedis(t)
	in := pipelineRequests()
	ref := pipelineOutcome(t, env.redisAddr, nil, nil)
	if ref.closed || !bytes.HasSuffix(ref.data, []byte("+PONG\r\n")) {
		t.Fatalf("redis: %v", ref)
	}
	seed := time.Now().UnixNano()
	t.Logf("random split seed %d", seed)
	rng := rand.New(rand.NewSource(seed))
	deliveries := map[string][]int{
		"whole":              nil,
		"one byte at a time": oneByteChunks(len(in)),
	}
	for i := 0; i < 5; i++ {
		deliveries[fmt.Sprintf("random splits %d", i)] = randomChunks(rng, len(in))
	}
	for how, chunks := range deliveries {
		for _, srv := range []struct{ name, addr string }{{"redis", env.redisAddr}, {"kvd", env.kvdAddr}} {
			got := pipelineOutcome(t, srv.addr, chunks, &ref)
			if !sameOutcome(got, ref) {
				t.Errorf("%s, %s (chunks %v):\n got: %v\nwant: %v", srv.name, how, chunks, got, ref)
			}
		}
	}
}

// TestProtoPipelineSplitsSelf checks kvd against itself when redis-server
// is unavailable: every way of delivering the pipeline gives the same replies.
func TestProtoPipelineSplitsSelf(t *testing.T) {
	in := pipelineRequests()
	ref := pipelineOutcome(t, env.kvdAddr, nil, nil)
	if ref.closed || bytes.Count(ref.data, []byte("\r\n")) < 28 {
		t.Fatalf("kvd: %v", ref)
	}
	seed := time.Now().UnixNano()
	t.Logf("random split seed %d", seed)
	rng := rand.New(rand.NewSource(seed))
	for i, chunks := range [][]int{oneByteChunks(len(in)), randomChunks(rng, len(in)), randomChunks(rng, len(in))} {
		if got := pipelineOutcome(t, env.kvdAddr, chunks, &ref); !sameOutcome(got, ref) {
			t.Errorf("delivery %d (chunks %v):\n got: %v\nwant: %v", i, chunks, got, ref)
		}
	}
}

// TestProtoLargePipeline sends 10,000 commands in one write.
func TestProtoLargePipeline(t *testing.T) {
	const n = 10000
	var in, want bytes.Buffer
	in.Write(encode("FLUSHALL"))
	want.WriteString("+OK\r\n")
	for i := 0; i < n; i++ {
		k, v := "key:"+strconv.Itoa(i), "value:"+strconv.Itoa(i*7)
		switch i % 4 {
		case 0:
			in.Write(encode("SET", k, v))
			want.WriteString("+OK\r\n")
		case 1:
			in.Write(encode("GET", "key:"+strconv.Itoa(i-1)))
			prev := "value:" + strconv.Itoa((i-1)*7)
			fmt.Fprintf(&want, "$%d\r\n%s\r\n", len(prev), prev)
		case 2:
			in.WriteString("PING\r\n")
			want.WriteString("+PONG\r\n")
		case 3:
			in.Write(encode("GET", "nokey"))
			want.WriteString("$-1\r\n")
		}
	}
	in.Write(encode("DBSIZE"))
	fmt.Fprintf(&want, ":%d\r\n", n/4)
	expect := outcome{data: want.Bytes()}
	addrs := map[string]string{"kvd": env.kvdAddr}
	if env.redisAddr != "" {
		addrs["redis"] = env.redisAddr
	}
	for name, addr := range addrs {
		got := exchange(t, addr, in.Bytes(), nil, &expect)
		if !sameOutcome(got, expect) {
			t.Errorf("%s: %d bytes back (closed %v), want %d; first difference at %d",
				name, len(got.data), got.closed, len(expect.data), firstDiff(got.data, expect.data))
		}
	}
}

func firstDiff(a, b []byte) int {
	for i := 0; i < min(len(a), len(b)); i++ {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

// TestProtoBigArgument stores and reads back a 20 MB value, sent in one
// write and in uneven pieces.
func TestProtoBigArgument(t *testing.T) {
	value := make([]byte, 20<<20)
	rng := rand.New(rand.NewSource(1))
	rng.Read(value)
	in := encode("SET", "bigkey", string(value))
	get := encode("GET", "bigkey")
	want := fmt.Sprintf("$%d\r\n%s\r\n", len(value), value)
	for _, srv := range []struct{ name, addr string }{{"kvd", env.kvdAddr}, {"redis", env.redisAddr}} {
		if srv.addr == "" {
			continue
		}
		deliveries := [][]int{{len(in)}, {1, 17, 16384, 1 << 20, len(in) - 1 - 17 - 16384 - 1<<20}}
		if srv.name == "redis" {
			deliveries = deliveries[:1] // a sanity check of the test itself
		}
		for _, chunks := range deliveries {
			c := dial(t, srv.addr)
			go func() {
				pos := 0
				for _, n := range chunks {
					c.nc.SetWriteDeadline(time.Now().Add(30 * time.Second))
					if _, err := c.nc.Write(in[pos : pos+n]); err != nil {
						return
					}
					pos += n
				}
			}()
			if r, err := c.readErr(30 * time.Second); r != "+OK\r\n" {
				t.Fatalf("%s: SET reply %q, %v", srv.name, truncateStr(r, 100), err)
			}
			c.write(get)
			r, err := c.readErr(30 * time.Second)
			if r != want {
				t.Fatalf("%s: GET returned %d bytes (%v), want %d", srv.name, len(r), err, len(want))
			}
			if r := c.do("SET", "bigkey", "small"); r != "+OK\r\n" {
				t.Fatalf("%s: SET: %q", srv.name, r)
			}
			c.nc.Close()
		}
	}
}

// TestProtoBinarySafe stores keys and values holding every byte value,
// CR LF sequences and NULs, and compares the replies with Redis's.
func TestProtoBinarySafe(t *testing.T) {
	all := make([]byte, 256)
	for i := range all {
		all[i] = byte(i)
	}
	items := []string{"\r\n", "\x00", "a\x00b\r\nc", "\r\n*1\r\n$4\r\nPING\r\n", "$-1\r\n", string(all), "\xff\xfe", " "}
	var steps [][]string
	for i, k := range items {
		v := items[(i+1)%len(items)] + k
		steps = append(steps, []string{"SET", k, v}, []string{"GET", k}, []string{"ECHO", v})
	}
	steps = append(steps, []string{"DBSIZE"})
	run := func(addr string) []string {
		c := dial(t, addr)
		if r := c.do("FLUSHALL"); r != "+OK\r\n" {
			t.Fatalf("FLUSHALL: %q", r)
		}
		var out []string
		for _, s := range steps {
			out = append(out, c.do(s...))
		}
		return out
	}
	got := run(env.kvdAddr)
	for i, s := range steps {
		if s[0] == "GET" {
			v := steps[i-1][2]
			if want := fmt.Sprintf("$%d\r\n%s\r\n", len(v), v); got[i] != want {
				t.Errorf("kvd GET %q = %q, want %q", s[1], got[i], want)
			}
		}
	}
	if env.redisAddr == "" {
		needRedis(t)
	}
	want := run(env.redisAddr)
	for i := range steps {
		if got[i] != want[i] {
			t.Errorf("step %q:\nredis: %q\n  kvd: %q", steps[i], want[i], got[i])
		}
	}
}

// copyUntilClosed is used by tests that only need to drain a connection.
func copyUntilClosed(nc net.Conn, timeout time.Duration) (int64, error) {
	nc.SetReadDeadline(time.Now().Add(timeout))
	return io.Copy(io.Discard, nc)
}

// parallelDo runs f(i) for i in [0, n) on up to workers goroutines and
// returns the first error.
func parallelDo(n, workers int, f func(i int) error) error {
	var mu sync.Mutex
	var first error
	next := 0
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				mu.Lock()
				i := next
				next++
				stop := first != nil
				mu.Unlock()
				if i >= n || stop {
					return
				}
				if err := f(i); err != nil {
					mu.Lock()
					if first == nil {
						first = err
					}
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	return first
}

// ---- robustness ----

// countFDs returns how many descriptors this process has open.
func countFDs(t testing.TB) int {
	t.Helper()
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatalf("cannot count descriptors: %v", err)
	}
	return len(ents)
}

// leakCheck records the process's descriptors and goroutines and, when the
// test ends, waits for both to come back down.
func leakCheck(t *testing.T) {
	t.Helper()
	fds, gs := countFDs(t), runtime.NumGoroutine()
	t.Cleanup(func() {
		waitFor(t, 10*time.Second, fmt.Sprintf("descriptors back to %d (now %d)", fds, countFDs(t)), func() bool { return countFDs(t) <= fds })
		waitFor(t, 10*time.Second, fmt.Sprintf("goroutines back to %d (now %d)", gs, runtime.NumGoroutine()), func() bool { return runtime.NumGoroutine() <= gs })
	})
}

// TestRobustDisconnectMidCommand drops clients in the middle of requests
// of every kind, and with replies still unwritten; the server keeps
// serving others and keeps no descriptor or goroutine.
func TestRobustDisconnectMidCommand(t *testing.T) {
	srv := newKvd(t, nil)
	addr := srv.Addr().String()
	other := dial(t, addr)
	if r := other.do("SET", "big", strings.Repeat("v", 256*1024)); r != "+OK\r\n" {
		t.Fatalf("SET: %q", r)
	}
	leakCheck(t)
	var manyGets []byte
	for i := 0; i < 40; i++ {
		manyGets = append(manyGets, encode("GET", "big")...)
	}
	partials := [][]byte{
		[]byte("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$100\r\nabc"),
		[]byte("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1000000\r\n" + strings.Repeat("x", 300000)),
		[]byte("*2\r\n$4\r\nEC"),
		[]byte("*200"),
		[]byte("PING"),
		[]byte("SET k \"unterminated"),
		encode("GET", "big"),
		manyGets, // 10 MB of replies that will never be read
	}
	for round := 0; round < 5; round++ {
		for i, p := range partials {
			nc, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := nc.Write(p); err != nil {
				t.Fatalf("partial %d: %v", i, err)
			}
			if i%2 == 0 {
				// Close abruptly (RST) half of the time.
				nc.(*net.TCPConn).SetLinger(0)
			}
			nc.Close()
			if r := other.do("PING"); r != "+PONG\r\n" {
				t.Fatalf("PING after dropping partial %d: %q", i, r)
			}
		}
	}
	if r := other.do("GET", "k"); r != "$-1\r\n" {
		t.Fatalf("a partial SET was executed: %q", r)
	}
	other.nc.Close()
}

// TestRobustSlowReader: a client that never reads its replies does not
// hold up others, and gets every reply once it reads.
func TestRobustSlowReader(t *testing.T) {
	srv := newKvd(t, nil)
	addr := srv.Addr().String()
	value := strings.Repeat("r", 100*1024)
	fast := dial(t, addr)
	if r := fast.do("SET", "big", value); r != "+OK\r\n" {
		t.Fatalf("SET: %q", r)
	}
	const n = 100
	slow := dial(t, addr)
	var req []byte
	for i := 0; i < n; i++ {
		req = append(req, encode("GET", "big")...)
	}
	slow.write(req)
	// The slow client's 10 MB of replies are queued; others are served.
	for i := 0; i < 100; i++ {
		if r := fast.do("SET", "k"+strconv.Itoa(i), "v"); r != "+OK\r\n" {
			t.Fatalf("SET: %q", r)
		}
		if r := fast.do("GET", "k"+strconv.Itoa(i)); r != "$1\r\nv\r\n" {
			t.Fatalf("GET: %q", r)
		}
	}
	want := fmt.Sprintf("$%d\r\n%s\r\n", len(value), value)
	for i := 0; i < n; i++ {
		if r := slow.read(); r != want {
			t.Fatalf("reply %d: %d bytes, want %d", i, len(r), len(want))
		}
	}
	if r := slow.do("PING"); r != "+PONG\r\n" {
		t.Fatalf("PING: %q", r)
	}
}

// TestRobustOutputLimit: with an output buffer limit, a client that does
// not read is disconnected, without the server first piling up replies far
// past the limit, while others are served.
func TestRobustOutputLimit(t *testing.T) {
	srv := newKvd(t, func(c *server.Config) { c.OutputLimit = server.OutputLimit{Hard: 1 << 20} })
	addr := srv.Addr().String()
	value := strings.Repeat("o", 100*1024)
	fast := dial(t, addr)
	if r := fast.do("SET", "big", value); r != "+OK\r\n" {
		t.Fatalf("SET: %q", r)
	}
	// 3,000 pipelined GETs of 100 KB (300 MB of replies) arrive in a few reads.
	const n = 3000
	var req []byte
	for i := 0; i < n; i++ {
		req = append(req, encode("GET", "big")...)
	}
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	before := ms.TotalAlloc
	slow := dial(t, addr)
	slow.write(req)
	got, _ := copyUntilClosed(slow.nc, 20*time.Second)
	runtime.ReadMemStats(&ms)
	allocated := ms.TotalAlloc - before
	if got >= int64(n*len(value)) {
		t.Fatalf("the slow client got all %d bytes", got)
	}
	// A deadline error would mean the connection was left open.
	slow.nc.SetReadDeadline(time.Now().Add(time.Second))
	if _, err := slow.nc.Read(make([]byte, 1)); err == nil || isTimeout(err) {
		t.Fatalf("connection not closed: %v", err)
	}
	if allocated > 64<<20 {
		t.Errorf("%d MB allocated while enforcing a 1 MB output limit", allocated>>20)
	}
	if r := fast.do("PING"); r != "+PONG\r\n" {
		t.Fatalf("PING: %q", r)
	}
	// A client that reads its replies is not affected.
	for i := 0; i < 5; i++ {
		if r := fast.do("GET", "big"); len(r) != len(value)+len("$102400\r\n\r\n") {
			t.Fatalf("GET: %d bytes", len(r))
		}
	}
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// TestRobustMaxClients: the client over maxclients gets Redis's error and
// is closed; a slot freed is reused.
func TestRobustMaxClients(t *testing.T) {
	const want = "-ERR max number of clients reached\r\n"
	srv := newKvd(t, func(c *server.Config) { c.MaxClients = 2 })
	addr := srv.Addr().String()
	c1, c2 := dial(t, addr), dial(t, addr)
	for _, c := range []*conn{c1, c2} {
		if r := c.do("PING"); r != "+PONG\r\n" {
			t.Fatalf("PING: %q", r)
		}
	}
	third := exchange(t, addr, []byte("PING\r\n"), nil, &outcome{data: []byte(want), closed: true})
	if !sameOutcome(third, outcome{data: []byte(want), closed: true}) {
		t.Fatalf("third client: %v", third)
	}
	c1.nc.Close()
	waitFor(t, 10*time.Second, "a free slot", func() bool {
		nc, err := net.Dial("tcp", addr)
		if err != nil {
			return false
		}
		defer nc.Close()
		nc.SetDeadline(time.Now().Add(5 * time.Second))
		nc.Write([]byte("PING\r\n"))
		buf := make([]byte, 64)
		n, _ := io.ReadAtLeast(nc, buf, 7)
		return string(buf[:n]) == "+PONG\r\n"
	})
	if r := c2.do("PING"); r != "+PONG\r\n" {
		t.Fatalf("PING: %q", r)
	}

	// Redis does the same.
	if _, err := redisServerPath(); err != nil {
		needRedis(t)
		return
	}
	raddr := newRedis(t, "--maxclients", "2")
	// newRedis's readiness probe may still count as a client for
	// a moment: retry until both slots are really taken by r1 and r2.
	waitFor(t, 10*time.Second, "two clients on redis-server", func() bool {
		r1, r2 := dial(t, raddr), dial(t, raddr)
		if r1.do("PING") == "+PONG\r\n" && r2.do("PING") == "+PONG\r\n" {
			return true
		}
		r1.nc.Close()
		r2.nc.Close()
		return false
	})
	ref := exchange(t, raddr, []byte("PING\r\n"), nil, nil)
	if !sameOutcome(ref, third) {
		t.Fatalf("third client:\nredis: %v\n  kvd: %v", ref, third)
	}
}

// TestRobustQueryBufferLimit: a client whose unprocessed input passes
// client-query-buffer-limit is closed without a reply, as by Redis.
func TestRobustQueryBufferLimit(t *testing.T) {
	srv := newKvd(t, func(c *server.Config) { c.ClientQueryBufferLimit = 1 << 20 })
	addrs := map[string]string{"kvd": srv.Addr().String()}
	if _, err := redisServerPath(); err == nil {
		addrs["redis"] = newRedis(t, "--client-query-buffer-limit", "1mb")
	} else {
		needRedis(t)
	}
	cases := []struct {
		name string
		in   string
		want outcome
	}{
		{"incomplete big argument", "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$3000000\r\n" + strings.Repeat("x", 1500000), outcome{closed: true}},
		{"complete argument over the limit", string(encode("SET", "k", strings.Repeat("y", 2000000))), outcome{closed: true}},
		{"argument under the limit", string(encode("SET", "k", strings.Repeat("z", 500000))) + "PING\r\n", outcome{data: []byte("+OK\r\n+PONG\r\n")}},
	}
	for _, tc := range cases {
		for name, addr := range addrs {
			got := exchange(t, addr, []byte(tc.in), nil, &tc.want)
			if !sameOutcome(got, tc.want) {
				t.Errorf("%s, %s:\n got: %v\nwant: %v", tc.name, name, got, tc.want)
			}
		}
	}
}

// TestRobustIdleTimeout: with timeout 1 an idle client is closed silently.
func TestRobustIdleTimeout(t *testing.T) {
	srv := newKvd(t, func(c *server.Config) { c.Timeout = 1 })
	c := dial(t, srv.Addr().String())
	if r := c.do("PING"); r != "+PONG\r\n" {
		t.Fatalf("PING: %q", r)
	}
	start := time.Now()
	n, err := copyUntilClosed(c.nc, 15*time.Second)
	if err != nil || n != 0 {
		t.Fatalf("idle client: %d bytes, %v; want a silent close", n, err)
	}
	if d := time.Since(start); d < 900*time.Millisecond {
		t.Fatalf("closed after %v, before the timeout", d)
	}
}

// TestRobustManyConnections holds 10,000 connections open at once, each
// getting PONG, then has all of them send a PING at once. The clients run in a child process (see
// TestRobustManyConnectionsClient) so each side has its own descriptor limit.
func TestRobustManyConnections(t *testing.T) {
	const n = 10000
	raiseNoFile(t, n+1000)
	srv := newKvd(t, func(c *server.Config) { c.MaxClients = n + 100 })
	leakCheck(t)
	before := countFDs(t)
	cmd := exec.Command(os.Args[0], "-test.run=^TestRobustManyConnectionsClient$", "-test.count=1")
	cmd.Env = append(os.Environ(), "KVD_MANY_CONNS_ADDR="+srv.Addr().String(), "KVD_MANY_CONNS_N="+strconv.Itoa(n))
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	ready := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if strings.HasPrefix(sc.Text(), "READY") || strings.HasPrefix(sc.Text(), "FAIL") {
				ready <- sc.Text()
				break
			}
		}
		close(ready)
		io.Copy(io.Discard, stdout)
	}()
	select {
	case line := <-ready:
		if line != "READY "+strconv.Itoa(n) {
			t.Fatalf("client process: %q\n%s", line, stderr.String())
		}
	case <-time.After(2 * time.Minute):
		t.Fatalf("client process did not finish\n%s", stderr.String())
	}
	// Every connection is open on the server's side at this point.
	if open := countFDs(t) - before; open < n {
		t.Fatalf("%d server-side descriptors, want at least %d", open, n)
	}
	stdin.Write([]byte("DONE\n"))
	stdin.Close()
	if err := cmd.Wait(); err != nil {
		t.Fatalf("client process: %v\n%s", err, stderr.String())
	}
	c := dial(t, srv.Addr().String())
	if r := c.do("PING"); r != "+PONG\r\n" {
		t.Fatalf("PING: %q", r)
	}
	c.nc.Close()
}

// TestRobustManyConnectionsClient is the child process of
// TestRobustManyConnections; run directly it does nothing.
func TestRobustManyConnectionsClient(t *testing.T) {
	addr := os.Getenv("KVD_MANY_CONNS_ADDR")
	if addr == "" {
		return // not started as the child process: nothing to do
	}
	n, _ := strconv.Atoi(os.Getenv("KVD_MANY_CONNS_N"))
	raiseNoFile(t, uint64(n)+100)
	conns := make([]net.Conn, n)
	defer func() {
		for _, c := range conns {
			if c != nil {
				c.Close()
			}
		}
	}()
	// A few dialers at a time, so the listen backlog never overflows.
	err := parallelDo(n, 32, func(i int) error {
		nc, err := net.DialTimeout("tcp", addr, 10*time.Second)
		if err != nil {
			return err
		}
		conns[i] = nc
		nc.SetDeadline(time.Now().Add(30 * time.Second))
		if _, err := nc.Write([]byte("*1\r\n$4\r\nPING\r\n")); err != nil {
			return err
		}
		buf := make([]byte, 7)
		if _, err := io.ReadFull(nc, buf); err != nil {
			return fmt.Errorf("connection %d: %w", i, err)
		}
		if string(buf) != "+PONG\r\n" {
			return fmt.Errorf("connection %d: %q", i, buf)
		}
		return nil
	})
	if err == nil {
		// Then a burst: every connection sends at once before any reads,
		// more requests in flight than the proactor has receive buffers.
		for i, nc := range conns {
			if _, err = nc.Write([]byte("*1\r\n$4\r\nPING\r\n")); err != nil {
				err = fmt.Errorf("burst, connection %d: %w", i, err)
				break
			}
		}
	}
	if err == nil {
		err = parallelDo(n, 32, func(i int) error {
			buf := make([]byte, 7)
			if _, err := io.ReadFull(conns[i], buf); err != nil || string(buf) != "+PONG\r\n" {
				return fmt.Errorf("burst, connection %d: %q, %v", i, buf, err)
			}
			return nil
		})
	}
	if err != nil {
		fmt.Println("FAIL", err)
		t.Fatal(err)
	}
	fmt.Println("READY", n)
	// Hold every connection until the parent has looked.
	bufio.NewReader(os.Stdin).ReadString('\n')
}

// TestRobustTwoServers runs two servers in one process at once; each has
// its own data, and closing them leaves no goroutine or descriptor behind.
func TestRobustTwoServers(t *testing.T) {
	leakCheck(t)
	s1, err := startKvd(nil)
	if err != nil {
		t.Fatal(err)
	}
	s2, err := startKvd(nil)
	if err != nil {
		s1.Close()
		t.Fatal(err)
	}
	c1, c2 := dial(t, s1.Addr().String()), dial(t, s2.Addr().String())
	if r := c1.do("SET", "k", "one"); r != "+OK\r\n" {
		t.Fatalf("SET: %q", r)
	}
	if r := c2.do("SET", "k", "two"); r != "+OK\r\n" {
		t.Fatalf("SET: %q", r)
	}
	if r := c1.do("GET", "k"); r != "$3\r\none\r\n" {
		t.Fatalf("server 1 GET: %q", r)
	}
	if r := c2.do("GET", "k"); r != "$3\r\ntwo\r\n" {
		t.Fatalf("server 2 GET: %q", r)
	}
	// Close one while a client is connected: the client sees EOF, the
	// other server goes on.
	if err := s1.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if n, err := copyUntilClosed(c1.nc, 10*time.Second); n != 0 || err != nil {
		t.Fatalf("client of the closed server: %d bytes, %v", n, err)
	}
	if r := c2.do("GET", "k"); r != "$3\r\ntwo\r\n" {
		t.Fatalf("server 2 GET after closing server 1: %q", r)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s2.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	select {
	case <-s2.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("server 2 not done after Shutdown")
	}
	c2.nc.Close()
	if _, err := net.DialTimeout("tcp", s2.Addr().String(), time.Second); err == nil {
		t.Fatal("server 2 still accepting after Shutdown")
	}
}

// TestRobustBigBulkHeaderMemory: a bulk header announcing a huge argument
// does not make the server allocate it before the data arrives, so a few
// bytes from each of many clients cannot exhaust its memory.
func TestRobustBigBulkHeaderMemory(t *testing.T) {
	srv := newKvd(t, nil)
	addr := srv.Addr().String()
	var ms runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms)
	before := ms.HeapAlloc
	const clients = 8
	req := []byte("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$536870912\r\n" + strings.Repeat("x", 200*1024))
	for i := 0; i < clients; i++ {
		dial(t, addr).write(req)
	}
	// Each round trip is at least one loop iteration, in which every
	// client with input pending is read.
	c := dial(t, addr)
	for i := 0; i < 50; i++ {
		if r := c.do("PING"); r != "+PONG\r\n" {
			t.Fatalf("PING: %q", r)
		}
	}
	runtime.ReadMemStats(&ms)
	if grown := int64(ms.HeapAlloc) - int64(before); grown > 64<<20 {
		t.Fatalf("heap grew by %d MB for %d clients that sent %d bytes each", grown>>20, clients, len(req))
	}
}

// TestProtoUnauthenticatedLimits: with requirepass set, a client that has
// not authenticated may send at most 10 arguments of at most 16 KB each,
// as in Redis; anything bigger is a protocol error.
func TestProtoUnauthenticatedLimits(t *testing.T) {
	srv := newKvd(t, func(c *server.Config) { c.RequirePass = "secret" })
	addrs := map[string]string{"kvd": srv.Addr().String()}
	if _, err := redisServerPath(); err == nil {
		addrs["redis"] = newRedis(t, "--requirepass", "secret")
	}
	noauth := "-NOAUTH Authentication required.\r\n"
	ten := "*10\r\n" + strings.Repeat("$4\r\nPING\r\n", 10)
	cases := []hostile{
		{name: "eleven arguments", in: "*11\r\n", want: protoErr("unauthenticated multibulk length"), closed: true},
		{name: "ten arguments", in: ten, want: noauth},
		{name: "bulk over 16 KB", in: "*2\r\n$4\r\nECHO\r\n$16385\r\n", want: protoErr("unauthenticated bulk length"), closed: true},
		{name: "bulk of 16 KB", in: string(encode("ECHO", strings.Repeat("a", 16384))), want: noauth},
		{name: "invalid count first", in: "*3000000000\r\n", want: protoErr("invalid multibulk length"), closed: true},
		{name: "invalid bulk length first", in: "*1\r\n$536870913\r\n", want: protoErr("invalid bulk length"), closed: true},
		{name: "negative count", in: "*-100\r\nPING\r\n", want: noauth},
		{name: "long inline request", in: "PING " + strings.Repeat("x ", 20) + strings.Repeat("y", 20000) + "\r\n", want: noauth},
	}
	for _, h := range cases {
		for name, addr := range addrs {
			want := outcome{data: []byte(h.want), closed: h.closed}
			if got := exchange(t, addr, []byte(h.in), nil, &want); !sameOutcome(got, want) {
				t.Errorf("%s, %s:\n got: %v\nwant: %v", h.name, name, got, want)
			}
		}
	}
	if addrs["redis"] == "" {
		needRedis(t)
	}
}

// TestProtoHalfClose: a client that sends its requests and shuts down its
// writing side (echo PING | nc) gets its replies before the server closes.
func TestProtoHalfClose(t *testing.T) {
	in := "PING\r\n" + string(encode("ECHO", "half")) + "*0\r\nPING\r\n"
	want := "+PONG\r\n$4\r\nhalf\r\n+PONG\r\n"
	addrs := map[string]string{"kvd": env.kvdAddr}
	if env.redisAddr != "" {
		addrs["redis"] = env.redisAddr
	}
	for name, addr := range addrs {
		nc, err := net.DialTimeout("tcp", addr, 5*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		nc.Write([]byte(in))
		nc.(*net.TCPConn).CloseWrite()
		nc.SetReadDeadline(time.Now().Add(maxWait))
		got, err := io.ReadAll(nc)
		nc.Close()
		if err != nil || string(got) != want {
			t.Errorf("%s: got %q, %v; want %q then EOF", name, got, err, want)
		}
	}
	if env.redisAddr == "" {
		needRedis(t)
	}
}
