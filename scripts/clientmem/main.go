// Command clientmem measures the memory client buffers cost a server: it
// runs the scenarios of issue 13 item 3 against kvd and redis-server, one
// fresh server at a time, and prints each server's peak resident set
// (VmHWM) and its resident set after the clients are gone, with kvd/Redis
// ratios. scripts/client-memory.sh builds kvd and runs it.
//
// Scenarios (-only picks some, comma-separated; -scale shrinks them all):
//
//	short-lived  a 100 KB value fetched 50 times, pipelined, by each of 300
//	             clients that connect at once, read their replies and leave
//	slow-reader  1 GB of replies (GETs of a 1 MB value) piled up for a client
//	             that reads nothing, then disconnects
//	big-request  one request with a 512 MB argument (EXISTS), then disconnect
//	pending-mbulk a multibulk request that never completes, 200 MB of "$0"
//	             arguments sent, then disconnect
package main

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"time"
)

type scenario struct {
	name string
	run  func(addr string, scale float64) error
}

var scenarios = []scenario{
	{"short-lived", shortLived},
	{"slow-reader", slowReader},
	{"big-request", bigRequest},
	{"pending-mbulk", pendingMultibulk},
}

func main() {
	kvd := flag.String("kvd", "", "path to the kvd binary")
	redis := flag.String("redis", "redis-server", "path to redis-server")
	only := flag.String("only", "", "comma-separated scenarios to run (default all)")
	scale := flag.Float64("scale", 1, "scale every scenario's sizes by this factor")
	settle := flag.Duration("settle", 2*time.Second, "how long after the clients leave to read the resident set")
	kvdArgs := flag.String("kvd-args", "", "extra kvd arguments, space-separated")
	flag.Parse()
	if *kvd == "" {
		fmt.Fprintln(os.Stderr, "clientmem: -kvd is required")
		os.Exit(2)
	}
	fmt.Printf("%-14s %-6s %10s %10s %10s %8s\n", "scenario", "server", "start MB", "peak MB", "after MB", "run s")
	failed := false
	for _, sc := range scenarios {
		if *only != "" && !contains(strings.Split(*only, ","), sc.name) {
			continue
		}
		var res [2]result
		for i, srv := range []struct{ name, bin, args string }{{"redis", *redis, ""}, {"kvd", *kvd, *kvdArgs}} {
			r, err := measure(srv.bin, srv.name == "redis", strings.Fields(srv.args), sc, *scale, *settle)
			if err != nil {
				fmt.Fprintf(os.Stderr, "clientmem: %s on %s: %v\n", sc.name, srv.name, err)
				failed = true
			}
			res[i] = r
			fmt.Printf("%-14s %-6s %10.1f %10.1f %10.1f %8.2f\n", sc.name, srv.name, mb(r.start), mb(r.peak), mb(r.after), r.took.Seconds())
		}
		fmt.Printf("%-14s %-6s %10s %10.2f %10.2f\n", sc.name, "ratio", "", ratio(res[1].peak, res[0].peak), ratio(res[1].after, res[0].after))
	}
	if failed {
		os.Exit(1)
	}
}

type result struct {
	start, peak, after int64         // resident set sizes
	took               time.Duration // the scenario's run time
}

// measure starts a fresh server, runs the scenario against it and reads its
// resident set before, at its peak and settle after the scenario ended,
// and how long the scenario took (for the slow reader and the pending
// request, that includes waiting a second for the server to go quiet).
func measure(bin string, redis bool, extra []string, sc scenario, scale float64, settle time.Duration) (result, error) {
	port, err := freePort()
	if err != nil {
		return result{}, err
	}
	dir, err := os.MkdirTemp("", "clientmem")
	if err != nil {
		return result{}, err
	}
	defer os.RemoveAll(dir)
	args := []string{"--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--logfile", dir + "/log"}
	if redis {
		args = append(args, "--save", "", "--appendonly", "no", "--dir", dir)
	}
	args = append(args, extra...)
	cmd := exec.Command(bin, args...)
	if err := cmd.Start(); err != nil {
		return result{}, fmt.Errorf("starting %s: %w", bin, err)
	}
	defer func() {
		cmd.Process.Kill()
		cmd.Wait()
	}()
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	if err := waitPong(addr); err != nil {
		return result{}, err
	}
	pid := cmd.Process.Pid
	var r result
	r.start = status(pid, "VmRSS")
	t0 := time.Now()
	err = sc.run(addr, scale)
	r.took = time.Since(t0)
	time.Sleep(settle)
	r.peak, r.after = status(pid, "VmHWM"), status(pid, "VmRSS")
	return r, err
}

// status reads a size field (in kB) of /proc/PID/status, in bytes.
func status(pid int, field string) int64 {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, field+":"); ok {
			n, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return n << 10
		}
	}
	return 0
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

