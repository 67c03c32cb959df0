//go:build linux

package iothreads

import (
	"bytes"
	"math"
	"time"

	"golang.org/x/sys/unix"
)

// cpuMeter estimates how many CPUs the pool's threads could use right now:
// the CPUs the calling thread may run on (its affinity) less the CPU time
// that everything else took on them since the previous reading. The
// process's own CPU time counts as usable, since its threads can share it
// out differently; idle time counts as usable; time taken by other
// processes, interrupts and the hypervisor (steal) does not.
//
// A loop on a machine whose other CPUs are busy with the clients (a 2-core
// box running redis-benchmark beside the server) thus finds about one CPU,
// and runs its batches alone rather than competing with the clients for the
// CPU they need.
type cpuMeter struct {
	readStat func(buf []byte) (int, error) // reads /proc/stat into buf
	close    func()
	selfCPU  func() (time.Duration, bool) // this process's user+system time
	affinity func(set *unix.CPUSet) error // the calling thread's affinity

	// staleAfter bounds the interval a reading covers: a longer one (the
	// pool sat idle) says nothing of the load now, so the previous result
	// stands and the interval starts again.
	staleAfter time.Duration

	buf    []byte
	set    unix.CPUSet // the affinity the previous sample was taken under
	primed bool        // prev holds a sample taken under set
	prev   cpuSample
	last   int // the previous result, 0 before the first
}

// cpuSample is one reading of the counters cpuMeter compares.
type cpuSample struct {
	busy  uint64 // busy ticks summed over the allowed CPUs
	total uint64 // all ticks summed over the allowed CPUs
	self  time.Duration
	at    time.Time
}

func newCPUMeter() *cpuMeter {
	f := &procStat{fd: -1}
	return &cpuMeter{
		readStat:   f.read,
		close:      f.close,
		selfCPU:    processCPU,
		affinity:   func(set *unix.CPUSet) error { return unix.SchedGetaffinity(0, set) },
		staleAfter: time.Second,
		buf:        make([]byte, 16<<10),
	}
}

// threads returns how many threads could run at once: the rounded estimate
// of usable CPUs between the previous call and now, at least 1. Without such
// an estimate (the first call, a changed affinity, an interval longer than
// staleAfter, /proc/stat unreadable) it returns the previous result, or the
// number of allowed CPUs if there is none. It returns 0 when not even the
// affinity can be read.
func (m *cpuMeter) threads(now time.Time) int {
	var set unix.CPUSet
	if err := m.affinity(&set); err != nil {
		m.primed = false
		return 0
	}
	allowed := set.Count()
	if allowed <= 1 {
		m.primed = false
		return allowed
	}
	if set != m.set {
		m.set, m.primed, m.last = set, false, allowed
	}
	self, okSelf := m.selfCPU()
	busy, total, okStat := m.stat()
	if !okSelf || !okStat {
		m.primed = false
		return m.last
	}
	prev, primed := m.prev, m.primed
	m.prev, m.primed = cpuSample{busy: busy, total: total, self: self, at: now}, true
	wall := now.Sub(prev.at)
	if !primed || wall <= 0 || wall > m.staleAfter ||
		total <= prev.total || busy < prev.busy || self < prev.self {
		return m.last
	}
	// Busy CPUs from the ticks (busy ticks over elapsed ticks per CPU); the
	// process's own share from its CPU time over the wall-clock time.
	busyCPUs := float64(busy-prev.busy) * float64(allowed) / float64(total-prev.total)
	selfCPUs := float64(self-prev.self) / float64(wall)
	usable := float64(allowed) - max(busyCPUs-selfCPUs, 0)
	m.last = min(max(int(math.Round(usable)), 1), allowed)
	return m.last
}

// stat sums the busy and total ticks of the allowed CPUs in /proc/stat.
func (m *cpuMeter) stat() (busy, total uint64, ok bool) {
	n, err := m.readStat(m.buf)
	if err != nil || n == len(m.buf) {
		if n == len(m.buf) && len(m.buf) < 1<<20 {
			m.buf = make([]byte, 2*len(m.buf)) // many CPUs: read it all next time
		}
		return 0, 0, false
	}
	return parseStat(m.buf[:n], &m.set)
}

// parseStat sums the ticks of the "cpuN" lines of /proc/stat whose N is in
// set: busy is user, nice, system, irq, softirq and steal; total adds idle
// and iowait. Guest time is already part of user and nice.
func parseStat(data []byte, set *unix.CPUSet) (busy, total uint64, ok bool) {
	for len(data) > 0 {
		line := data
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			line, data = data[:i], data[i+1:]
		} else {
			data = nil
		}
		if len(line) < 4 || string(line[:3]) != "cpu" || line[3] < '0' || line[3] > '9' {
			continue
		}
		fields := line[3:]
		cpu, rest, good := nextUint(fields)
		if !good || cpu >= uint64(len(set)*64) || !set.IsSet(int(cpu)) {
			continue
		}
		var v [8]uint64
		for j := range v {
			if v[j], rest, good = nextUint(rest); !good {
				return 0, 0, false
			}
		}
		b := v[0] + v[1] + v[2] + v[5] + v[6] + v[7]
		busy += b
		total += b + v[3] + v[4]
		ok = true
	}
	return busy, total, ok
}

// nextUint parses the decimal number at the start of b after any spaces
// and returns it with the rest of b.
func nextUint(b []byte) (uint64, []byte, bool) {
	for len(b) > 0 && b[0] == ' ' {
		b = b[1:]
	}
	var v uint64
	i := 0
	for ; i < len(b) && b[i] >= '0' && b[i] <= '9'; i++ {
		v = v*10 + uint64(b[i]-'0')
	}
	return v, b[i:], i > 0
}

// procStat reads /proc/stat through a descriptor kept open between reads.
type procStat struct{ fd int }

// read reads the whole file into buf from its start, opening it on first
// use; n == len(buf) means buf was too small.
func (f *procStat) read(buf []byte) (int, error) {
	if f.fd < 0 {
		fd, err := unix.Open("/proc/stat", unix.O_RDONLY|unix.O_CLOEXEC, 0)
		if err != nil {
			return 0, err
		}
		f.fd = fd
	}
	n := 0
	for n < len(buf) {
		m, err := unix.Pread(f.fd, buf[n:], int64(n))
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return n, err
		}
		if m == 0 {
			break
		}
		n += m
	}
	return n, nil
}

func (f *procStat) close() {
	if f.fd >= 0 {
		unix.Close(f.fd)
		f.fd = -1
	}
}

func processCPU() (time.Duration, bool) {
	var ru unix.Rusage
	if err := unix.Getrusage(unix.RUSAGE_SELF, &ru); err != nil {
		return 0, false
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), true
}
