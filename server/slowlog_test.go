package server

import (
	"strconv"
	"strings"
	"testing"
)

func TestSlowlogEntryTruncation(t *testing.T) {
	long := strings.Repeat("x", 200)
	many := []string{"sadd", "s"}
	for i := 0; i < 40; i++ {
		many = append(many, strconv.Itoa(i))
	}
	tests := []struct {
		name string
		argv []string
		want []string
	}{
		{"short", []string{"set", "k", "v"}, []string{"set", "k", "v"}},
		{"128 bytes kept", []string{"set", "k", long[:128]}, []string{"set", "k", long[:128]}},
		{"long", []string{"set", "k", long}, []string{"set", "k", long[:128] + "... (72 more bytes)"}},
		{"32 args kept", many[:32], many[:32]},
		{"many", many, append(append([]string{}, many[:31]...), "... (11 more arguments)")},
		{"auth", []string{"auth", "u", "p"}, []string{"auth", "(redacted)", "(redacted)"}},
		{"acl setuser", []string{"acl", "setuser", "u", "on"}, []string{"acl", "setuser", "(redacted)", "(redacted)"}},
		{"config set", []string{"config", "set", "masterauth", "pw", "maxclients", "10"},
			[]string{"config", "set", "masterauth", "(redacted)", "maxclients", "10"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := testClient(t, nil)
			s := c.srv
			s.cfg.Introspect.SlowlogSlowerThan = 0
			argv := make([][]byte, len(tt.argv))
			for i, a := range tt.argv {
				argv[i] = []byte(a)
			}
			cmd := s.commands.lookup(argv)
			s.slowlogPush(c, cmd, argv, 5)
			e := s.slowlog.newest(0)
			var got []string
			for _, a := range e.argv {
				got = append(got, string(a))
			}
			if strings.Join(got, "|") != strings.Join(tt.want, "|") {
				t.Errorf("logged %q, want %q", got, tt.want)
			}
		})
	}
}

func TestSlowlogTrim(t *testing.T) {
	var l slowLog
	for i := 0; i < 1000; i++ {
		l.push(slowlogEntry{duration: int64(i)}, 10)
	}
	if l.len() != 10 || l.newest(0).duration != 999 || l.newest(9).duration != 990 || l.newest(0).id != 999 {
		t.Fatalf("len %d, newest %+v", l.len(), *l.newest(0))
	}
	if cap(l.entries) > 64 {
		t.Errorf("the queue grew to %d entries for a log of 10", cap(l.entries))
	}
	l.trim(3)
	if l.len() != 3 || l.newest(2).duration != 997 {
		t.Fatalf("after trim(3): len %d", l.len())
	}
	l.reset()
	l.push(slowlogEntry{}, 10)
	if l.len() != 1 || l.newest(0).id != 1000 {
		t.Fatalf("after reset: len %d id %d", l.len(), l.newest(0).id)
	}
}

func TestLatencyCDF(t *testing.T) {
	var h latencyHist
	for _, ns := range []int64{500, 1000, 1500, 3000, 3000, 70_000, 2_000_000_000} {
		h.record(ns)
	}
	got := h.cdf()
	// Levels 1024 (1031 ns: 1 µs), 2048 (2 µs), 4096 (4 µs), then
	// 65536's bucket ends at 66047 ns (65 µs) before 70000: 131072's
	// (132 µs); 1e9 ns (the most recorded) is counted at the level past
	// the range, 2^30-1 ns (redis-server: DEBUG SLEEP 1.1 shows 1073741).
	want := [][2]int64{{1, 2}, {2, 3}, {4, 5}, {132, 6}, {1_073_741, 7}}
	if len(got) != len(want) {
		t.Fatalf("cdf %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("cdf %v, want %v", got, want)
		}
	}
}

