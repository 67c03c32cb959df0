package server

import (
	"fmt"
	"math"
	"runtime"
	"testing"
	"time"
)

// TestBufPoolPolicy: the pool keeps buffers of its classes up to each
// class's count, never a buffer bigger than its largest class, and counts
// the bytes of every buffer bigger than a standard one that it drops.
func TestBufPoolPolicy(t *testing.T) {
	largest := bufClasses[len(bufClasses)-1]
	cases := []struct {
		name    string
		put     []int // capacities handed to putBuf, in order
		kept    int   // buffers in the pool afterwards
		dropped int   // bytes counted as dropped
	}{
		{"standard buffer", []int{ioBufSize}, 1, 0},
		{"small odd buffer", []int{100}, 0, 0},
		{"odd buffer over 16 KB", []int{ioBufSize + 1}, 0, ioBufSize + 1},
		{"largest class", []int{largest.size}, 1, 0},
		{"bigger than every class", []int{4 * largest.size}, 0, 4 * largest.size},
		{"a class overfull", repeat(largest.size, largest.keep+3), largest.keep, 3 * largest.size},
		{"512 MB", []int{512 << 20}, 0, 512 << 20},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := testClient(t, nil).srv
			s.releaseThreshold = math.MaxInt // counted, never released
			for _, n := range tc.put {
				s.putBuf(make([]byte, 0, n))
			}
			kept := 0
			for _, class := range s.bufPool.classes {
				kept += len(class)
				for _, b := range class {
					if cap(b) > largest.size {
						t.Errorf("pool keeps a buffer of %d bytes", cap(b))
					}
				}
			}
			// A huge buffer hands what was counted to the release at once.
			if dropped := s.bufPool.dropped + s.dropped; kept != tc.kept || dropped != tc.dropped {
				t.Errorf("kept %d, counted %d bytes dropped; want %d and %d", kept, dropped, tc.kept, tc.dropped)
			}
		})
	}
}

func repeat(n, times int) []int {
	out := make([]int, times)
	for i := range out {
		out[i] = n
	}
	return out
}

// TestTakeDropped: dropped buffers are handed to a release once they are
// a releaseShare of the heap, and counted again from zero after.
func TestTakeDropped(t *testing.T) {
	cases := []struct {
		dropped int
		heap    uint64
		want    int
	}{
		{0, 0, 0},
		{1 << 20, 0, 1 << 20},
		{1 << 20, 8 << 20, 1 << 20},
		{1 << 20, 8<<20 + releaseShare, 0},
		{100 << 20, 10 << 30, 0},
		{2 << 30, 10 << 30, 2 << 30},
	}
	for _, tc := range cases {
		p := bufPool{dropped: tc.dropped}
		got := p.takeDropped(tc.heap)
		if left := tc.dropped - got; got != tc.want || p.dropped != left {
			t.Errorf("dropped %d, heap %d: took %d leaving %d; want %d", tc.dropped, tc.heap, got, p.dropped, tc.want)
		}
	}
}

// TestQueryBufCap: the query buffer doubles, except that a big bulk
// argument gets a buffer of its exact size once a sixteenth of it is there,
// and never more than twice what has arrived before.
func TestQueryBufCap(t *testing.T) {
	const big = 512 << 20
	cases := []struct {
		name             string
		live, have, need int
		want             int
	}{
		{"first read", 0, 100, 0, ioBufSize},
		{"doubling", 20000, 20100, 0, 40000},
		{"more than double arrives", 20000, 70000, 0, 70000},
		{"small need", 20000, 20100, 30000, 40000},
		{"header of a big argument", 30, 40, big + 40, ioBufSize},
		{"an eighth of a megabyte of it", 100 << 10, 128 << 10, big + 40, 256 << 10},
		{"just under a sixteenth", 16 << 20, big/16 - 1, big + 40, 2 * (big/16 - 1)},
		{"a sixteenth", 16 << 20, (big + 40 + 15) / 16, big + 40, big + 40},
		{"half", 16 << 20, big / 2, big + 40, big + 40},
	}
	for _, tc := range cases {
		if got := queryBufCap(tc.live, tc.have, tc.need); got != tc.want {
			t.Errorf("%s: queryBufCap(%d, %d, %d) = %d, want %d", tc.name, tc.live, tc.have, tc.need, got, tc.want)
		}
	}
}

