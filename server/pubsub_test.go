package server

import (
	"fmt"
	"testing"

	"github.com/kvdserver/kvd/resp"
)

// subscribers adds n subscribers without connections (their messages
// accumulate in their buffers) to c's server, each subscribed to name.
func testSubscribers(c *Client, n int, kind pubsubKind, name string) []*Client {
	s := c.srv
	subs := make([]*Client, n)
	for i := range subs {
		sc := &Client{fd: -1, flags: flagAuthenticated}
		s.initCtx(sc, true)
		s.subscribe(sc, kind, []byte(name))
		subs[i] = sc
	}
	return subs
}

func TestPublishDelivers(t *testing.T) {
	c := testClient(t, nil)
	subs := testSubscribers(c, 2, kindChannel, "ch")
	psubs := testSubscribers(c, 1, kindPattern, "c*")
	psubs[0].proto = 3
	if got := testRun(c, "PUBLISH ch hi"); got != ":3\r\n" {
		t.Fatalf("PUBLISH: %q", got)
	}
	for _, sc := range subs {
		if got := string(sc.out); got != "*3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$2\r\nhi\r\n" {
			t.Errorf("subscriber got %q", got)
		}
	}
	if got := string(psubs[0].out); got != ">4\r\n$8\r\npmessage\r\n$2\r\nc*\r\n$2\r\nch\r\n$2\r\nhi\r\n" {
		t.Errorf("RESP3 pattern subscriber got %q", got)
	}
	for _, sc := range append(subs, psubs...) {
		c.srv.pubsubFree(sc)
	}
	if ch, pat, shard := c.srv.pubsubCounts(); ch+pat+shard != 0 {
		t.Errorf("registries not empty after freeing: %d %d %d", ch, pat, shard)
	}
}

func TestNameSet(t *testing.T) {
	var s nameSet
	for _, n := range []string{"a", "b", "c", "d"} {
		if !s.add(n) {
			t.Fatalf("add %s: not new", n)
		}
	}
	if s.add("b") {
		t.Fatal("add b twice")
	}
	if !s.remove([]byte("b")) || s.remove([]byte("b")) || s.has([]byte("b")) {
		t.Fatal("remove b")
	}
	if s.len() != 3 || !s.has([]byte("d")) || s.idx["d"] != 1 {
		t.Fatalf("after removal: %v %v", s.names, s.idx)
	}
}

// TestPublishDoesNotAllocate checks the publisher's path: once the
// subscribers' buffers exist, PUBLISH allocates nothing.
func TestPublishDoesNotAllocate(t *testing.T) {
	c := testClient(t, nil)
	subs := testSubscribers(c, 10, kindChannel, "ch")
	subs = append(subs, testSubscribers(c, 10, kindPattern, "c*")...)
	argv := testArgv("PUBLISH ch message")
	run := func() {
		for _, sc := range subs {
			sc.out = sc.out[:0]
		}
		c.argv = argv
		c.out = c.out[:0]
		c.srv.execute(c)
	}
	run()
	if n := testing.AllocsPerRun(100, run); n != 0 {
		t.Errorf("PUBLISH allocates %.1f times per run", n)
	}
}

func TestAppendRepr(t *testing.T) {
	got := string(appendRepr(nil, []byte("a\"b\\c\n\r\t\a\b\x01\xff é~")))
	want := `"a\"b\\c\n\r\t\a\b\x01\xff \xc3\xa9~"`
	if got != want {
		t.Errorf("appendRepr: %s, want %s", got, want)
	}
}

func TestRedactedArgs(t *testing.T) {
	for _, tc := range []struct {
		cmd  string
		want uint64
	}{
		{"AUTH pw", 0b10}, {"AUTH u pw", 0b110}, {"AUTH a b c", 0},
		{"HELLO 3 AUTH u pw", 0b11000}, {"HELLO 3 SETNAME n AUTH u pw AUTH x y", 0b1101100000},
		{"HELLO 4 AUTH u pw", 0}, {"HELLO 2 AUTH u", 0}, {"HELLO 2 FOO AUTH u pw", 0},
		{"GET k", 0},
	} {
		argv := testArgv(tc.cmd)
		st := &cmdState{fullName: toLowerASCII(string(argv[0]))}
		if got := redactedArgs(st, argv); got != tc.want {
			t.Errorf("%s: %b, want %b", tc.cmd, got, tc.want)
		}
	}
}

// BenchmarkPublish measures PUBLISH to N subscribers of the channel or of
// a pattern that matches it (the encoding and the copies into their
// buffers; the writes are the loop's).
func BenchmarkPublish(b *testing.B) {
	for _, kind := range []pubsubKind{kindChannel, kindPattern} {
		for _, n := range []int{1, 100, 1000} {
			name := "ch"
			if kind == kindPattern {
				name = "c*"
			}
			b.Run(fmt.Sprintf("%s/N=%d", pubsubNames[kind][0], n), func(b *testing.B) {
				c := testClient(b, nil)
				subs := testSubscribers(c, n, kind, name)
				argv := testArgv("PUBLISH ch 0123456789abcdef0123456789abcdef")
				b.ReportAllocs()
				for b.Loop() {
					for _, sc := range subs {
						sc.out = sc.out[:0]
					}
					c.argv = argv
					c.out = c.out[:0]
					c.srv.execute(c)
				}
				b.ReportMetric(float64(b.N*n)/b.Elapsed().Seconds(), "deliveries/s")
			})
		}
	}
}

// BenchmarkMonitorFeed measures a SET with one MONITOR client attached.
func BenchmarkMonitorFeed(b *testing.B) {
	c := testClient(b, nil)
	m := &Client{fd: -1, flags: flagAuthenticated | flagMonitor}
	c.srv.initCtx(m, true)
	c.srv.mon.clients = append(c.srv.mon.clients, m)
	c.addr = "127.0.0.1:12345"
	argv := testArgv("SET key:000001 value")
	b.ReportAllocs()
	for b.Loop() {
		m.out = m.out[:0]
		c.argv = argv
		c.out = c.out[:0]
		c.srv.execute(c)
	}
}

// FuzzAppendRepr checks that MONITOR's quoting reads back, with the
// inline-command splitting Redis and kvd share, as the argument quoted.
func FuzzAppendRepr(f *testing.F) {
	for _, s := range []string{"", "plain", "a\"b\\c\n\r\t\a\b\x01\xff é", "\x00\x7f\x80", `"\x41"`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, s []byte) {
		q := appendRepr(nil, s)
		args, err := resp.SplitArgs(string(q))
		if err != nil || len(args) != 1 || args[0] != string(s) {
			t.Fatalf("%q quoted as %s reads back as %q (%v)", s, q, args, err)
		}
	})
}