func TestLatencyMonitorSamples(t *testing.T) {
	var m latencyMonitor
	m.add("command", 10, 100)
	m.add("command", 30, 100) // same second: the highest stays
	m.add("command", 20, 101)
	ts := m.events["command"]
	if ts.max != 30 || ts.latest() != (latencySample{101, 20}) {
		t.Fatalf("max %d latest %+v", ts.max, ts.latest())
	}
	for i := int64(0); i < 200; i++ {
		m.add("command", i, 200+i)
	}
	n := 0
	var first latencySample
	ts.each(func(s latencySample) {
		if n == 0 {
			first = s
		}
		n++
	})
	if n != latencyTSLen || first.time != 200+200-latencyTSLen {
		t.Fatalf("%d samples, oldest %+v", n, first)
	}
}

// TestRequestPathNoAllocIntrospect checks that the latency monitor, the
// histograms and a slow log that logs nothing add no allocation.
func TestRequestPathNoAllocIntrospect(t *testing.T) {
	c := testClient(t, func(cfg *Config) {
		cfg.Introspect.LatencyMonitorThreshold = 1000
		cfg.Introspect.SlowlogSlowerThan = 1_000_000
	})
	testRun(c, "SET key 0123456789abcdef")
	for _, tc := range requestPathCases {
		wire := []byte(tc.wire)
		requestPathRun(c, wire)
		if allocs := testing.AllocsPerRun(100, func() { requestPathRun(c, wire) }); allocs != 0 {
			t.Errorf("%s: %v allocations per run", tc.name, allocs)
		}
	}
}

// BenchmarkRequestPathLatencyTracking is GET and SET with latency-tracking
// on (Redis's default) and off.
func BenchmarkRequestPathLatencyTracking(b *testing.B) {
	for _, on := range []bool{true, false} {
		c := testClient(b, func(cfg *Config) { cfg.Introspect.LatencyTracking = on })
		testRun(c, "SET key 0123456789abcdef")
		for _, tc := range requestPathCases[:2] {
			wire := []byte(tc.wire)
			b.Run(tc.name+"/tracking="+strconv.FormatBool(on), func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					requestPathRun(c, wire)
				}
			})
		}
	}
}

// BenchmarkSlowlogPush is the cost of logging a command (slowlog-log-slower-than 0).
func BenchmarkSlowlogPush(b *testing.B) {
	c := testClient(b, func(cfg *Config) { cfg.Introspect.SlowlogSlowerThan = 0 })
	testRun(c, "SET key 0123456789abcdef")
	wire := []byte(requestPathCases[0].wire)
	b.ReportAllocs()
	for b.Loop() {
		requestPathRun(c, wire)
	}
}

// BenchmarkLatencyHistRecord is the cost of one histogram record, what
// latency-tracking adds to each command.
func BenchmarkLatencyHistRecord(b *testing.B) {
	var h latencyHist
	v := int64(1)
	for b.Loop() {
		h.record(v * 1000)
		v = v*7%5000 + 1
	}
}

// TestLatencyGraph checks LATENCY GRAPH's drawing against what
// redis-server 7.0.15 drew for the same samples (DEBUG SLEEP 0.2, 0.5,
// 0.35 and 0.8 a second or two apart).
func TestLatencyGraph(t *testing.T) {
	var m latencyMonitor
	now := int64(1000)
	for _, s := range []latencySample{{now - 6, 204}, {now - 5, 500}, {now - 3, 350}, {now - 1, 800}} {
		m.add("command", s.latency, s.time)
	}
	want := "command - high 800 ms, low 204 ms (all time high 800 ms)\n" +
		strings.Repeat("-", 80) + "\n" +
		"   #\n" +
		"   |\n" +
		" # |\n" +
		"_|#|\n" +
		"    \n" +
		"6531\n" +
		"ssss\n"
	if got := latencyGraph("command", m.events["command"], now); got != want {
		t.Errorf("graph:\n%s\nwant:\n%s", got, want)
	}
}
