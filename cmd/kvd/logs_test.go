package main

import (
	"errors"
	"net"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// logLinePrefix matches the start of a Redis log line up to its role:
// "1234:M 07 Dec 2026 12:00:00.000 ".
var logLinePrefix = regexp.MustCompile(`^\d+:([CM]) \d\d \w{3} \d{4} \d\d:\d\d:\d\d\.\d{3} `)

// environmentWarnings are lines redis-server logs about the machine (memory
// overcommit for fork, huge pages, somaxconn) that do not concern kvd, which
// never forks.
var environmentWarnings = regexp.MustCompile(`overcommit|Transparent Huge Pages|TCP backlog setting`)

// normalizedLog turns a server's output into comparable lines: role, level
// mark and message, pids and times removed; raw lines (the logo) kept with
// the pid masked.
func normalizedLog(out, pid string) []string {
	var lines []string
	for _, l := range strings.Split(strings.TrimRight(out, "\n"), "\n") {
		if m := logLinePrefix.FindStringSubmatch(l); m != nil {
			l = m[1] + " " + l[len(m[0]):]
		} else if strings.Contains(l, "signal-handler") {
			l = "signal-handler " + l[strings.Index(l, ") ")+2:]
		}
		if environmentWarnings.MatchString(l) {
			continue
		}
		lines = append(lines, strings.ReplaceAll(l, pid, "<pid>"))
	}
	return lines
}

// TestBinaryLogLinesLikeRedis runs kvd and redis-server 7.0.15 with the
// same arguments and compares what they log from start-up to a SIGTERM
// shutdown, and when they cannot listen: the same lines, in the same order.
func TestBinaryLogLinesLikeRedis(t *testing.T) {
	bin := buildKvd(t)
	redisBin, err := exec.LookPath("redis-server")
	if err != nil {
		t.Skip("redis-server not installed")
	}
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	_, busyPort, _ := net.SplitHostPort(busy.Addr().String())
	for _, tt := range []struct {
		name  string
		args  func(port string) []string
		serve bool // starts and serves until SIGTERM
	}{
		{"plain", func(p string) []string { return []string{"--port", p} }, true},
		{"logo", func(p string) []string { return []string{"--port", p, "--always-show-logo", "yes"} }, true},
		{"warning level", func(p string) []string { return []string{"--port", p, "--loglevel", "warning"} }, true},
		{"port in use", func(string) []string { return []string{"--port", busyPort} }, false},
		{"optional address", func(p string) []string { return []string{"--port", p, "--bind", "127.0.0.1", "-10.255.255.1"} }, true},
		{"missing address", func(p string) []string { return []string{"--port", p, "--bind", "127.0.0.1", "10.255.255.1"} }, false},
		{"unix socket", func(p string) []string { return []string{"--port", p, "--unixsocket", "/nonexistent/dir/kvd.sock"} }, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var logs [2][]string
			for i, b := range []string{redisBin, bin} {
				addr, port := freeAddr(t)
				args := append([]string{"--save", "", "--dir", t.TempDir(), "--bind", "127.0.0.1"}, tt.args(port)...)
				cmd := exec.Command(b, args...)
				var out syncBuffer
				cmd.Stdout, cmd.Stderr = &out, &out
				if err := cmd.Start(); err != nil {
					t.Fatal(err)
				}
				exited := make(chan error, 1)
				go func() { exited <- cmd.Wait() }()
				if tt.serve {
					deadline := time.Now().Add(10 * time.Second)
					for {
						if c, err := net.DialTimeout("tcp", addr, 100*time.Millisecond); err == nil {
							c.Close()
							break
						}
						if time.Now().After(deadline) {
							cmd.Process.Kill()
							t.Fatalf("%s did not start:\n%s", b, out.String())
						}
						time.Sleep(20 * time.Millisecond)
					}
					cmd.Process.Signal(syscall.SIGTERM)
				}
				select {
				case err := <-exited:
					var ee *exec.ExitError
					if tt.serve && err != nil || !tt.serve && (!errors.As(err, &ee) || ee.ExitCode() != 1) {
						t.Errorf("%s exited with %v\n%s", b, err, out.String())
					}
				case <-time.After(10 * time.Second):
					cmd.Process.Kill()
					t.Fatalf("%s did not exit:\n%s", b, out.String())
				}
				text := strings.ReplaceAll(out.String(), port, "<port>")
				logs[i] = normalizedLog(text, itoa(cmd.Process.Pid))
			}
			mark := "M * Ready to accept connections"
			switch {
			case !tt.serve:
				mark = "M # Failed "
			case tt.name == "warning level":
				mark = "M # Server initialized"
			}
			if !strings.Contains(strings.Join(logs[0], "\n"), mark) {
				t.Fatalf("redis-server's log lacks %q:\n%s", mark, strings.Join(logs[0], "\n"))
			}
			if got, want := strings.Join(logs[1], "\n"), strings.Join(logs[0], "\n"); got != want {
				t.Errorf("kvd logged:\n%s\nredis-server logged:\n%s", got, want)
			}
		})
	}
}

func itoa(n int) string { return strconv.Itoa(n) }