func waitPong(addr string) error {
	for i := 0; i < 100; i++ {
		if c, err := dial(addr); err == nil {
			reply, err := c.do("PING")
			c.Close()
			if err == nil && reply == "+PONG\r\n" {
				return nil
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("no PONG from %s", addr)
}

// ---- scenarios ----

func shortLived(addr string, scale float64) error {
	clients, gets := scaled(300, scale), 50
	if err := setValue(addr, 100<<10); err != nil {
		return err
	}
	req := bytes.Repeat(encode("GET", "v"), gets)
	var wg sync.WaitGroup
	errs := make(chan error, clients)
	for i := 0; i < clients; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := dial(addr)
			if err != nil {
				errs <- err
				return
			}
			defer c.Close()
			if _, err := c.Write(req); err != nil {
				errs <- err
				return
			}
			for j := 0; j < gets; j++ {
				if _, err := c.reply(); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	return <-errs
}

func slowReader(addr string, scale float64) error {
	gets := scaled(1024, scale)
	if err := setValue(addr, 1<<20); err != nil {
		return err
	}
	c, err := dial(addr)
	if err != nil {
		return err
	}
	defer c.Close()
	if tcp, ok := c.Conn.(*net.TCPConn); ok {
		tcp.SetReadBuffer(4096)
	}
	if _, err := c.Write(bytes.Repeat(encode("GET", "v"), gets)); err != nil {
		return err
	}
	// Wait for the server to answer every GET.
	return waitQuiet(addr)
}

func bigRequest(addr string, scale float64) error {
	n := scaled(512<<20, scale)
	c, err := dial(addr)
	if err != nil {
		return err
	}
	defer c.Close()
	fmt.Fprintf(c, "*2\r\n$6\r\nEXISTS\r\n$%d\r\n", n)
	chunk := bytes.Repeat([]byte{'k'}, 1<<20)
	for left := n; left > 0; left -= len(chunk) {
		if _, err := c.Write(chunk[:min(left, len(chunk))]); err != nil {
			return err
		}
	}
	c.Write([]byte("\r\n"))
	reply, err := c.reply()
	if err == nil && reply != ":0\r\n" {
		err = fmt.Errorf("EXISTS: %q", reply)
	}
	return err
}

func pendingMultibulk(addr string, scale float64) error {
	args := scaled(200<<20, scale) / 6
	c, err := dial(addr)
	if err != nil {
		return err
	}
	defer c.Close()
	fmt.Fprintf(c, "*%d\r\n", args+1) // one more than will be sent
	chunk := bytes.Repeat([]byte("$0\r\n\r\n"), 1<<16)
	per := 1 << 16
	for left := args; left > 0; left -= per {
		if _, err := c.Write(chunk[:6*min(left, per)]); err != nil {
			return err
		}
	}
	// Let the server read and parse everything.
	return waitQuiet(addr)
}

// waitQuiet waits until the server has processed what was sent: it polls
// CLIENT LIST until the other client's buffers stay the same for a second
// (a minute at most).
func waitQuiet(addr string) error {
	c, err := dial(addr)
	if err != nil {
		return err
	}
	defer c.Close()
	var last string
	same := 0
	for i := 0; i < 600 && same < 10; i++ {
		time.Sleep(100 * time.Millisecond)
		list, err := c.do("CLIENT", "LIST")
		if err != nil {
			return err
		}
		// qbuf, omem and tot-mem of the other client, ignoring ages.
		var key []string
		for _, f := range strings.Fields(list) {
			if strings.HasPrefix(f, "qbuf=") || strings.HasPrefix(f, "omem=") || strings.HasPrefix(f, "tot-mem=") || strings.HasPrefix(f, "cmd=") {
				key = append(key, f)
			}
		}
		if k := strings.Join(key, " "); k == last {
			same++
		} else {
			last, same = k, 0
		}
	}
	return nil
}

func setValue(addr string, size int) error {
	c, err := dial(addr)
	if err != nil {
		return err
	}
	defer c.Close()
	reply, err := c.do("SET", "v", strings.Repeat("x", size))
	if err == nil && reply != "+OK\r\n" {
		err = fmt.Errorf("SET: %q", reply)
	}
	return err
}

// ---- a minimal RESP client ----

type conn struct {
	net.Conn
	r *bufio.Reader
}

func dial(addr string) (*conn, error) {
	nc, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return nil, err
	}
	return &conn{Conn: nc, r: bufio.NewReaderSize(nc, 1<<20)}, nil
}

func (c *conn) do(args ...string) (string, error) {
	if _, err := c.Write(encode(args...)); err != nil {
		return "", err
	}
	return c.reply()
}

// reply reads one reply (a status, error, integer or bulk string) whole.
func (c *conn) reply() (string, error) {
	line, err := c.r.ReadString('\n')
	if err != nil {
		return "", err
	}
	if line[0] != '$' {
		return line, nil
	}
	n, err := strconv.Atoi(strings.TrimSpace(line[1:]))
	if err != nil || n < 0 {
		return line, err
	}
	if _, err := io.CopyN(io.Discard, c.r, int64(n)+2); err != nil {
		return "", err
	}
	return line, nil
}

func encode(args ...string) []byte {
	b := fmt.Appendf(nil, "*%d\r\n", len(args))
	for _, a := range args {
		b = fmt.Appendf(b, "$%d\r\n%s\r\n", len(a), a)
	}
	return b
}

func scaled(n int, scale float64) int { return max(1, int(float64(n)*scale)) }

func mb(n int64) float64 { return float64(n) / (1 << 20) }

func ratio(a, b int64) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
