// Command queuebench measures a job queue on two servers side by side: N
// producers LPUSH messages onto shared lists while N consumers take them
// with BRPOP, each connection with one request in flight. It prints the
// messages consumed per second on each server, in alternating rounds, and
// the median ratio of the second server to the first.
//
//	queuebench -base 127.0.0.1:6379 -cand 127.0.0.1:6380 -n 1,50 -d 3s -rounds 3
//
// scripts/bench-queue.sh starts a redis-server and a kvd and runs it.
package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

func main() {
	base := flag.String("base", "", "address of the reference server (redis-server)")
	cand := flag.String("cand", "", "address of the candidate server (kvd)")
	ns := flag.String("n", "1,50", "comma-separated numbers of producers (and as many consumers)")
	lists := flag.Int("lists", 1, "number of lists the producers spread messages over")
	dur := flag.Duration("d", 3*time.Second, "measured time per round and server")
	rounds := flag.Int("rounds", 3, "rounds per N (the servers alternate within each)")
	size := flag.Int("size", 16, "message size in bytes")
	flag.Parse()
	if *base == "" || *cand == "" {
		fmt.Fprintln(os.Stderr, "queuebench: -base and -cand are required")
		os.Exit(2)
	}
	for _, f := range strings.Split(*ns, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			fmt.Fprintf(os.Stderr, "queuebench: bad N %q\n", f)
			os.Exit(2)
		}
		var rb, rc, ratios []float64
		for r := 0; r < *rounds; r++ {
			order := []string{*base, *cand}
			if r%2 == 1 {
				order = []string{*cand, *base}
			}
			res := map[string]float64{}
			for _, addr := range order {
				v, err := run(addr, n, *lists, *size, *dur)
				if err != nil {
					fmt.Fprintf(os.Stderr, "queuebench: %s: %v\n", addr, err)
					os.Exit(1)
				}
				res[addr] = v
			}
			rb, rc = append(rb, res[*base]), append(rc, res[*cand])
			ratios = append(ratios, res[*cand]/res[*base])
		}
		fmt.Printf("N=%-4d lists=%-3d base %10.0f msg/s   cand %10.0f msg/s   ratio %.2f\n",
			n, *lists, median(rb), median(rc), median(ratios))
	}
}

func median(v []float64) float64 {
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// client is a minimal RESP connection with one request in flight.
type client struct {
	nc net.Conn
	r  *bufio.Reader
	w  *bufio.Writer
}

func dial(addr string) (*client, error) {
	nc, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return nil, fmt.Errorf("dial: %w", err)
	}
	return &client{nc: nc, r: bufio.NewReader(nc), w: bufio.NewWriter(nc)}, nil
}

func (c *client) do(args ...string) (string, error) {
	fmt.Fprintf(c.w, "*%d\r\n", len(args))
	for _, a := range args {
		fmt.Fprintf(c.w, "$%d\r\n%s\r\n", len(a), a)
	}
	if err := c.w.Flush(); err != nil {
		return "", fmt.Errorf("write: %w", err)
	}
	return c.reply()
}

// reply reads one reply; arrays are flattened into their last bulk
// string, which is all BRPOP's reply needs.
func (c *client) reply() (string, error) {
	line, err := c.r.ReadString('\n')
	if err != nil {
		return "", fmt.Errorf("read: %w", err)
	}
	line = strings.TrimSuffix(line, "\r\n")
	if line == "" {
		return "", errors.New("empty reply line")
	}
	switch line[0] {
	case '+', ':':
		return line[1:], nil
	case '-':
		return "", errors.New(line[1:])
	case '$':
		n, _ := strconv.Atoi(line[1:])
		if n < 0 {
			return "", nil
		}
		b := make([]byte, n+2)
		if _, err := io.ReadFull(c.r, b); err != nil {
			return "", fmt.Errorf("read: %w", err)
		}
		return string(b[:n]), nil
	case '*':
		n, _ := strconv.Atoi(line[1:])
		var last string
		for i := 0; i < n; i++ {
			if last, err = c.reply(); err != nil {
				return "", err
			}
		}
		return last, nil
	}
	return "", fmt.Errorf("unexpected reply %q", line)
}

// run measures one server: n producers and n consumers for d, after the
// lists are emptied; it returns the messages consumed per second.
func run(addr string, n, lists, size int, d time.Duration) (float64, error) {
	ctl, err := dial(addr)
	if err != nil {
		return 0, err
	}
	defer ctl.nc.Close()
	keys := make([]string, lists)
	for i := range keys {
		keys[i] = "queuebench:" + strconv.Itoa(i)
	}
	if _, err := ctl.do(append([]string{"DEL"}, keys...)...); err != nil {
		return 0, err
	}
	msg := strings.Repeat("m", size)
	var consumed atomic.Int64
	var stop atomic.Bool
	var wg sync.WaitGroup
	errc := make(chan error, 2*n)
	conns := make([]*client, 0, 2*n)
	for i := 0; i < 2*n; i++ {
		c, err := dial(addr)
		if err != nil {
			return 0, err
		}
		conns = append(conns, c)
	}
	defer func() {
		for _, c := range conns {
			c.nc.Close()
		}
	}()
	brpop := append(append([]string{"BRPOP"}, keys...), "1")
	for i := 0; i < n; i++ {
		cons, prod := conns[i], conns[n+i]
		wg.Add(2)
		go func() {
			defer wg.Done()
			for !stop.Load() {
				v, err := cons.do(brpop...)
				if err != nil {
					errc <- fmt.Errorf("BRPOP: %w", err)
					return
				}
				if v != "" {
					consumed.Add(1)
				}
			}
		}()
		key := keys[i%lists]
		go func() {
			defer wg.Done()
			for !stop.Load() {
				if _, err := prod.do("LPUSH", key, msg); err != nil {
					errc <- fmt.Errorf("LPUSH: %w", err)
					return
				}
			}
		}()
	}
	time.Sleep(d / 10) // warm up
	start, from := time.Now(), consumed.Load()
	time.Sleep(d)
	got, elapsed := consumed.Load()-from, time.Since(start)
	stop.Store(true)
	wg.Wait()
	close(errc)
	for err := range errc {
		return 0, err
	}
	if _, err := ctl.do(append([]string{"DEL"}, keys...)...); err != nil {
		return 0, err
	}
	return float64(got) / elapsed.Seconds(), nil
}
