package server

import (
	"strconv"
	"testing"
)

// hashTestClient returns a testClient with key h holding n fields
// f0..f(n-1) of 16-byte values.
func hashTestClient(tb testing.TB, n int) *Client {
	tb.Helper()
	c := testClient(tb, nil)
	for i := 0; i < n; i++ {
		if r := testRun(c, "HSET h f"+strconv.Itoa(i)+" 0123456789abcdef"); r != ":1\r\n" {
			tb.Fatalf("HSET: %q", r)
		}
	}
	return c
}

// TestHashCommandAllocs checks that the hot hash commands allocate nothing
// in steady state: an HSET overwriting a value of the same size, HGET,
// HEXISTS, HINCRBY of a same-length number, in both encodings.
func TestHashCommandAllocs(t *testing.T) {
	for _, n := range []int{10, 1000} {
		c := hashTestClient(t, n)
		c.out = make([]byte, 0, 4096)
		for _, cmd := range []string{
			"HSET h f5 fedcba9876543210", "HGET h f7", "HGET h nope", "HEXISTS h f3", "HSTRLEN h f3", "HMGET h f1 f2",
			"HINCRBY h counter 1",
		} {
			argv := testArgv(cmd)
			if cmd == "HINCRBY h counter 1" {
				testRun(c, "HSET h counter 10") // stays two digits for the runs below
			}
			allocs := testing.AllocsPerRun(50, func() {
				c.argv = argv
				c.out = c.out[:0]
				c.srv.execute(c)
			})
			if allocs != 0 {
				t.Errorf("%d fields: %s: %.1f allocations per run, reply %q", n, cmd, allocs, c.out)
			}
		}
	}
}

func BenchmarkHashCommands(b *testing.B) {
	for _, n := range []int{10, 1000} {
		c := hashTestClient(b, n)
		c.out = make([]byte, 0, 4096)
		for _, cmd := range []string{"HSET h f5 fedcba9876543210", "HGET h f7", "HGETALL h"} {
			argv := testArgv(cmd)
			b.Run(strconv.Itoa(n)+"/"+cmd, func(b *testing.B) { benchCommand(b, c, argv) })
		}
	}
}
