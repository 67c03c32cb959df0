// Command loadgen sends a workload redis-benchmark cannot express to a
// Redis-compatible server and reports it the way redis-benchmark --csv
// does (requests per second and latency percentiles, in milliseconds), so
// that scripts/compare.sh can run it beside redis-benchmark's workloads.
//
// Workloads (-t):
//
//	tx   MULTI; SET key:<n> value; INCR counter:<client>; EXEC — one
//	     transaction is one request; -P transactions are pipelined
//	xreadgroup
//	     a consumer-group worker: XREADGROUP GROUP g c<client> COUNT 1
//	     STREAMS loadgen:stream >, then XACK of the entry it got — one pair
//	     is one request (-P is ignored); the stream is first filled with
//	     -n entries of two small fields and the group created
//
// Usage: loadgen -p 6379 -t tx -c 50 -P 1 -n 100000 [--csv]
package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

func main() {
	host := flag.String("h", "127.0.0.1", "server host")
	port := flag.Int("p", 6379, "server port")
	test := flag.String("t", "tx", "workload: tx")
	clients := flag.Int("c", 50, "connections")
	pipeline := flag.Int("P", 1, "requests pipelined per round trip")
	total := flag.Int("n", 100000, "requests in all")
	keyspace := flag.Int("r", 100000, "keys used")
	csv := flag.Bool("csv", false, "print redis-benchmark's CSV")
	flag.Parse()
	if *test != "tx" && *test != "xreadgroup" {
		fmt.Fprintf(os.Stderr, "loadgen: unknown workload %q\n", *test)
		os.Exit(2)
	}
	addr := net.JoinHostPort(*host, strconv.Itoa(*port))
	var res *result
	var err error
	if *test == "xreadgroup" {
		res, err = runReadGroup(addr, *clients, *total)
	} else {
		res, err = run(addr, *clients, *pipeline, *total, *keyspace)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "loadgen:", err)
		os.Exit(1)
	}
	rps := float64(res.requests) / res.elapsed.Seconds()
	p := func(q float64) float64 {
		if len(res.lat) == 0 {
			return 0
		}
		return float64(res.lat[int(q*float64(len(res.lat)-1))].Microseconds()) / 1000
	}
	if *csv {
		fmt.Println(`"test","rps","avg_latency_ms","min_latency_ms","p50_latency_ms","p95_latency_ms","p99_latency_ms","max_latency_ms"`)
		fmt.Printf("\"%s\",\"%.2f\",\"%.3f\",\"%.3f\",\"%.3f\",\"%.3f\",\"%.3f\",\"%.3f\"\n",
			label(*test), rps, res.avg(), p(0), p(0.5), p(0.95), p(0.99), p(1))
		return
	}
	fmt.Printf("%s: %.0f transactions/s, p50 %.3f ms, p99 %.3f ms\n", *test, rps, p(0.5), p(0.99))
}

type result struct {
	requests int64
	elapsed  time.Duration
	lat      []time.Duration // per round trip, sorted
}

func (r *result) avg() float64 {
	var sum time.Duration
	for _, d := range r.lat {
		sum += d
	}
	if len(r.lat) == 0 {
		return 0
	}
	return float64(sum.Microseconds()) / float64(len(r.lat)) / 1000
}

// run drives clients connections until total transactions are done.
func run(addr string, clients, pipeline, total, keyspace int) (*result, error) {
	var left atomic.Int64
	left.Store(int64(total))
	var wg sync.WaitGroup
	var mu sync.Mutex
	res := &result{}
	errc := make(chan error, clients)
	conns := make([]net.Conn, clients)
	for i := range conns {
		nc, err := net.Dial("tcp", addr)
		if err != nil {
			return nil, err
		}
		defer nc.Close()
		conns[i] = nc
	}
	start := time.Now()
	for i, nc := range conns {
		wg.Add(1)
		go func(id int, nc net.Conn) {
			defer wg.Done()
			var lats []time.Duration
			r := bufio.NewReaderSize(nc, 64<<10)
			var req []byte
			n := id
			for {
				batch := int64(pipeline)
				if left.Add(-batch) < 0 {
					left.Add(batch)
					batch = min(batch, left.Swap(0))
					if batch <= 0 {
						break
					}
				}
				req = req[:0]
				for j := int64(0); j < batch; j++ {
					n = (n*1103515245 + 12345) & 0x7fffffff
					req = appendCmd(req, "MULTI")
					req = appendCmd(req, "SET", "key:"+strconv.Itoa(n%keyspace), "xxxxxxxxxxxxxxxx")
					req = appendCmd(req, "INCR", "counter:"+strconv.Itoa(id))
					req = appendCmd(req, "EXEC")
				}
				t0 := time.Now()
				if _, err := nc.Write(req); err != nil {
					errc <- err
					return
				}
				for j := int64(0); j < batch*4; j++ {
					if err := skipReply(r); err != nil {
						errc <- err
						return
					}
				}
				lats = append(lats, time.Since(t0))
			}
			mu.Lock()
			res.lat = append(res.lat, lats...)
			mu.Unlock()
		}(i, nc)
	}
	wg.Wait()
	res.elapsed = time.Since(start)
	res.requests = int64(total)
	select {
	case err := <-errc:
		return nil, err
	default:
	}
	slices.Sort(res.lat)
	return res, nil
}

