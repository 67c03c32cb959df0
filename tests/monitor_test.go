package tests

import (
	"bufio"
	"fmt"
	"net"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/kvdserver/kvd/server"
)

// MONITOR: the lines a monitor receives are compared with Redis's after
// masking the timestamps and the clients' ports.

var (
	monitorLine = regexp.MustCompile(`^\+\d{10}\.\d{6} \[\d+ [^\]]+\] .*\r\n$`)
	monitorMask = regexp.MustCompile(`^\+\d+\.\d+ |127\.0\.0\.1:\d+`)
)

// monitorLines runs cmds on a client while another connection monitors,
// and returns the monitor's lines (masked) up to the ECHO that ends the
// run, and the client's replies.
func monitorLines(t *testing.T, addr string, proto int, cmds [][]string) (lines, replies []string) {
	t.Helper()
	mon := dialProto(t, addr, 2)
	if r := mon.do("MONITOR"); r != "+OK\r\n" {
		t.Fatalf("MONITOR: %q", r)
	}
	c := dialProto(t, addr, proto)
	for _, cmd := range cmds {
		replies = append(replies, c.do(cmd...))
	}
	c.do("ECHO", "end-of-run")
	for {
		l := mon.read()
		if !monitorLine.MatchString(l) {
			t.Fatalf("not a MONITOR line: %q", l)
		}
		if strings.Contains(l, "end-of-run") {
			break
		}
		if strings.Contains(l, `"FLUSHALL"`) || strings.Contains(l, `"HELLO" "3"`) {
			continue // dialProto's
		}
		lines = append(lines, monitorMask.ReplaceAllStringFunc(l, func(s string) string {
			if s[0] == '+' {
				return "+T "
			}
			return "127.0.0.1:P"
		}))
	}
	return lines, replies
}

// TestMonitorDiff compares what MONITOR shows of a varied run: quoting of
// binary arguments, databases, MULTI/EXEC, commands not shown (admin,
// unknown, wrong arity), AUTH and HELLO credentials redacted.
func TestMonitorDiff(t *testing.T) {
	needRedis(t)
	s := sharedServers()
	cmds := [][]string{
		{"SET", "k", "a\"b\\c\n\r\t\a\b\x01\xff d é"},
		{"GET", "k"}, {"SET", "12", "345"},
		{"AUTH", "foo"}, {"AUTH", "a", "b"}, {"AUTH", "a", "b", "c"},
		{"HELLO", "2", "AUTH", "default", "x"}, {"HELLO", "4"}, {"HELLO", "2", "AUTH", "a"},
		{"HELLO", "2", "SETNAME", "n", "AUTH", "default", "pw"}, {"HELLO", "x", "AUTH", "a", "b"},
		{"MULTI"}, {"SET", "a", "1"}, {"GET", "a"}, {"EXEC"},
		{"MULTI"}, {"MONITOR"}, {"EXEC"},
		{"CONFIG", "GET", "hz"}, {"CLIENT", "ID"}, {"CLIENT", "LIST"}, {"CLIENT", "SETNAME", "x"}, {"NOSUCH"}, {"GET"},
		{"SELECT", "3"}, {"SET", "x", ""}, {"SELECT", "0"}, {"DEBUG", "SLEEP", "0"},
		{"BLPOP", "q", "0.01"}, {"PUBLISH", "a", "b"}, {"ACL", "WHOAMI"}, {"ACL", "LIST"}, {"PING"}, {"INFO", "server"},
		{"DEL", "k", "12", "x", "a"},
	}
	for _, proto := range []int{2, 3} {
		t.Run(fmt.Sprintf("resp%d", proto), func(t *testing.T) {
			want, _ := monitorLines(t, s.redis, proto, cmds)
			got, _ := monitorLines(t, s.kvd, proto, cmds)
			if strings.Join(want, "") != strings.Join(got, "") {
				t.Errorf("MONITOR lines differ:\n redis: %q\n   kvd: %q", want, got)
			}
		})
	}
}

