// Command fanoutbench measures Pub/Sub fan-out on two servers side by
// side: N subscribers on one channel (SUBSCRIBE) or on a pattern that
// matches it (PSUBSCRIBE), one publisher sending PUBLISH pipelined. It
// prints the messages delivered per second (received by all subscribers
// together) on each server, in alternating rounds, and the median ratio of
// the second server to the first.
//
//	fanoutbench -base 127.0.0.1:6379 -cand 127.0.0.1:6380 -n 1,100,1000 -mode channel,pattern
//
// The publisher keeps at most -window messages per subscriber in flight
// (published but not yet received by everyone), so that the measure is
// the rate a server sustains, not how fast it can fill output buffers
// until the pubsub output limit disconnects subscribers.
//
// scripts/bench-fanout.sh starts a redis-server and a kvd and runs it.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

func main() {
	base := flag.String("base", "", "address of the reference server (redis-server)")
	cand := flag.String("cand", "", "address of the candidate server (kvd)")
	ns := flag.String("n", "1,100,1000", "comma-separated numbers of subscribers")
	modes := flag.String("mode", "channel,pattern", "channel, pattern or both, comma-separated")
	dur := flag.Duration("d", 3*time.Second, "measured time per round and server")
	rounds := flag.Int("rounds", 3, "rounds per case (the servers alternate within each)")
	size := flag.Int("size", 32, "message size in bytes")
	pipeline := flag.Int("P", 32, "PUBLISH commands the publisher pipelines")
	window := flag.Int("window", 256, "messages per subscriber the publisher may be ahead of delivery")
	flag.Parse()
	if *base == "" || *cand == "" {
		fmt.Fprintln(os.Stderr, "fanoutbench: -base and -cand are required")
		os.Exit(2)
	}
	for _, mode := range strings.Split(*modes, ",") {
		if mode != "channel" && mode != "pattern" {
			fmt.Fprintf(os.Stderr, "fanoutbench: bad mode %q\n", mode)
			os.Exit(2)
		}
		for _, f := range strings.Split(*ns, ",") {
			n, err := strconv.Atoi(strings.TrimSpace(f))
			if err != nil || n < 1 {
				fmt.Fprintf(os.Stderr, "fanoutbench: bad N %q\n", f)
				os.Exit(2)
			}
			cfg := config{n: n, pattern: mode == "pattern", size: *size, pipeline: *pipeline, window: *window, d: *dur}
			var rb, rc, ratios []float64
			for r := 0; r < *rounds; r++ {
				order := []string{*base, *cand}
				if r%2 == 1 {
					order = []string{*cand, *base}
				}
				res := map[string]float64{}
				for _, addr := range order {
					v, err := run(addr, cfg)
					if err != nil {
						fmt.Fprintf(os.Stderr, "fanoutbench: %s: %v\n", addr, err)
						os.Exit(1)
					}
					res[addr] = v
				}
				rb, rc = append(rb, res[*base]), append(rc, res[*cand])
				ratios = append(ratios, res[*cand]/res[*base])
			}
			fmt.Printf("%-7s N=%-5d base %11.0f msg/s   cand %11.0f msg/s   ratio %.2f\n",
				mode, n, median(rb), median(rc), median(ratios))
		}
	}
}

type config struct {
	n        int
	pattern  bool
	size     int
	pipeline int
	window   int
	d        time.Duration
}

func median(v []float64) float64 {
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func encode(b []byte, args ...string) []byte {
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

func bulk(s string) string { return "$" + strconv.Itoa(len(s)) + "\r\n" + s + "\r\n" }

// run measures one server and returns the messages delivered per second.
func run(addr string, cfg config) (float64, error) {
	const channel = "fanoutbench:ch"
	msg := strings.Repeat("m", cfg.size)
	// Every message a subscriber gets has the same size, so a reader only
	// counts bytes.
	var frame, confirm string
	var sub []byte
	if cfg.pattern {
		const pat = "fanoutbench:*"
		frame = "*4\r\n" + bulk("pmessage") + bulk(pat) + bulk(channel) + bulk(msg)
		confirm = "*3\r\n" + bulk("psubscribe") + bulk(pat) + ":1\r\n"
		sub = encode(nil, "PSUBSCRIBE", pat)
	} else {
		frame = "*3\r\n" + bulk("message") + bulk(channel) + bulk(msg)
		confirm = "*3\r\n" + bulk("subscribe") + bulk(channel) + ":1\r\n"
		sub = encode(nil, "SUBSCRIBE", channel)
	}
	var received atomic.Int64 // bytes of messages, all subscribers together
	var conns []net.Conn
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	errc := make(chan error, cfg.n+1)
	for i := 0; i < cfg.n; i++ {
		nc, err := net.DialTimeout("tcp", addr, 5*time.Second)
		if err != nil {
			return 0, fmt.Errorf("dial: %w", err)
		}
		conns = append(conns, nc)
		if _, err := nc.Write(sub); err != nil {
			return 0, err
		}
		r := bufio.NewReaderSize(nc, 64<<10)
		got := make([]byte, len(confirm))
		if _, err := io.ReadFull(r, got); err != nil || string(got) != confirm {
			return 0, fmt.Errorf("subscribing: %q %v", got, err)
		}
		go func() {
			buf := make([]byte, 64<<10)
			for {
				k, err := r.Read(buf)
				received.Add(int64(k))
				if err != nil {
					return
				}
			}
		}()
	}
	pub, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return 0, fmt.Errorf("dial: %w", err)
	}
	conns = append(conns, pub)
	var batch []byte
	for i := 0; i < cfg.pipeline; i++ {
		batch = encode(batch, "PUBLISH", channel, msg)
	}
	want := ":" + strconv.Itoa(cfg.n) + "\r\n"
	var published atomic.Int64
	var stop atomic.Bool
	pr := bufio.NewReaderSize(pub, 64<<10)
	flen := int64(len(frame))
	go func() {
		for !stop.Load() {
			// Flow control: wait while subscribers lag by over a window.
			for !stop.Load() && published.Load()*int64(cfg.n)-received.Load()/flen > int64(cfg.window*cfg.n) {
				time.Sleep(50 * time.Microsecond)
			}
			if _, err := pub.Write(batch); err != nil {
				errc <- err
				return
			}
			for i := 0; i < cfg.pipeline; i++ {
				line, err := pr.ReadString('\n')
				if err != nil {
					errc <- err
					return
				}
				if line != want {
					errc <- fmt.Errorf("PUBLISH answered %q, not %q (a subscriber was dropped?)", line, want)
					stop.Store(true)
					return
				}
			}
			published.Add(int64(cfg.pipeline))
		}
	}()
	time.Sleep(cfg.d / 5) // warm up
	start, from := time.Now(), received.Load()
	time.Sleep(cfg.d)
	got, elapsed := received.Load()-from, time.Since(start)
	stop.Store(true)
	select {
	case err := <-errc:
		return 0, err
	default:
	}
	return float64(got/flen) / elapsed.Seconds(), nil
}
