package server

import (
	"strconv"
	"testing"
)

// Go benchmarks of the stream hot paths, through the command path with
// no socket: XADD with "*", XRANGE COUNT 10, XREADGROUP of one new entry
// followed by its XACK.

func BenchmarkXAdd(b *testing.B) {
	c := testClient(b, nil)
	benchCommand(b, c, testArgv("XADD s * f1 v1 f2 v2"))
}

func BenchmarkXRangeCount10(b *testing.B) {
	c := testClient(b, nil)
	for i := 1; i <= 10000; i++ {
		testRun(c, "XADD s "+strconv.Itoa(i)+"-0 f1 v1 f2 v2")
	}
	benchCommand(b, c, testArgv("XRANGE s 5000 + COUNT 10"))
}

func BenchmarkXReadGroupAck(b *testing.B) {
	c := testClient(b, nil)
	testRun(c, "XGROUP CREATE s g $ MKSTREAM")
	add := testArgv("XADD s * f1 v1 f2 v2")
	read := testArgv("XREADGROUP GROUP g c COUNT 1 STREAMS s >")
	b.ReportAllocs()
	for b.Loop() {
		c.argv, c.out = add, c.out[:0]
		c.srv.execute(c)
		id := append([]byte(nil), c.out[5:len(c.out)-2]...) // "$N\r\n<id>\r\n"
		c.argv, c.out = read, c.out[:0]
		c.srv.execute(c)
		c.argv, c.out = [][]byte{[]byte("XACK"), []byte("s"), []byte("g"), id}, c.out[:0]
		c.srv.execute(c)
	}
}

// TestXAddReplyShape checks XADD's reply with "*" and "ms-*": the IDs it
// makes grow and take the clock's time (the differential tests use
// explicit IDs, since the clocks differ).
func TestXAddReplyShape(t *testing.T) {
	c := testClient(t, nil)
	first := testRun(c, "XADD s * a 1")
	second := testRun(c, "XADD s * a 2")
	if first == second || first[0] != '$' || second[0] != '$' {
		t.Fatalf("XADD *: %q then %q", first, second)
	}
	if got := testRun(c, "XADD s 99999999999999-* a 3"); got != "$16\r\n99999999999999-0\r\n" {
		t.Fatalf("XADD ms-*: %q", got)
	}
	if got := testRun(c, "XADD s 99999999999999-* a 3"); got != "$16\r\n99999999999999-1\r\n" {
		t.Fatalf("XADD ms-* again: %q", got)
	}
	if got := testRun(c, "XADD s * a 4"); got != "$16\r\n99999999999999-2\r\n" {
		t.Fatalf("XADD * after a future ID: %q", got)
	}
}