// TestMonitorScenarios covers the monitor's own commands (shown after
// their replies; keyspace commands refused), several monitors, MONITOR
// twice, RESET ending it, and QUIT.
func TestMonitorScenarios(t *testing.T) {
	needRedis(t)
	mask := func(r string) string {
		return monitorMask.ReplaceAllStringFunc(r, func(s string) string {
			if s[0] == '+' {
				return "+T "
			}
			return "127.0.0.1:P"
		})
	}
	run := func(t *testing.T, addr string) []string {
		var out []string
		m1, m2, c := dial(t, addr), dial(t, addr), dial(t, addr)
		out = append(out, m1.do("MONITOR"))
		m1.send("MONITOR") // already monitoring: no reply at all
		out = append(out, m2.do("MONITOR"))
		out = append(out, c.do("SET", "mk", "v"), mask(m1.read()), mask(m2.read()))
		out = append(out, m1.do("PING"), mask(m1.read()), mask(m2.read()))
		out = append(out, m1.do("GET", "mk"), m1.do("SET", "mk", "2"), m1.do("ECHO", "e"), mask(m1.read()), mask(m2.read()))
		out = append(out, m1.do("CLIENT", "LIST")[:0]) // admin: not shown
		out = append(out, m2.do("RESET"), c.do("DEL", "mk"), mask(m1.read()))
		if !m2.silent(50 * time.Millisecond) {
			t.Errorf("a monitor after RESET still gets lines")
		}
		out = append(out, m2.do("GET", "mk"), mask(m1.read()), mask(m1.read()))
		// A monitor is never paused, as Redis's replicas are not.
		out = append(out, c.do("CLIENT", "PAUSE", "300", "ALL"), m1.do("PING"), mask(m1.read()), c.do("CLIENT", "UNPAUSE"))
		return out
	}
	want := run(t, env.redisAddr)
	got := run(t, env.kvdAddr)
	if strings.Join(want, "|") != strings.Join(got, "|") {
		t.Errorf("differ:\n redis: %q\n   kvd: %q", want, got)
	}
}

// TestMonitorUnixSocket compares the line of a Unix socket client's
// command: "[0 unix:<socket path>]" on both servers.
func TestMonitorUnixSocket(t *testing.T) {
	dir := t.TempDir()
	kpath, rpath := dir+"/kvd.sock", dir+"/redis.sock"
	s := privateServers(t, func(c *server.Config) { c.UnixSocket = kpath }, "--unixsocket", rpath)
	for _, tc := range []struct{ addr, path string }{{s.kvd, kpath}, {s.redis, rpath}} {
		mon := dial(t, tc.addr)
		mon.do("MONITOR")
		nc, err := net.Dial("unix", tc.path)
		if err != nil {
			t.Fatal(err)
		}
		c := &conn{t: t, nc: nc, r: bufio.NewReaderSize(nc, 64*1024)}
		c.do("SET", "k", "v")
		nc.Close()
		line := mon.read()
		want := regexp.MustCompile(`^\+\d{10}\.\d{6} \[0 unix:` + regexp.QuoteMeta(tc.path) + `\] "SET" "k" "v"\r\n$`)
		if !want.MatchString(line) {
			t.Errorf("%s: %q", tc.addr, line)
		}
	}
}

// TestMonitorClientList compares a monitor's CLIENT LIST flags (O) and
// CLIENT KILL TYPE of monitors (normal, as Redis reports them).
func TestMonitorClientList(t *testing.T) {
	s := privateServers(t, nil)
	re := regexp.MustCompile(`flags=(\S+) .* cmd=(\S+) `)
	run := func(t *testing.T, addr string) []string {
		mon, ctl := dial(t, addr), dial(t, addr)
		mon.do("MONITOR")
		var out []string
		for _, l := range strings.Split(ctl.do("CLIENT", "LIST", "TYPE", "normal"), "\n") {
			if m := re.FindStringSubmatch(l); m != nil {
				out = append(out, m[1]+" "+m[2])
			}
		}
		out = append(out, ctl.do("CLIENT", "LIST", "TYPE", "replica"), ctl.do("CLIENT", "LIST", "TYPE", "pubsub"))
		return out
	}
	want, got := run(t, s.redis), run(t, s.kvd)
	if strings.Join(want, "|") != strings.Join(got, "|") {
		t.Errorf("differ:\n redis: %q\n   kvd: %q", want, got)
	}
}
