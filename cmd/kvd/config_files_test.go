//go:build linux

package main

import (
	"bufio"
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
)

// startWith runs kvd with args until the test ends and returns a
// connection to it; it fails the test if kvd does not start.
func startWith(t *testing.T, args ...string) (net.Conn, *bufio.Reader) {
	t.Helper()
	var stdout, stderr syncBuffer
	done := make(chan int, 1)
	go func() { done <- run(args, &stdout, &stderr) }()
	port := ""
	for i := 0; i+1 < len(args); i++ {
		if args[i] == "--port" {
			port = args[i+1]
		}
	}
	ready := regexp.MustCompile(`Ready to accept connections\n`)
	deadline := time.Now().Add(10 * time.Second)
	for !ready.MatchString(stdout.String()) {
		select {
		case code := <-done:
			t.Fatalf("kvd exited with status %d:\n%s\n%s", code, stdout.String(), stderr.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("kvd did not start:\n%s\n%s", stdout.String(), stderr.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	c, err := net.Dial("tcp", "127.0.0.1:"+port)
	if err != nil {
		t.Fatal(err)
	}
	r := bufio.NewReader(c)
	t.Cleanup(func() {
		fmt.Fprintf(c, "*2\r\n$8\r\nSHUTDOWN\r\n$6\r\nNOSAVE\r\n")
		c.Close()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Error("kvd did not stop")
		}
	})
	return c, r
}

// overrides keep a test's server on loopback, in the foreground, logging
// to the test and writing only under dir.
func overrides(t *testing.T, dir string) []string {
	_, port := freeAddr(t)
	return []string{"--bind", "127.0.0.1", "--port", port, "--daemonize", "no", "--logfile", "", "--dir", dir,
		"--pidfile", filepath.Join(dir, "kvd.pid"), "--unixsocket", ""}
}

// TestRunDebianRedisConf starts kvd on Debian's stock /etc/redis/redis.conf,
// unmodified, with only where it listens, logs and writes overridden.
func TestRunDebianRedisConf(t *testing.T) {
	const conf = "/etc/redis/redis.conf"
	if _, err := os.Stat(conf); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s is missing: scripts/deps.sh installs redis-server", conf)
		}
		t.Skipf("%s: %v", conf, err)
	}
	c, r := startWith(t, append([]string{conf}, overrides(t, t.TempDir())...)...)
	for _, tt := range []struct{ args, want string }{
		{"CONFIG GET protected-mode", "protected-mode yes"},
		{"CONFIG GET tcp-keepalive", "tcp-keepalive 300"},
		{"CONFIG GET supervised", "supervised no"},
		{"CONFIG GET oom-score-adj-values", "oom-score-adj-values 0 200 800"},
		{"CONFIG GET list-max-listpack-size", "list-max-listpack-size -2"},
		{"PING", "+PONG"},
	} {
		if got := command(t, c, r, strings.Fields(tt.args)...); got != tt.want {
			t.Errorf("%s: %q, want %q", tt.args, got, tt.want)
		}
	}
}

// TestRunEveryRedisDirective starts kvd on a config file that sets every
// parameter redis-server 7.0.15 reports, to the value it reports.
func TestRunEveryRedisDirective(t *testing.T) {
	redisBin, err := exec.LookPath("redis-server")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("redis-server is missing: scripts/deps.sh installs it")
		}
		t.Skip(err)
	}
	dir := t.TempDir()
	sock := filepath.Join(dir, "redis.sock")
	rs := exec.Command(redisBin, "--port", "0", "--unixsocket", sock, "--dir", dir, "--save", "")
	if err := rs.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { rs.Process.Kill(); rs.Wait() }()
	var rc net.Conn
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if rc, err = net.Dial("unix", sock); err == nil {
			break
		} else if time.Now().After(deadline) {
			t.Fatal(err)
		}
	}
	defer rc.Close()
	fmt.Fprintf(rc, "*3\r\n$6\r\nCONFIG\r\n$3\r\nGET\r\n$1\r\n*\r\n")
	pairs := readBulkArray(t, bufio.NewReader(rc))
	var b strings.Builder
	skip := map[string]bool{"unixsocket": true, "unixsocketperm": true, "port": true, "dir": true, "bind": true}
	n := 0
	for i := 0; i+1 < len(pairs); i += 2 {
		name, value := pairs[i], pairs[i+1]
		if skip[name] {
			continue
		}
		if name == "save" || name == "client-output-buffer-limit" || name == "oom-score-adj-values" ||
			name == "latency-tracking-info-percentiles" || strings.HasPrefix(name, "shutdown-on-sig") {
			fmt.Fprintf(&b, "%s %s\n", name, value) // several words
		} else {
			fmt.Fprintf(&b, "%s %s\n", name, strconv.Quote(value))
		}
		n++
	}
	if n < 150 {
		t.Fatalf("redis-server reported only %d parameters:\n%s", n, b.String())
	}
	conf := filepath.Join(dir, "every.conf")
	if err := os.WriteFile(conf, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	c, r := startWith(t, append([]string{conf}, overrides(t, dir)...)...)
	if got := command(t, c, r, "CONFIG", "GET", "maxmemory-policy"); got != "maxmemory-policy noeviction" {
		t.Errorf("CONFIG GET maxmemory-policy: %q", got)
	}
}