func appendCmd(b []byte, args ...string) []byte {
	b = append(b, '*')
	b = strconv.AppendInt(b, int64(len(args)), 10)
	b = append(b, "\r\n"...)
	for _, a := range args {
		b = append(b, '$')
		b = strconv.AppendInt(b, int64(len(a)), 10)
		b = append(b, "\r\n"...)
		b = append(b, a...)
		b = append(b, "\r\n"...)
	}
	return b
}

// skipReply reads one RESP2 reply; an error reply is an error.
func skipReply(r *bufio.Reader) error {
	line, err := r.ReadSlice('\n')
	if err != nil {
		return err
	}
	if len(line) < 3 {
		return errors.New("short reply line")
	}
	switch line[0] {
	case '-':
		return fmt.Errorf("error reply: %s", line[1:len(line)-2])
	case '+', ':':
		return nil
	case '$':
		n, err := strconv.Atoi(string(line[1 : len(line)-2]))
		if err != nil || n < 0 {
			return err
		}
		_, err = r.Discard(n + 2)
		return err
	case '*':
		n, err := strconv.Atoi(string(line[1 : len(line)-2]))
		if err != nil {
			return err
		}
		for i := 0; i < n; i++ {
			if err := skipReply(r); err != nil {
				return err
			}
		}
		return nil
	}
	return fmt.Errorf("unexpected reply %q", line)
}

func label(test string) string {
	if test == "xreadgroup" {
		return "XREADGROUP XACK"
	}
	return "MULTI SET INCR EXEC"
}

// runReadGroup fills a stream with total entries, then has clients
// consume them in one group, acknowledging each.
func runReadGroup(addr string, clients, total int) (*result, error) {
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		return nil, err
	}
	r := bufio.NewReaderSize(nc, 64<<10)
	var req []byte
	req = appendCmd(req, "DEL", "loadgen:stream")
	req = appendCmd(req, "XGROUP", "CREATE", "loadgen:stream", "g", "$", "MKSTREAM")
	replies := 2
	for i := 0; i < total; i++ {
		req = appendCmd(req, "XADD", "loadgen:stream", "*", "f1", "v1", "f2", strconv.Itoa(i))
		replies++
		if i%1000 == 999 || i == total-1 {
			if _, err := nc.Write(req); err != nil {
				return nil, err
			}
			for ; replies > 0; replies-- {
				if err := skipReply(r); err != nil {
					return nil, err
				}
			}
			req = req[:0]
		}
	}
	nc.Close()
	var left atomic.Int64
	left.Store(int64(total))
	var wg sync.WaitGroup
	var mu sync.Mutex
	res := &result{}
	errc := make(chan error, clients)
	conns := make([]net.Conn, clients)
	for i := range conns {
		nc, err := net.Dial("tcp", addr)
		if err != nil {
			return nil, err
		}
		defer nc.Close()
		conns[i] = nc
	}
	start := time.Now()
	for i, nc := range conns {
		wg.Add(1)
		go func(id int, nc net.Conn) {
			defer wg.Done()
			var lats []time.Duration
			r := bufio.NewReaderSize(nc, 64<<10)
			read := appendCmd(nil, "XREADGROUP", "GROUP", "g", "c"+strconv.Itoa(id), "COUNT", "1", "STREAMS", "loadgen:stream", ">")
			var ack []byte
			for left.Add(-1) >= 0 {
				t0 := time.Now()
				if _, err := nc.Write(read); err != nil {
					errc <- err
					return
				}
				bulks, err := readBulks(r, nil)
				if err != nil || len(bulks) < 2 {
					errc <- fmt.Errorf("XREADGROUP: %v %q", err, bulks)
					return
				}
				ack = appendCmd(ack[:0], "XACK", "loadgen:stream", "g", bulks[1])
				if _, err := nc.Write(ack); err != nil {
					errc <- err
					return
				}
				if err := skipReply(r); err != nil {
					errc <- err
					return
				}
				lats = append(lats, time.Since(t0))
			}
			mu.Lock()
			res.lat = append(res.lat, lats...)
			mu.Unlock()
		}(i, nc)
	}
	wg.Wait()
	res.elapsed = time.Since(start)
	res.requests = int64(total)
	select {
	case err := <-errc:
		return nil, err
	default:
	}
	slices.Sort(res.lat)
	return res, nil
}

// readBulks reads one RESP2 reply and appends its bulk strings, in order.
func readBulks(r *bufio.Reader, out []string) ([]string, error) {
	line, err := r.ReadSlice('\n')
	if err != nil {
		return out, err
	}
	if len(line) < 3 {
		return out, errors.New("short reply line")
	}
	switch line[0] {
	case '-':
		return out, fmt.Errorf("error reply: %s", line[1:len(line)-2])
	case '$':
		n, err := strconv.Atoi(string(line[1 : len(line)-2]))
		if err != nil || n < 0 {
			return out, err
		}
		b := make([]byte, n+2)
		if _, err := io.ReadFull(r, b); err != nil {
			return out, err
		}
		return append(out, string(b[:n])), nil
	case '*':
		n, err := strconv.Atoi(string(line[1 : len(line)-2]))
		if err != nil {
			return out, err
		}
		for i := 0; i < n; i++ {
			if out, err = readBulks(r, out); err != nil {
				return out, err
			}
		}
	}
	return out, nil
}
