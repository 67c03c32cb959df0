//go:build linux

package main

import (
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
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
	redisBin := redisServerBin(t)
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
							if strings.Contains(out.String(), "Ready to accept connections") ||
								tt.name == "warning level" && strings.Contains(out.String(), "Server initialized") {
								break
							}
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

// TestBinarySupervisedLikeRedis runs kvd and redis-server under a fake
// systemd (a datagram socket in $NOTIFY_SOCKET) and a fake upstart
// ($UPSTART_JOB): the same notifications, the same log lines, and under
// upstart the same SIGSTOP once ready.
func TestBinarySupervisedLikeRedis(t *testing.T) {
	bin := buildKvd(t)
	redisBin := redisServerBin(t)
	for _, tt := range []struct {
		name, mode, env string
	}{
		{"systemd", "systemd", "NOTIFY_SOCKET"},
		{"auto systemd", "auto", "NOTIFY_SOCKET"},
		{"systemd without socket", "systemd", ""},
		{"upstart", "upstart", "UPSTART_JOB"},
		{"upstart without job", "upstart", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var logs, notes [2][]string
			for i, b := range []string{redisBin, bin} {
				dir := t.TempDir()
				sock := filepath.Join(dir, "notify.sock")
				ln, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: sock, Net: "unixgram"})
				if err != nil {
					t.Fatal(err)
				}
				defer ln.Close()
				addr, port := freeAddr(t)
				cmd := exec.Command(b, "--save", "", "--dir", dir, "--bind", "127.0.0.1", "--port", port, "--supervised", tt.mode)
				cmd.Env = os.Environ()
				switch tt.env {
				case "NOTIFY_SOCKET":
					cmd.Env = append(cmd.Env, "NOTIFY_SOCKET="+sock)
				case "UPSTART_JOB":
					cmd.Env = append(cmd.Env, "UPSTART_JOB=kvd-test")
				}
				var out syncBuffer
				cmd.Stdout, cmd.Stderr = &out, &out
				if err := cmd.Start(); err != nil {
					t.Fatal(err)
				}
				exited := make(chan error, 1)
				go func() { exited <- cmd.Wait() }()
				if tt.env == "UPSTART_JOB" {
					// Ready means stopped: wait for state T, then resume it.
					waitUntil(t, func() bool {
						st, _ := os.ReadFile(fmt.Sprintf("/proc/%d/stat", cmd.Process.Pid))
						f := strings.Fields(string(st))
						return len(f) > 2 && f[2] == "T"
					}, b+" never stopped itself")
					cmd.Process.Signal(syscall.SIGCONT)
				}
				waitReady(t, addr, &out, b)
				if tt.mode == "systemd" && tt.env == "" {
					// Both servers log a failed notification for the
					// status and for READY=1 after "Ready to accept
					// connections"; the signal must come after both,
					// or its log line lands between them.
					waitUntil(t, func() bool {
						return strings.Count(out.String(), "NOTIFY_SOCKET not found") >= 3
					}, b+" never tried to notify readiness")
				}
				cmd.Process.Signal(syscall.SIGTERM)
				select {
				case <-exited:
				case <-time.After(10 * time.Second):
					cmd.Process.Kill()
					t.Fatalf("%s did not exit:\n%s", b, out.String())
				}
				ln.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
				buf := make([]byte, 512)
				for {
					n, err := ln.Read(buf)
					if err != nil {
						break
					}
					notes[i] = append(notes[i], string(buf[:n]))
				}
				text := strings.ReplaceAll(out.String(), port, "<port>")
				logs[i] = normalizedLog(text, strconv.Itoa(cmd.Process.Pid))
			}
			if got, want := strings.Join(notes[1], ""), strings.Join(notes[0], ""); got != want {
				t.Errorf("kvd notified %q, redis-server %q", got, want)
			}
			if got, want := strings.Join(logs[1], "\n"), strings.Join(logs[0], "\n"); got != want {
				t.Errorf("kvd logged:\n%s\nredis-server logged:\n%s", got, want)
			}
		})
	}
}

// redisServerBin returns redis-server's path; the test is skipped without
// one, except in CI, which installs it (scripts/deps.sh), where that fails.
func redisServerBin(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("redis-server")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("redis-server is missing: scripts/deps.sh installs it")
		}
		t.Skip("redis-server not installed")
	}
	return p
}

// waitReady waits until the server bin started accepts connections on addr
// and has logged that it is ready.
func waitReady(t *testing.T, addr string, out *syncBuffer, bin string) {
	t.Helper()
	waitUntil(t, func() bool {
		c, err := net.DialTimeout("tcp", addr, 100*time.Millisecond)
		if err == nil {
			c.Close()
		}
		return err == nil && strings.Contains(out.String(), "Ready to accept connections")
	}, bin+" never accepted connections")
}

// waitUntil polls cond for up to 10 seconds.
func waitUntil(t *testing.T, cond func() bool, what string) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal(what)
		}
	}
}

// TestBinarySyslogLikeRedis runs kvd and redis-server with syslog-enabled
// yes and a socket standing in for the syslog daemon at /dev/log: the same
// datagrams (priority, ident, message) from start to shutdown. It needs to
// create /dev/log, so it runs only where there is none and it may.
func TestBinarySyslogLikeRedis(t *testing.T) {
	bin := buildKvd(t)
	redisBin := redisServerBin(t)
	const devlog = "/dev/log"
	ln, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: devlog, Net: "unixgram"})
	if err != nil {
		t.Skipf("cannot stand in for the syslog daemon: %v", err)
	}
	defer os.Remove(devlog)
	defer ln.Close()
	stamp := regexp.MustCompile(`^<(\d+)>\w{3} [ \d]\d \d\d:\d\d:\d\d `)
	var got [2][]string
	for i, b := range []string{redisBin, bin} {
		addr, port := freeAddr(t)
		cmd := exec.Command(b, "--save", "", "--dir", t.TempDir(), "--bind", "127.0.0.1", "--port", port,
			"--syslog-enabled", "yes", "--syslog-ident", "kvdtest", "--syslog-facility", "local3", "--logfile", "")
		var out syncBuffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		waitReady(t, addr, &out, b)
		cmd.Process.Signal(syscall.SIGTERM)
		cmd.Wait()
		ln.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
		buf := make([]byte, 4096)
		pid := strconv.Itoa(cmd.Process.Pid)
		for {
			n, err := ln.Read(buf)
			if err != nil {
				break
			}
			m := stamp.FindStringSubmatch(string(buf[:n]))
			if m == nil {
				t.Fatalf("%s sent %q", b, buf[:n])
			}
			msg := m[1] + " " + string(buf[len(m[0]):n])
			if environmentWarnings.MatchString(msg) {
				continue
			}
			msg = strings.ReplaceAll(strings.ReplaceAll(msg, pid, "<pid>"), port, "<port>")
			// Before openlog syslog(3) names the program: kvd is not redis-server.
			msg = strings.Replace(msg, " "+filepath.Base(b)+": ", " <program>: ", 1)
			got[i] = append(got[i], msg)
		}
	}
	if len(got[0]) == 0 {
		t.Fatal("redis-server sent nothing to syslog")
	}
	if a, b := strings.Join(got[1], "\n"), strings.Join(got[0], "\n"); a != b {
		t.Errorf("kvd sent:\n%s\nredis-server sent:\n%s", a, b)
	}
}