// TestRunIncludeRenameDeprecated checks include (with a glob),
// rename-command and the directives Redis 7.0 accepts and ignores.
func TestRunIncludeRenameDeprecated(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	write("a.inc.conf", "maxmemory 100mb\n")
	write("b.inc.conf", "hz 20\n")
	conf := write("main.conf", fmt.Sprintf("include %s\nrename-command flushall \"\"\nrename-command CONFIG myconfig\n"+
		"list-max-ziplist-entries 512\nlist-max-ziplist-value 64\nlua-replicate-commands yes\n", filepath.Join(dir, "*.inc.conf")))
	c, r := startWith(t, append([]string{conf}, overrides(t, dir)...)...)
	for _, tt := range []struct{ args, want string }{
		{"MYCONFIG GET maxmemory", "maxmemory 104857600"},
		{"MYCONFIG GET hz", "hz 20"},
		{"CONFIG GET hz", "-ERR unknown command 'CONFIG', with args beginning with: 'GET' 'hz'"},
		{"FLUSHALL", "-ERR unknown command 'FLUSHALL', with args beginning with:"},
	} {
		if got := command(t, c, r, strings.Fields(tt.args)...); got != tt.want {
			t.Errorf("%s: %q, want %q", tt.args, got, tt.want)
		}
	}

	for _, tt := range []struct{ text, want string }{
		{"rename-command nosuch other\n", "No such command in rename-command"},
		{"rename-command get set\n", "Target command name already exists"},
		{"rename-command get\n", "wrong number of arguments"},
		{"include " + filepath.Join(dir, "missing.conf") + "\n", "can't open config file"},
	} {
		var stdout, stderr syncBuffer
		if code := run([]string{write("bad.conf", tt.text), "--port", "0"}, &stdout, &stderr); code == 0 || !strings.Contains(stderr.String(), tt.want) {
			t.Errorf("%q: status %d, stderr lacks %q:\n%s", tt.text, code, tt.want, stderr.String())
		}
	}
}

// readBulkArray reads an array of bulk strings.
func readBulkArray(t *testing.T, r *bufio.Reader) []string {
	t.Helper()
	line, err := r.ReadString('\n')
	if err != nil || line[0] != '*' {
		t.Fatalf("not an array: %q %v", line, err)
	}
	n, _ := strconv.Atoi(strings.TrimSpace(line[1:]))
	out := make([]string, n)
	for i := range out {
		line, err := r.ReadString('\n')
		if err != nil || line[0] != '$' {
			t.Fatalf("not a bulk string: %q %v", line, err)
		}
		size, _ := strconv.Atoi(strings.TrimSpace(line[1:]))
		buf := make([]byte, size+2)
		if _, err := io.ReadFull(r, buf); err != nil {
			t.Fatal(err)
		}
		out[i] = string(buf[:size])
	}
	return out
}

