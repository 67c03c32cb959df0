//go:build linux

package iothreads

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

func cpuSet(cpus ...int) *unix.CPUSet {
	var s unix.CPUSet
	for _, c := range cpus {
		s.Set(c)
	}
	return &s
}

// procStatText renders a /proc/stat with one line per CPU: user and system
// share busy[i] ticks, with irq and steal, and idle gets idle[i].
func procStatText(busy, idle []uint64) string {
	var b strings.Builder
	var sb, si uint64
	for i := range busy {
		sb, si = sb+busy[i], si+idle[i]
	}
	fmt.Fprintf(&b, "cpu  %d 0 %d %d 0 0 0 0 0 0\n", sb/2, sb-sb/2, si)
	for i := range busy {
		// user nice system idle iowait irq softirq steal guest guest_nice
		u := busy[i] / 2
		s := busy[i] - u - 2
		fmt.Fprintf(&b, "cpu%d %d 0 %d %d 1 1 0 1 7 0\n", i, u, s, idle[i]-1)
	}
	b.WriteString("intr 1 2 3\nctxt 99\nprocs_running 2\n")
	return b.String()
}

func TestParseStat(t *testing.T) {
	text := procStatText([]uint64{100, 200, 300, 400}, []uint64{1000, 2000, 3000, 4000})
	for _, tc := range []struct {
		name        string
		data        string
		set         *unix.CPUSet
		busy, total uint64
		ok          bool
	}{
		{"all", text, cpuSet(0, 1, 2, 3), 1000, 11000, true},
		{"subset", text, cpuSet(1, 3), 600, 6600, true},
		{"one", text, cpuSet(2), 300, 3300, true},
		{"absent cpu", text, cpuSet(9), 0, 0, false},
		{"no trailing newline", "cpu0 1 2 3 4 5 6 7 8", cpuSet(0), 1 + 2 + 3 + 6 + 7 + 8, 36, true},
		{"short line", "cpu0 1 2 3\n", cpuSet(0), 0, 0, false},
		{"aggregate only", "cpu  1 2 3 4 5 6 7 8\n", cpuSet(0), 0, 0, false},
		{"empty", "", cpuSet(0), 0, 0, false},
		{"garbage", "cpuX 1\ncpu\ncp\n\n", cpuSet(0), 0, 0, false},
		{"cpu beyond the set's size", "cpu99999 1 1 1 1 1 1 1 1\ncpu0 1 1 1 1 1 1 1 1\n", cpuSet(0), 6, 8, true},
	} {
		busy, total, ok := parseStat([]byte(tc.data), tc.set)
		if busy != tc.busy || total != tc.total || ok != tc.ok {
			t.Errorf("%s: parseStat = %d, %d, %v; want %d, %d, %v", tc.name, busy, total, ok, tc.busy, tc.total, tc.ok)
		}
	}
}

// fakeMeter is a cpuMeter over counters a test sets.
type fakeMeter struct {
	m          *cpuMeter
	set        unix.CPUSet
	busy, idle []uint64 // per CPU
	self       time.Duration
	statErr    error
	affErr     error
	now        time.Time
}

func newFakeMeter(cpus int) *fakeMeter {
	f := &fakeMeter{busy: make([]uint64, cpus), idle: make([]uint64, cpus), now: time.Unix(1000, 0)}
	for i := 0; i < cpus; i++ {
		f.set.Set(i)
	}
	f.m = &cpuMeter{
		readStat: func(buf []byte) (int, error) {
			if f.statErr != nil {
				return 0, f.statErr
			}
			return copy(buf, procStatText(f.busy, f.idle)), nil
		},
		selfCPU:    func() (time.Duration, bool) { return f.self, true },
		affinity:   func(s *unix.CPUSet) error { *s = f.set; return f.affErr },
		staleAfter: time.Second,
		buf:        make([]byte, 4096),
	}
	return f
}

// advance lets d pass with each CPU busy for the given fraction of it (100
// ticks a second) and the process using self of CPU time.
func (f *fakeMeter) advance(d time.Duration, self time.Duration, busyFrac ...float64) {
	ticks := uint64(d / (10 * time.Millisecond))
	for i, b := range busyFrac {
		bt := uint64(float64(ticks) * b)
		f.busy[i] += bt
		f.idle[i] += ticks - bt
	}
	f.self += self
	f.now = f.now.Add(d)
}

func (f *fakeMeter) threads() int { return f.m.threads(f.now) }

