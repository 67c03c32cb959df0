package kvdtest_test

import (
	"bufio"
	"fmt"
	"net"
	"slices"
	"testing"
	"time"

	"github.com/kvdserver/kvd/kvdtest"
)

// BenchmarkStartStop measures what a test pays for its server: from Run to
// the first PONG on a new connection, and Close. It reports the medians
// (start-ms, close-ms) besides the mean of the whole cycle.
func BenchmarkStartStop(b *testing.B) {
	var starts, closes []time.Duration
	for b.Loop() {
		t0 := time.Now()
		s, err := kvdtest.Run()
		if err != nil {
			b.Fatal(err)
		}
		conn, err := net.Dial("tcp", s.Addr())
		if err != nil {
			b.Fatal(err)
		}
		fmt.Fprint(conn, "PING\r\n")
		if line, err := bufio.NewReader(conn).ReadString('\n'); err != nil || line != "+PONG\r\n" {
			b.Fatalf("PING: %q %v", line, err)
		}
		t1 := time.Now()
		conn.Close()
		s.Close()
		starts = append(starts, t1.Sub(t0))
		closes = append(closes, time.Since(t1))
	}
	b.ReportMetric(median(starts), "start-ms")
	b.ReportMetric(median(closes), "close-ms")
}

func median(d []time.Duration) float64 {
	slices.Sort(d)
	return float64(d[len(d)/2]) / float64(time.Millisecond)
}

// BenchmarkHelperSetGet measures a direct helper round trip (Set then Get
// on the server's loop).
func BenchmarkHelperSetGet(b *testing.B) {
	s := kvdtest.RunT(b)
	for b.Loop() {
		s.Set("k", "v")
		s.Get("k")
	}
}
