package iothreads

import (
	"runtime"
	"sync/atomic"
	"testing"
	"time"
)

func TestRunCoversEveryItemOnItsThread(t *testing.T) {
	for _, threads := range []int{1, 2, 4, 7} {
		p := New(threads)
		for _, items := range []int{0, 1, 2, 3, 10, 1000} {
			seen := make([]int, items)
			p.Run(items, func(i int) { seen[i]++ })
			for i, n := range seen {
				if n != 1 {
					t.Fatalf("threads=%d items=%d: item %d ran %d times", threads, items, i, n)
				}
			}
		}
		p.Close()
	}
}

func TestRunUsesWorkers(t *testing.T) {
	p := New(4)
	defer p.Close()
	p.cpus = func(time.Time) int { return 4 } // whatever else this machine is running
	if _, others := spread(p, 100); others == 0 {
		t.Fatal("no batch ran on more than one goroutine")
	}
}

// spread runs rounds of 8-item batches and reports how many ran on the
// calling goroutine only, and how many on more than one.
func spread(p *Pool, rounds int) (callerOnly, others int) {
	for round := 0; round < rounds; round++ {
		ids := make([]int64, 8)
		p.Run(8, func(i int) { ids[i] = goid() })
		distinct := map[int64]bool{}
		for _, id := range ids {
			distinct[id] = true
		}
		if len(distinct) == 1 && ids[0] == goid() {
			callerOnly++
		} else {
			others++
		}
	}
	return callerOnly, others
}

func TestOneCPURunsBatchesOnTheCaller(t *testing.T) {
	p := New(4)
	defer p.Close()
	cpus := 1
	p.cpus = func(time.Time) int { return cpus }
	p.checkEvery = 0
	if p.Parallel() {
		t.Fatal("Parallel() = true with one CPU")
	}
	if callerOnly, others := spread(p, 50); others != 0 {
		t.Fatalf("one CPU: %d of %d batches ran beyond the caller", others, callerOnly+others)
	}
	cpus = 2 // a second CPU became usable (taskset widened, other load ended)
	if !p.Parallel() {
		t.Fatal("Parallel() = false with two CPUs")
	}
	if _, others := spread(p, 100); others == 0 {
		t.Fatal("two CPUs: no batch ran on more than one goroutine")
	}
	cpus = 0 // unknown (unreadable affinity): assume the threads can run
	if !p.Parallel() {
		t.Fatal("Parallel() = false when the usable CPUs are unknown")
	}
}

func TestCPUsAreMeasuredAtMostOncePerInterval(t *testing.T) {
	p := New(2)
	defer p.Close()
	calls := 0
	p.cpus = func(time.Time) int { calls++; return 1 }
	p.checkEvery = time.Hour
	for i := 0; i < 10; i++ {
		p.Run(4, func(int) {})
		p.Parallel()
	}
	if calls != 1 {
		t.Fatalf("CPUs measured %d times within one interval, want 1", calls)
	}
	p.checkedAt = p.checkedAt.Add(-2 * time.Hour)
	p.Parallel()
	if calls != 2 {
		t.Fatalf("CPUs measured %d times after the interval passed, want 2", calls)
	}
	if one := New(1); one.Parallel() || one.Active() != 1 {
		t.Fatal("a one-thread pool reports more than one active thread")
	}
}

func TestBatchesUseNoMoreThreadsThanUsableCPUs(t *testing.T) {
	p := New(4)
	defer p.Close()
	p.checkEvery = 0
	for _, tc := range []struct{ cpus, active int }{
		{1, 1}, {2, 2}, {3, 3}, {4, 4}, {16, 4}, {0, 4},
	} {
		p.cpus = func(time.Time) int { return tc.cpus }
		if got := p.Active(); got != tc.active {
			t.Fatalf("cpus=%d: Active() = %d, want %d", tc.cpus, got, tc.active)
		}
		most := 0
		for round := 0; round < 200; round++ {
			ids := make([]int64, 12)
			p.Run(len(ids), func(i int) { ids[i] = goid() })
			distinct := map[int64]bool{}
			for i, id := range ids {
				distinct[id] = true
				if id != ids[i%tc.active] {
					t.Fatalf("cpus=%d: item %d ran on another goroutine than item %d", tc.cpus, i, i%tc.active)
				}
			}
			most = max(most, len(distinct))
		}
		if most > tc.active {
			t.Fatalf("cpus=%d: a batch ran on %d goroutines, want at most %d", tc.cpus, most, tc.active)
		}
		if tc.active > 1 && most < 2 {
			t.Fatalf("cpus=%d: no batch ran beyond the caller", tc.cpus)
		}
	}
}

// goid returns an identifier of the running goroutine, parsed from its stack header.
func goid() int64 {
	var buf [64]byte
	n := runtime.Stack(buf[:], false)
	var id int64
	for _, c := range buf[len("goroutine "):n] {
		if c < '0' || c > '9' {
			break
		}
		id = id*10 + int64(c-'0')
	}
	return id
}

func TestIdleWorkersParkAndWake(t *testing.T) {
	p := New(3)
	defer p.Close()
	p.Run(3, func(int) {})
	time.Sleep(5 * spinFor) // long enough for the workers to park
	for _, w := range p.workers {
		deadline := time.Now().Add(2 * time.Second)
		for !w.parked.Load() {
			if time.Now().After(deadline) {
				t.Fatalf("worker %d did not park", w.id)
			}
			time.Sleep(time.Millisecond)
		}
	}
	var sum atomic.Int64
	p.Run(30, func(i int) { sum.Add(int64(i)) })
	if sum.Load() != 435 {
		t.Fatalf("sum = %d after waking parked workers, want 435", sum.Load())
	}
}

func TestCloseStopsWorkers(t *testing.T) {
	before := runtime.NumGoroutine()
	p := New(5)
	p.Run(10, func(int) {})
	p.Close()
	deadline := time.Now().Add(2 * time.Second)
	for runtime.NumGoroutine() > before {
		if time.Now().After(deadline) {
			t.Fatalf("goroutines: %d before, %d after Close", before, runtime.NumGoroutine())
		}
		time.Sleep(time.Millisecond)
	}
}