func TestCPUMeter(t *testing.T) {
	f := newFakeMeter(2)
	f.m.buf = make([]byte, 64)
	for i := range f.busy {
		f.busy[i], f.idle[i] = 5000, 5000
	}
	// The buffer is too small for this /proc/stat: readings count nothing
	// until it has grown to hold it all.
	for i := 0; !f.m.primed; i++ {
		if i == 10 {
			t.Fatalf("the read buffer did not grow for a /proc/stat longer than it (len %d)", len(f.m.buf))
		}
		if got := f.threads(); got != 2 {
			t.Fatalf("reading %d: %d threads, want the 2 allowed CPUs", i, got)
		}
	}
	steps := []struct {
		name      string
		self      time.Duration // process CPU time in the 250 ms
		busy0     float64
		busy1     float64
		want      int
		statError bool
	}{
		{"idle machine", 0, 0, 0, 2, false},
		{"this process on one CPU", 250 * time.Millisecond, 1, 0, 2, false},
		{"this process on both CPUs", 500 * time.Millisecond, 1, 1, 2, false},
		{"another process on one CPU, ours on the other", 250 * time.Millisecond, 1, 1, 1, false},
		{"another process on one CPU, ours idle", 0, 1, 0, 1, false},
		{"others take 1.6 CPUs", 100 * time.Millisecond, 0.9, 0.8, 1, false},
		{"others take half a CPU", 250 * time.Millisecond, 1, 0.5, 2, false},
		{"others take both CPUs", 0, 1, 1, 1, false},
		{"unreadable /proc/stat keeps the last result", 0, 0, 0, 1, true},
		{"the first reading after it counts nothing", 0, 0, 0, 1, false},
		{"then an idle interval counts", 0, 0, 0, 2, false},
	}
	for _, st := range steps {
		f.advance(250*time.Millisecond, st.self, st.busy0, st.busy1)
		f.statErr = nil
		if st.statError {
			f.statErr = errors.New("no /proc")
		}
		if got := f.threads(); got != st.want {
			t.Fatalf("%s: %d threads, want %d", st.name, got, st.want)
		}
	}
}

func TestCPUMeterStaleIntervalKeepsTheLastResult(t *testing.T) {
	f := newFakeMeter(4)
	f.threads()
	f.advance(250*time.Millisecond, 0, 1, 1, 1, 0) // others on three CPUs
	if got := f.threads(); got != 1 {
		t.Fatalf("three of four CPUs busy: %d threads, want 1", got)
	}
	f.advance(time.Hour, 0, 0, 0, 0, 0) // idle for an hour
	if got := f.threads(); got != 1 {
		t.Fatalf("after an idle hour: %d threads, want the last result 1", got)
	}
	f.advance(250*time.Millisecond, 0, 0, 0, 0, 0)
	if got := f.threads(); got != 4 {
		t.Fatalf("an idle interval after the stale one: %d threads, want 4", got)
	}
}

func TestCPUMeterFollowsTheAffinity(t *testing.T) {
	f := newFakeMeter(4)
	f.threads()
	f.advance(250*time.Millisecond, 0, 1, 1, 0, 0)
	if got := f.threads(); got != 2 {
		t.Fatalf("two of four CPUs busy: %d threads, want 2", got)
	}
	f.set = *cpuSet(2, 3) // taskset moved the process onto the idle pair
	f.advance(250*time.Millisecond, 0, 1, 1, 0, 0)
	if got := f.threads(); got != 2 {
		t.Fatalf("new affinity, first reading: %d threads, want the 2 allowed", got)
	}
	f.advance(250*time.Millisecond, 0, 1, 1, 0, 1)
	if got := f.threads(); got != 1 {
		t.Fatalf("one of the two allowed CPUs busy: %d threads, want 1", got)
	}
	f.set = *cpuSet(3)
	if got := f.threads(); got != 1 {
		t.Fatalf("one allowed CPU: %d threads, want 1", got)
	}
	f.affErr = errors.New("no affinity")
	if got := f.threads(); got != 0 {
		t.Fatalf("unreadable affinity: %d threads, want 0 (unknown)", got)
	}
}

// TestCPUMeterOnThisMachine reads the real counters: whatever the load, the
// answer lies between one thread and the allowed CPUs, and reading them
// neither fails nor leaks the descriptor across readings.
func TestCPUMeterOnThisMachine(t *testing.T) {
	var set unix.CPUSet
	if err := unix.SchedGetaffinity(0, &set); err != nil {
		t.Fatal(err)
	}
	if set.Count() < 2 { // one allowed CPU needs no counters: read two anyway
		set.Set(0)
		set.Set(1)
	}
	m := newCPUMeter()
	defer m.close()
	m.affinity = func(s *unix.CPUSet) error { *s = set; return nil }
	if got := m.threads(time.Now()); got != set.Count() {
		t.Fatalf("first reading: %d threads, want the %d allowed CPUs", got, set.Count())
	}
	for i := 0; i < 3; i++ {
		time.Sleep(30 * time.Millisecond)
		if got := m.threads(time.Now()); got < 1 || got > set.Count() {
			t.Fatalf("reading %d: %d threads, want 1..%d", i, got, set.Count())
		}
		if !m.primed {
			t.Fatalf("reading %d: /proc/stat or getrusage could not be read", i)
		}
	}
}
