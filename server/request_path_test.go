package server

import (
	"strings"
	"testing"
)

// requestPathCases are wire-format requests for the read → parse → execute
// → reply path: single GET and SET, and 16 of each pipelined.
var requestPathCases = []struct {
	name, wire string
}{
	{"GET", "*2\r\n$3\r\nGET\r\n$3\r\nkey\r\n"},
	{"SET", "*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$16\r\n0123456789abcdef\r\n"},
	{"GETx16", strings.Repeat("*2\r\n$3\r\nGET\r\n$3\r\nkey\r\n", 16)},
	{"SETx16", strings.Repeat("*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$16\r\n0123456789abcdef\r\n", 16)},
}

// requestPathRun parses and executes every command in wire as a read
// would deliver it, then drops the replies as a completed write would.
func requestPathRun(c *Client, wire []byte) {
	if n := c.run(wire); n != len(wire) {
		panic("request path: input not consumed")
	}
	c.out = c.out[:0]
}

// TestRequestPathNoAlloc checks that parse → execute → reply of GET and
// SET allocates nothing in steady state.
func TestRequestPathNoAlloc(t *testing.T) {
	c := testClient(t, nil)
	testRun(c, "SET key 0123456789abcdef")
	for _, tc := range requestPathCases {
		wire := []byte(tc.wire)
		requestPathRun(c, wire)
		if allocs := testing.AllocsPerRun(100, func() { requestPathRun(c, wire) }); allocs != 0 {
			t.Errorf("%s: %v allocations per run", tc.name, allocs)
		}
	}
}

func BenchmarkRequestPath(b *testing.B) {
	c := testClient(b, nil)
	testRun(c, "SET key 0123456789abcdef")
	for _, tc := range requestPathCases {
		wire := []byte(tc.wire)
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				requestPathRun(c, wire)
			}
		})
	}
}

// TestOutputBufferHint checks that a client starts its next batch of
// replies with a buffer as large as its last batch needed (up to the cap),
// so that pipelined big replies are not copied into a larger buffer on
// every batch.
func TestOutputBufferHint(t *testing.T) {
	c := testClient(t, nil)
	for _, tc := range []struct{ hint, wantCap int }{
		{0, ioBufSize},
		{1000, ioBufSize},
		{ioBufSize + 1, 64 << 10},
		{maxOutHint, 64 << 10},
	} {
		c.out, c.outHint = nil, tc.hint
		if got := cap(c.buf()); got != tc.wantCap {
			t.Errorf("hint %d: buffer of %d bytes, want %d", tc.hint, got, tc.wantCap)
		}
	}
}

// TestTransactionNoAlloc checks that a transaction (MULTI, two writes,
// EXEC) allocates nothing in steady state: queued arguments go to buffers
// the client keeps.
func TestTransactionNoAlloc(t *testing.T) {
	c := testClient(t, nil)
	wire := []byte("*1\r\n$5\r\nMULTI\r\n*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$16\r\n0123456789abcdef\r\n" +
		"*2\r\n$4\r\nINCR\r\n$3\r\nctr\r\n*1\r\n$4\r\nEXEC\r\n")
	requestPathRun(c, wire)
	if allocs := testing.AllocsPerRun(100, func() { requestPathRun(c, wire) }); allocs != 0 {
		t.Errorf("%v allocations per transaction", allocs)
	}
}