// TestQueryBufBigArgument: a 32 MB argument arriving in 64 KB reads ends
// in a query buffer of the request's exact size, and the buffers outgrown
// on the way add up to less than a quarter of it (doubling all the way
// leaves as much as the argument).
func TestQueryBufBigArgument(t *testing.T) {
	c := testClient(t, nil)
	const n = 32 << 20
	hdr := fmt.Sprintf("*2\r\n$6\r\nEXISTS\r\n$%d\r\n", n)
	req := append(append([]byte(hdr), make([]byte, n)...), "\r\n"...)
	outgrown, last := 0, 0
	for off := 0; off < len(req); off += 64 << 10 {
		c.bufferInput(req[off:min(off+64<<10, len(req))])
		if cap(c.qbuf) != last {
			outgrown += last
			last = cap(c.qbuf)
		}
		if off+64<<10 < len(req) {
			c.processInput()
		}
	}
	if last != len(req) {
		t.Errorf("query buffer of %d bytes for a request of %d", last, len(req))
	}
	if outgrown > len(req)/4 {
		t.Errorf("outgrown buffers add up to %d bytes for a request of %d", outgrown, len(req))
	}
	c.processInput()
	if got := string(c.out); got != ":0\r\n" {
		t.Errorf("EXISTS replied %q", got)
	}
}

// TestReleaseClientBuffers: memory goes back to the operating system once
// clients have dropped enough buffer bytes: from the cron for buffers
// below hugeBuf, at once for a huge one, and when a client with large
// buffers goes.
func TestReleaseClientBuffers(t *testing.T) {
	// Sizes big enough to be a releaseShare of whatever heap the test
	// binary has.
	runtime.GC()
	heap := int(readMemory().objects)
	cases := []struct {
		name      string
		drop      func(c *Client)
		immediate bool // released before the cron runs
	}{
		{"buffers under hugeBuf", func(c *Client) {
			for n := 0; n < max(3<<20, heap/2); n += 2 << 20 {
				c.srv.putBuf(make([]byte, 0, 2<<20))
			}
		}, false},
		{"a huge buffer", func(c *Client) { c.srv.putBuf(make([]byte, 0, max(hugeBuf, heap/2))) }, true},
		{"a client going", func(c *Client) {
			c.qbuf = make([]byte, 1<<20+heap/4)
			c.out = make([]byte, 0, 1<<20+heap/4)
			c.forget(false)
		}, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := testClient(t, nil)
			s := c.srv
			s.releaseThreshold = 1 << 20
			wait := func() {
				for s.releasing.Load() {
					time.Sleep(time.Millisecond)
				}
			}
			tc.drop(c)
			wait()
			want := int64(0)
			if tc.immediate {
				want = 1
			}
			if got := s.releases.Load(); got != want {
				t.Fatalf("%d releases before the cron ran, want %d", got, want)
			}
			s.cron()
			wait()
			if got := s.releases.Load(); got != 1 {
				t.Errorf("%d releases after the cron ran, want 1", got)
			}
		})
	}
}

// TestClearArgsDropsHugeArrays: the argument array of a command with many
// arguments is not kept for the client's next command.
func TestClearArgsDropsHugeArrays(t *testing.T) {
	for _, n := range []int{3, maxKeptArgs, maxKeptArgs + 1} {
		argv := clearArgs(make([][]byte, n))
		if kept := cap(argv) > 0; kept != (n <= maxKeptArgs) {
			t.Errorf("%d arguments: room for %d kept", n, cap(argv))
		}
	}
}
