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

func TestParseStreamID(t *testing.T) {
	for _, tc := range []struct {
		in               string
		missing          uint64
		strict, seqStar  bool
		want             string
		seqGiven, wantOK bool
	}{
		{"1-2", 0, true, false, "1-2", true, true},
		{"5", 0, true, false, "5-0", true, true},
		{"5", 1<<64 - 1, false, false, "5-18446744073709551615", true, true},
		{"-", 0, false, false, "0-0", true, true},
		{"+", 0, false, false, "18446744073709551615-18446744073709551615", true, true},
		{"-", 0, true, false, "", false, false},
		{"7-*", 0, true, true, "7-0", false, true},
		{"7-*", 0, true, false, "", false, false},
		{" +5-1", 0, true, false, "5-1", true, true},
		{"-1", 0, true, false, "", false, false},
		{"18446744073709551616-1", 0, true, false, "", false, false},
		{"1-2-3", 0, true, false, "", false, false},
		{"", 0, true, false, "", false, false},
		{"1-", 0, true, false, "", false, false},
		{"abc", 0, false, false, "", false, false},
	} {
		id, seqGiven, ok := parseStreamID([]byte(tc.in), tc.missing, tc.strict, tc.seqStar)
		if ok != tc.wantOK || ok && (id.String() != tc.want || seqGiven != tc.seqGiven) {
			t.Errorf("parseStreamID(%q): %v %v %v, want %s %v %v", tc.in, id, seqGiven, ok, tc.want, tc.seqGiven, tc.wantOK)
		}
	}
}

// FuzzParseStreamID: any argument parses or is refused without a panic,
// and an ID written as "ms-seq" parses back to itself.
func FuzzParseStreamID(f *testing.F) {
	for _, s := range []string{"1-1", "0", "-", "+", "5-*", " +5-1", "18446744073709551615-18446744073709551615", "(1-2"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		id, _, ok := parseStreamID(b, 0, false, true)
		if !ok {
			return
		}
		back, _, ok := parseStreamID(id.AppendTo(nil), 0, true, false)
		if !ok || back != id {
			t.Fatalf("%q parsed as %v, which parses back as %v %v", b, id, back, ok)
		}
	})
}
