//go:build linux

package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/kvdserver/kvd/server"
)

// syncBuffer is a bytes.Buffer safe for the server's goroutines to write
// while the test reads it.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// waitOutput waits until the output matches re and returns the submatches.
func waitOutput(t *testing.T, out fmt.Stringer, re *regexp.Regexp) []string {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if m := re.FindStringSubmatch(out.String()); m != nil {
			return m
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("output never matched %s:\n%s", re, out)
	return nil
}

// command sends one command and returns its raw reply line(s), enough for
// the simple replies checked here.
func command(t *testing.T, c net.Conn, r *bufio.Reader, args ...string) string {
	t.Helper()
	var b strings.Builder
	fmt.Fprintf(&b, "*%d\r\n", len(args))
	for _, a := range args {
		fmt.Fprintf(&b, "$%d\r\n%s\r\n", len(a), a)
	}
	c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(c, b.String()); err != nil {
		t.Fatal(err)
	}
	line, err := r.ReadString('\n')
	if err != nil {
		t.Fatalf("%v: %v", args, err)
	}
	switch line[0] {
	case '$':
		n, _ := strconv.Atoi(strings.TrimSpace(line[1:]))
		buf := make([]byte, n+2)
		if _, err := io.ReadFull(r, buf); err != nil {
			t.Fatal(err)
		}
		return string(buf[:n])
	case '*':
		n, _ := strconv.Atoi(strings.TrimSpace(line[1:]))
		var parts []string
		for i := 0; i < n; i++ {
			parts = append(parts, command(t, c, r))
		}
		return strings.Join(parts, " ")
	}
	return strings.TrimSpace(line)
}

// TestRunConfigFileAndFlags runs the server from a config file plus
// command-line options, checks the start-up log and the configuration it
// runs with, and stops it with SHUTDOWN.
func TestRunConfigFileAndFlags(t *testing.T) {
	dir := t.TempDir()
	conf := filepath.Join(dir, "kvd.conf")
	_, port := freeAddr(t)
	if err := os.WriteFile(conf, []byte("# test config\nbind 127.0.0.1\nport "+port+"\n\nhz 20\ntimeout 7\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	rel, err := filepath.Rel(wd, conf)
	if err != nil {
		t.Fatal(err)
	}
	var stdout, stderr syncBuffer
	done := make(chan int, 1)
	// The default save points make SHUTDOWN save: into dir.
	go func() {
		done <- run([]string{rel, "--timeout", "9", "--databases", "4", "--dir", dir}, &stdout, &stderr)
	}()

	waitOutput(t, &stdout, regexp.MustCompile(`Ready to accept connections\n`))
	// redis-server's start-up lines, in its order.
	const stamp = `\d\d \w{3} \d{4} \d\d:\d\d:\d\d\.\d{3}`
	pid := os.Getpid()
	start := fmt.Sprintf(`(?m)^%[1]d:C %[2]s # oO0OoO0OoO0Oo Redis is starting oO0OoO0OoO0Oo\n`+
		`%[1]d:C %[2]s # Redis version=%[3]s, bits=64, commit=00000000, modified=0, pid=%[1]d, just started\n`+
		`%[1]d:C %[2]s # Configuration loaded\n`+
		`%[1]d:M %[2]s \* monotonic clock: POSIX clock_gettime\n`+
		`%[1]d:M %[2]s \* Running mode=standalone, port=%[4]s\.\n`+
		`%[1]d:M %[2]s # Server initialized\n`+
		`%[1]d:M %[2]s \* Ready to accept connections\n`, pid, stamp, regexp.QuoteMeta(server.RedisVersion), port)
	if !regexp.MustCompile(start).MatchString(stdout.String()) {
		t.Errorf("no start-up lines matching %s in:\n%s", start, stdout.String())
	}

	c, err := net.Dial("tcp", "127.0.0.1:"+port)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	r := bufio.NewReader(c)
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"CONFIG", "GET", "hz"}, "hz 20"},
		{[]string{"CONFIG", "GET", "timeout"}, "timeout 9"},
		{[]string{"CONFIG", "GET", "databases"}, "databases 4"},
		{[]string{"CONFIG", "GET", "bind"}, "bind 127.0.0.1"},
	} {
		if got := command(t, c, r, tt.args...); got != tt.want {
			t.Errorf("%v: %q, want %q", tt.args, got, tt.want)
		}
	}
	if info := command(t, c, r, "INFO", "server"); !strings.Contains(info, "\r\nconfig_file:"+conf+"\r\n") {
		t.Errorf("INFO lacks config_file:%s:\n%s", conf, info)
	}
	if got := command(t, c, r, "CONFIG", "REWRITE"); got != "+OK" {
		t.Errorf("CONFIG REWRITE: %q", got)
	}
	data, _ := os.ReadFile(conf)
	if !strings.HasPrefix(string(data), "# test config\nbind 127.0.0.1\nport "+port+"\n\nhz 20\ntimeout 9\n") || !strings.Contains(string(data), "\ndatabases 4\n") {
		t.Errorf("rewritten config file:\n%s", data)
	}

	io.WriteString(c, "*1\r\n$8\r\nSHUTDOWN\r\n")
	select {
	case code := <-done:
		if code != 0 {
			t.Errorf("exit status %d after SHUTDOWN; stderr: %s", code, stderr.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("run did not return after SHUTDOWN")
	}
	if !strings.Contains(stdout.String(), "User requested shutdown...") || !strings.Contains(stdout.String(), "ready to exit, bye bye...") {
		t.Errorf("shutdown not logged:\n%s", stdout.String())
	}
}

// TestRunErrors checks that bad options and config files stop kvd at
// start-up with an error and a non-zero status.
func TestRunErrors(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.conf")
	if err := os.WriteFile(bad, []byte("port 0\nhz abc\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	unknown := filepath.Join(dir, "unknown.conf")
	if err := os.WriteFile(unknown, []byte("# x\nnosuch-option yes\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	quotes := filepath.Join(dir, "quotes.conf")
	if err := os.WriteFile(quotes, []byte("logfile \"unterminated\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	busyPort := strconv.Itoa(busy.Addr().(*net.TCPAddr).Port)

	tests := []struct {
		name string
		args []string
		want []string // in stderr, or in the log (stdout)
	}{
		{"unknown option", []string{"--nosuch", "1"}, []string{"FATAL CONFIG FILE ERROR", ">>> '--nosuch 1'", "Bad directive or wrong number of arguments"}},
		{"invalid value", []string{"--port", "0", "--hz", "abc"}, []string{">>> '--hz abc'", "\nargument couldn't be parsed into an integer\n"}},
		{"out of range", []string{"--maxclients", "0"}, []string{"argument must be between 1 and 4294967295 inclusive"}},
		{"bad enum", []string{"--loglevel", "loud"}, []string{"argument(s) must be one of the following: debug, verbose, notice, warning"}},
		{"missing value", []string{"--port"}, []string{"wrong number of arguments"}},
		{"not an option", []string{"--port", "0", "-x"}, []string{"wrong number of arguments"}},
		{"missing file", []string{filepath.Join(dir, "none.conf")}, []string{"can't open config file"}},
		{"bad value in file", []string{bad}, []string{"at line 2", ">>> 'hz abc'", "argument couldn't be parsed into an integer"}},
		{"unknown in file", []string{unknown}, []string{"at line 2", "Bad directive or wrong number of arguments"}},
		{"unbalanced quotes", []string{quotes}, []string{"Unbalanced quotes in configuration line"}},
		{"port in use", []string{"--bind", "127.0.0.1", "--port", busyPort}, []string{
			"# Warning: Could not create server TCP listening socket 127.0.0.1:" + busyPort + ": bind: Address already in use\n",
			"# Failed listening on port " + busyPort + " (TCP), aborting.\n"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr syncBuffer
			if code := run(tt.args, &stdout, &stderr); code == 0 {
				t.Fatalf("exit status 0; stdout:\n%s", stdout.String())
			}
			for _, w := range tt.want {
				if !strings.Contains(stderr.String(), w) && !strings.Contains(stdout.String(), w) {
					t.Errorf("stderr and log lack %q:\n%s\n%s", w, stderr.String(), stdout.String())
				}
			}
			if strings.Contains(stdout.String(), "Ready to accept connections") {
				t.Errorf("the server started:\n%s", stdout.String())
			}
		})
	}
}

func TestRunVersionAndHelp(t *testing.T) {
	// As redis-server 7.0.15: the version on stdout with status 0, the
	// usage on stderr with status 1.
	for _, tt := range []struct {
		arg, want string
		toStderr  bool
		code      int
	}{
		{"-v", "kvd server v=" + server.Version + " (Redis " + server.RedisVersion + " compatible)\n", false, 0},
		{"--version", "kvd server v=" + server.Version, false, 0},
		{"--help", "Usage: kvd [/path/to/kvd.conf] [options] [-]", true, 1},
		{"-h", "Usage: kvd", true, 1},
	} {
		var stdout, stderr syncBuffer
		if code := run([]string{tt.arg}, &stdout, &stderr); code != tt.code {
			t.Errorf("%s: exit status %d, want %d", tt.arg, code, tt.code)
		}
		out, other := &stdout, &stderr
		if tt.toStderr {
			out, other = &stderr, &stdout
		}
		if !strings.HasPrefix(out.String(), tt.want) {
			t.Errorf("%s: %q, want it to start with %q", tt.arg, out.String(), tt.want)
		}
		if other.String() != "" {
			t.Errorf("%s: unexpected output on the other stream: %q", tt.arg, other.String())
		}
	}
}

// TestBinarySignals builds kvd, runs it, and stops it with SIGTERM and
// SIGINT: it must shut down cleanly and exit with status 0.
func TestBinarySignals(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := filepath.Join(t.TempDir(), "kvd")
	build := exec.Command("go", "build", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT} {
		t.Run(sig.String(), func(t *testing.T) {
			var stdout syncBuffer
			addr, port := freeAddr(t)
			cmd := exec.Command(bin, "--bind", "127.0.0.1", "--port", port)
			cmd.Dir = t.TempDir() // the default save points save dump.rdb here on exit
			cmd.Stdout, cmd.Stderr = &stdout, &stdout
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			exited := make(chan struct{})
			var waitErr error
			go func() { waitErr = cmd.Wait(); close(exited) }()
			defer func() {
				select {
				case <-exited:
				default:
					cmd.Process.Kill()
					<-exited
				}
			}()
			waitOutput(t, &stdout, regexp.MustCompile(`Ready to accept connections\n`))
			pid := regexp.MustCompile(fmt.Sprintf(`pid=%d, just started`, cmd.Process.Pid))
			if !pid.MatchString(stdout.String()) {
				t.Errorf("start-up line does not show pid %d:\n%s", cmd.Process.Pid, stdout.String())
			}
			c, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			if got := command(t, c, bufio.NewReader(c), "PING"); got != "+PONG" {
				t.Fatalf("PING: %q", got)
			}
			if err := cmd.Process.Signal(sig); err != nil {
				t.Fatal(err)
			}
			select {
			case <-exited:
				if waitErr != nil {
					t.Fatalf("exit: %v\n%s", waitErr, stdout.String())
				}
			case <-time.After(10 * time.Second):
				t.Fatalf("kvd did not exit after %v", sig)
			}
			name := map[syscall.Signal]string{syscall.SIGTERM: "SIGTERM", syscall.SIGINT: "SIGINT"}[sig]
			for _, want := range []string{"Received " + name + " scheduling shutdown...", "ready to exit, bye bye..."} {
				if !strings.Contains(stdout.String(), want) {
					t.Errorf("output lacks %q:\n%s", want, stdout.String())
				}
			}
		})
	}
}

// TestAtLeastTwoPs checks that kvd raises GOMAXPROCS from 1 to 2 unless
// the user set GOMAXPROCS, and never lowers it.
func TestAtLeastTwoPs(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	for _, tc := range []struct {
		env        string
		from, want int
	}{
		{"", 1, 2},
		{"", 3, 3},
		{"1", 1, 1},
	} {
		t.Setenv("GOMAXPROCS", tc.env)
		runtime.GOMAXPROCS(tc.from)
		atLeastTwoPs()
		if got := runtime.GOMAXPROCS(0); got != tc.want {
			t.Errorf("GOMAXPROCS env %q, %d before: %d after, want %d", tc.env, tc.from, got, tc.want)
		}
	}
}

// buildKvd builds the kvd binary into a temporary directory.
func buildKvd(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := filepath.Join(t.TempDir(), "kvd")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// freeAddr returns a loopback address with a port free at the moment.
func freeAddr(t *testing.T) (string, string) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	_, port, _ := net.SplitHostPort(l.Addr().String())
	return l.Addr().String(), port
}

// process is a server binary started by a test.
type process struct {
	cmd    *exec.Cmd
	out    *syncBuffer // its stdout and stderr
	exited chan struct{}
	err    error // Wait's result, once exited is closed
}

// startProcess starts a server binary and waits until addr accepts
// connections. The process is killed when the test ends if it is still
// running.
func startProcess(t *testing.T, addr string, name string, args ...string) *process {
	t.Helper()
	p := &process{cmd: exec.Command(name, args...), out: &syncBuffer{}, exited: make(chan struct{})}
	p.cmd.Stdout, p.cmd.Stderr = p.out, p.out
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.err = p.cmd.Wait(); close(p.exited) }()
	t.Cleanup(func() {
		p.cmd.Process.Kill()
		<-p.exited
	})
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", addr, 100*time.Millisecond)
		if err == nil {
			c.Close()
			return p
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s did not start: %v\n%s", name, err, p.out.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// logMessages returns the messages of a Redis-style log (each line without
// its pid, role, time and level mark).
func logMessages(t *testing.T, path string) []string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile(`^\d+:(?:[MCSX] \d{2} \w{3} \d{4} [\d:.]+ [.\-*#]|signal-handler \(\d+\)) (.*)$`)
	var msgs []string
	for _, line := range strings.Split(strings.TrimSuffix(string(data), "\n"), "\n") {
		if m := re.FindStringSubmatch(line); m != nil {
			msgs = append(msgs, m[1])
		} else if line != "" {
			t.Errorf("log line not in Redis's format: %q", line)
		}
	}
	return msgs
}

// TestBinarySigtermDuringDebugSleep runs kvd and redis-server 7.0.15, each
// with a log file and a Unix socket, sends SIGTERM while a client's DEBUG
// SLEEP 30 blocks the server, and requires what Redis does: the sleep is cut
// short and the server exits at once, the client gets no reply, and the log
// shows Redis's shutdown lines in Redis's order.
func TestBinarySigtermDuringDebugSleep(t *testing.T) {
	bin := buildKvd(t)
	want := []string{
		"Received SIGTERM scheduling shutdown...",
		"User requested shutdown...",
		"Removing the unix socket file.",
		"Redis is now ready to exit, bye bye...",
	}
	servers := []struct{ name, path string }{{"kvd", bin}}
	if p, err := exec.LookPath("redis-server"); err == nil {
		servers = append(servers, struct{ name, path string }{"Redis", p})
	} else if os.Getenv("CI") != "" {
		t.Fatalf("redis-server is required in CI: %v", err)
	}
	for _, srv := range servers {
		t.Run(srv.name, func(t *testing.T) {
			dir := t.TempDir()
			addr, port := freeAddr(t)
			logFile := filepath.Join(dir, "log")
			args := []string{"--bind", "127.0.0.1", "--port", port, "--enable-debug-command", "yes",
				"--logfile", logFile, "--unixsocket", filepath.Join(dir, "s.sock"), "--save", ""}
			if srv.name == "Redis" {
				args = append(args, "--dir", dir)
			}
			p := startProcess(t, addr, srv.path, args...)
			c, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			if _, err := c.Write([]byte("DEBUG SLEEP 30\r\n")); err != nil {
				t.Fatal(err)
			}
			time.Sleep(300 * time.Millisecond) // the sleep has begun
			start := time.Now()
			if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
				t.Fatal(err)
			}
			select {
			case <-p.exited:
				if p.err != nil {
					t.Errorf("exit: %v", p.err)
				}
			case <-time.After(10 * time.Second):
				t.Fatal("the server did not exit within 10 s of SIGTERM")
			}
			t.Logf("exited %v after SIGTERM", time.Since(start))
			c.SetReadDeadline(time.Now().Add(5 * time.Second))
			if got, err := io.ReadAll(c); len(got) != 0 || err != nil {
				t.Errorf("DEBUG SLEEP got %q (%v); want the connection closed without a reply", got, err)
			}
			msgs := logMessages(t, logFile)
			for i, m := range msgs {
				if m == want[0] {
					msgs = msgs[i:]
					break
				}
			}
			if strings.Join(msgs, "\n") != strings.Join(want, "\n") {
				t.Errorf("log after SIGTERM:\n%s\nwant:\n%s", strings.Join(msgs, "\n"), strings.Join(want, "\n"))
			}
		})
	}
}

// TestBinaryMaxClientsUnderUlimit runs kvd and redis-server 7.0.15 under
// `ulimit -n 100`, where the default maxclients of 10000 cannot be served,
// and requires what Redis does: maxclients lowered to the limit less 32 at
// start-up with Redis's three warnings, every client up to it served, and
// the next one refused with an error at once (not left hanging).
func TestBinaryMaxClientsUnderUlimit(t *testing.T) {
	bin := buildKvd(t)
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil || lim.Cur < 100 {
		if os.Getenv("CI") != "" {
			t.Fatalf("open files limit %d (%v): cannot run with 100", lim.Cur, err)
		}
		t.Skipf("open files limit %d (%v): cannot run with 100", lim.Cur, err)
	}
	const ulimit, maxClients = 100, 100 - 32
	want := []string{
		"You requested maxclients of 10000 requiring at least 10032 max file descriptors.",
		"Server can't set maximum open files to 10032 because of OS error: Operation not permitted.",
		fmt.Sprintf("Current maximum open files is %d. maxclients has been reduced to %d to compensate for low ulimit. If you need higher maxclients increase 'ulimit -n'.", ulimit, maxClients),
	}
	servers := []struct{ name, path string }{{"kvd", bin}}
	if p, err := exec.LookPath("redis-server"); err == nil {
		servers = append(servers, struct{ name, path string }{"Redis", p})
	} else if os.Getenv("CI") != "" {
		t.Fatalf("redis-server is required in CI: %v", err)
	}
	for _, srv := range servers {
		t.Run(srv.name, func(t *testing.T) {
			dir := t.TempDir()
			addr, port := freeAddr(t)
			logFile := filepath.Join(dir, "log")
			args := []string{"-c", fmt.Sprintf(`ulimit -n %d && exec "$0" "$@"`, ulimit), srv.path,
				"--bind", "127.0.0.1", "--port", port, "--logfile", logFile, "--save", ""}
			if srv.name == "Redis" {
				args = append(args, "--dir", dir)
			}
			startProcess(t, addr, "bash", args...)
			var conns []net.Conn
			defer func() {
				for _, c := range conns {
					c.Close()
				}
			}()
			for i := 0; i <= maxClients; i++ {
				c, err := net.Dial("tcp", addr)
				if err != nil {
					t.Fatalf("connection %d: %v", i+1, err)
				}
				conns = append(conns, c)
				r := bufio.NewReader(c)
				switch {
				case i == 0:
					if got := command(t, c, r, "CONFIG", "GET", "maxclients"); got != fmt.Sprintf("maxclients %d", maxClients) {
						t.Fatalf("CONFIG GET maxclients: %q", got)
					}
				case i < maxClients:
					if got := command(t, c, r, "PING"); got != "+PONG" {
						t.Fatalf("connection %d: PING: %q", i+1, got)
					}
				default:
					c.SetDeadline(time.Now().Add(5 * time.Second))
					if got, err := r.ReadString('\n'); got != "-ERR max number of clients reached\r\n" {
						t.Fatalf("connection %d, past maxclients: %q (%v), want the error", i+1, got, err)
					}
				}
			}
			msgs := strings.Join(logMessages(t, logFile), "\n")
			if !strings.Contains(msgs, strings.Join(want, "\n")) {
				t.Errorf("log:\n%s\nlacks:\n%s", msgs, strings.Join(want, "\n"))
			}
		})
	}
}

// TestBinaryPprofProtected runs kvd with pprof-addr: an address that is
// not a loopback one is refused at start-up unless pprof-allow-remote is
// set, and the command line the profiles serve hides the password.
func TestBinaryPprofProtected(t *testing.T) {
	bin := buildKvd(t)
	t.Run("remote refused", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_, port := freeAddr(t)
		out, err := exec.CommandContext(ctx, bin, "--bind", "127.0.0.1", "--port", port, "--pprof-addr", "0.0.0.0:0").CombinedOutput()
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() != 1 || !strings.Contains(string(out), "pprof-allow-remote yes") {
			t.Fatalf("pprof-addr 0.0.0.0:0: %v\n%s", err, out)
		}
	})
	t.Run("cmdline redacted", func(t *testing.T) {
		addr, port := freeAddr(t)
		pprofAddr, _ := freeAddr(t)
		startProcess(t, addr, bin, "--bind", "127.0.0.1", "--port", port, "--requirepass", "s3cret", "--pprof-addr", pprofAddr)
		// The port accepts once it listens; pprof starts a moment later.
		var resp *http.Response
		var err error
		waitUntil(t, func() bool {
			resp, err = http.Get("http://" + pprofAddr + "/debug/pprof/cmdline")
			return err == nil
		}, "pprof never answered")
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		want := strings.Join([]string{bin, "--bind", "127.0.0.1", "--port", port, "--requirepass", "(redacted)", "--pprof-addr", pprofAddr}, "\x00")
		if string(body) != want {
			t.Fatalf("cmdline %q, want %q", body, want)
		}
	})
	t.Run("remote allowed", func(t *testing.T) {
		addr, port := freeAddr(t)
		_, pprofPort := freeAddr(t)
		startProcess(t, addr, bin, "--bind", "127.0.0.1", "--port", port, "--pprof-addr", ":"+pprofPort, "--pprof-allow-remote", "yes")
		var resp *http.Response
		var err error
		waitUntil(t, func() bool {
			resp, err = http.Get("http://127.0.0.1:" + pprofPort + "/debug/pprof/")
			return err == nil
		}, "pprof never answered")
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET /debug/pprof/: %s", resp.Status)
		}
	})
}