// TestBinaryDaemonizePidfile runs kvd and redis-server with daemonize yes
// and a pidfile: the command returns at once with status 0, the daemon
// writes its pid, serves, and removes the file when shut down.
func TestBinaryDaemonizePidfile(t *testing.T) {
	bin := buildKvd(t)
	servers := []struct{ name, path string }{{"kvd", bin}}
	if p, err := exec.LookPath("redis-server"); err == nil {
		servers = append(servers, struct{ name, path string }{"redis", p})
	} else if os.Getenv("CI") != "" {
		t.Fatalf("redis-server is required in CI: %v", err)
	}
	for _, srv := range servers {
		t.Run(srv.name, func(t *testing.T) {
			dir := t.TempDir()
			pidfile, logfile := filepath.Join(dir, "d.pid"), filepath.Join(dir, "d.log")
			addr, port := freeAddr(t)
			cmd := exec.Command(srv.path, "--daemonize", "yes", "--pidfile", pidfile, "--logfile", logfile,
				"--bind", "127.0.0.1", "--port", port, "--save", "", "--dir", dir)
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("%v: %s", err, out)
			}
			var pid int
			waitFor := func(what string, cond func() bool) {
				t.Helper()
				for deadline := time.Now().Add(10 * time.Second); !cond(); time.Sleep(10 * time.Millisecond) {
					if time.Now().After(deadline) {
						log, _ := os.ReadFile(logfile)
						t.Fatalf("%s: timed out; log:\n%s", what, log)
					}
				}
			}
			waitFor("pid file", func() bool {
				b, err := os.ReadFile(pidfile)
				if err != nil || !strings.HasSuffix(string(b), "\n") {
					return false
				}
				pid, err = strconv.Atoi(strings.TrimSpace(string(b)))
				return err == nil
			})
			if pid == os.Getpid() || pid == cmd.Process.Pid {
				t.Errorf("pid file names %d, not a daemon", pid)
			}
			var c net.Conn
			waitFor("connect", func() bool {
				var err error
				c, err = net.Dial("tcp", addr)
				return err == nil
			})
			defer c.Close()
			r := bufio.NewReader(c)
			if got := command(t, c, r, "PING"); got != "+PONG" {
				t.Fatalf("PING: %q", got)
			}
			fmt.Fprintf(c, "*2\r\n$8\r\nSHUTDOWN\r\n$6\r\nNOSAVE\r\n")
			waitFor("pid file removed", func() bool { _, err := os.Stat(pidfile); return os.IsNotExist(err) })
			waitFor("log line", func() bool {
				log, _ := os.ReadFile(logfile)
				return strings.Contains(string(log), "Removing the pid file.")
			})
		})
	}
}

// TestBinaryConfigRewriteLikeRedis starts kvd and redis-server on the same
// config file (comments, blank lines, a repeated directive, a
// client-output-buffer-limit class, rename-command, a user), changes
// parameters and users at run time, and compares the files CONFIG REWRITE
// leaves: the rewritten part line for line, the generated part as a set
// (Redis appends in its dictionary's order, which varies between runs).
func TestBinaryConfigRewriteLikeRedis(t *testing.T) {
	bin := buildKvd(t)
	redisBin := redisServerBin(t)
	var files [2]string
	for i, b := range []string{redisBin, bin} {
		dir := t.TempDir()
		addr, port := freeAddr(t)
		conf := filepath.Join(dir, "server.conf")
		text := "# a test config\nport " + port + "\nbind 127.0.0.1\n\n# memory\nmaxmemory 100mb\nhz 15\nhz 16\n" +
			"client-output-buffer-limit pubsub 1mb 1mb 10\nrename-command FLUSHALL \"\"\n  # indented comment\n" +
			"user alice on >pw ~app:* +@all\nsave \"\"\ndir " + dir + "\n"
		if err := os.WriteFile(conf, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		startProcess(t, addr, b, conf)
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		r := bufio.NewReader(c)
		for _, cmd := range [][]string{
			{"CONFIG", "SET", "hz", "20", "maxmemory-policy", "allkeys-lru"},
			{"CONFIG", "SET", "notify-keyspace-events", "KEA"},
			{"CONFIG", "SET", "maxmemory", "0"},
			{"CONFIG", "SET", "client-output-buffer-limit", "normal 1mb 512kb 5"},
			{"ACL", "SETUSER", "bob", "on", "nopass", "+get", "~b*"},
			{"ACL", "SETUSER", "alice", "-@all", "+ping"},
		} {
			command(t, c, r, cmd...)
		}
		if got := command(t, c, r, "CONFIG", "REWRITE"); got != "OK" && got != "+OK" {
			t.Fatalf("%s: CONFIG REWRITE: %q", b, got)
		}
		data, err := os.ReadFile(conf)
		if err != nil {
			t.Fatal(err)
		}
		files[i] = strings.ReplaceAll(strings.ReplaceAll(string(data), port, "<port>"), dir, "<dir>")
	}
	split := func(s string) (head string, tail []string) {
		h, g, _ := strings.Cut(s, "# Generated by CONFIG REWRITE\n")
		tail = strings.Split(strings.TrimSpace(g), "\n")
		sort.Strings(tail)
		return h, tail
	}
	kh, kt := split(files[1])
	rh, rt := split(files[0])
	for _, want := range []string{"\nhz 20\n", "\nuser alice on", "user bob on", "maxmemory-policy allkeys-lru", "client-output-buffer-limit normal 1mb 512kb 5"} {
		if !strings.Contains(files[0], want) {
			t.Fatalf("redis-server's rewritten file lacks %q:\n%s", want, files[0])
		}
	}
	if kh != rh {
		t.Errorf("rewritten lines differ:\nkvd:\n%s\nredis-server:\n%s", kh, rh)
	}
	if strings.Join(kt, "\n") != strings.Join(rt, "\n") {
		t.Errorf("generated lines differ:\nkvd:\n%s\nredis-server:\n%s", strings.Join(kt, "\n"), strings.Join(rt, "\n"))
	}
}
