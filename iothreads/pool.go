// Package iothreads is a Redis-6-style fan-out/fan-in pool: the caller hands
// it a batch of n items, item i goes to thread i mod N (thread 0 being the
// caller itself), every thread runs the same function over its share, and
// the call returns once all of them are done.
//
// It knows nothing of clients or sockets. kvd uses it to read and parse, or
// write, many clients' sockets at once while commands still execute on the
// one loop goroutine.
//
// Workers spin briefly waiting for the next batch (a loop iteration is
// usually microseconds away under load) and then park, so an idle pool
// burns no CPU.
//
// Threads that cannot run at the same time only add hand-offs, and a
// spinning worker then takes CPU time from the caller: while the caller's
// thread may run on one CPU only (its affinity, as set by taskset or a
// cpuset), a batch runs wholly on the caller. The affinity is read again
// at most once a second.
package iothreads

import (
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"
)

// spinFor is how long a worker polls for the next batch before parking.
const spinFor = 50 * time.Microsecond

// cpuCheckEvery is how often Run reads the CPU affinity again.
const cpuCheckEvery = time.Second

// affinityCPUs returns how many CPUs the calling thread may run on, or 0
// when that cannot be read.
func affinityCPUs() int {
	var set unix.CPUSet
	if err := unix.SchedGetaffinity(0, &set); err != nil {
		return 0
	}
	return set.Count()
}

// Pool runs batches on a fixed number of threads. Run must be called from
// one goroutine at a time.
type Pool struct {
	n       int // threads including the caller
	workers []*worker
	pending atomic.Int64 // items of the current batch not yet done
	fn      func(i int)  // the current batch's function
	items   int          // the current batch's size
	wg      sync.WaitGroup
	closed  bool

	cpus       func() int // CPUs the caller's thread may use (affinityCPUs)
	checkEvery time.Duration
	checkedAt  time.Time
	parallel   bool // the last check found two CPUs or more
}

type worker struct {
	id     int
	gen    atomic.Uint64 // bumped for each batch
	parked atomic.Bool
	wake   chan struct{}
	stop   atomic.Bool
}

// New starts a pool of n threads: the caller plus n-1 worker goroutines.
// n < 2 gives a pool that runs everything on the caller.
func New(n int) *Pool {
	n = max(n, 1)
	p := &Pool{n: n, cpus: affinityCPUs, checkEvery: cpuCheckEvery}
	for id := 1; id < n; id++ {
		w := &worker{id: id, wake: make(chan struct{}, 1)}
		p.workers = append(p.workers, w)
		p.wg.Add(1)
		go p.work(w)
	}
	return p
}

// Threads returns the number of threads, the caller included.
func (p *Pool) Threads() int { return p.n }

// Parallel reports whether Run spreads batches over the threads: the pool
// has more than one and, at the last check, the caller's thread could run
// on more than one CPU (a thread whose affinity cannot be read counts as
// free to run anywhere).
func (p *Pool) Parallel() bool {
	if p.n == 1 {
		return false
	}
	p.checkCPUs(time.Now())
	return p.parallel
}

func (p *Pool) checkCPUs(now time.Time) {
	if !p.checkedAt.IsZero() && now.Sub(p.checkedAt) < p.checkEvery {
		return
	}
	p.checkedAt = now
	c := p.cpus()
	p.parallel = c == 0 || c > 1
}

// Run calls fn(i) for every i in [0, items), item i on thread i mod N, and
// returns when all calls have returned. The caller runs thread 0's share,
// and every item while Parallel is false. Writes made by fn are visible to
// the caller when Run returns. Run and Parallel must be called from one
// goroutine at a time.
func (p *Pool) Run(items int, fn func(i int)) {
	if items <= 0 {
		return
	}
	if items == 1 || !p.Parallel() {
		for i := 0; i < items; i++ {
			fn(i)
		}
		return
	}
	p.fn, p.items = fn, items
	p.pending.Store(int64(items))
	for _, w := range p.workers {
		if w.id >= items {
			break
		}
		w.gen.Add(1)
		if w.parked.Load() {
			select {
			case w.wake <- struct{}{}:
			default:
			}
		}
	}
	done := p.runShare(0)
	if done > 0 {
		p.pending.Add(-int64(done))
	}
	for spins := 0; p.pending.Load() > 0; spins++ {
		if spins > 64 {
			runtime.Gosched()
		}
	}
	p.fn = nil
}

// runShare runs thread t's items of the current batch and returns how many.
func (p *Pool) runShare(t int) int {
	n := 0
	for i := t; i < p.items; i += p.n {
		p.fn(i)
		n++
	}
	return n
}

func (p *Pool) work(w *worker) {
	defer p.wg.Done()
	var seen uint64
	for {
		// Spin a little for the next batch, then park.
		deadline := time.Now().Add(spinFor)
		for w.gen.Load() == seen && !w.stop.Load() {
			runtime.Gosched()
			if time.Now().After(deadline) {
				w.parked.Store(true)
				if w.gen.Load() == seen && !w.stop.Load() {
					<-w.wake
				}
				w.parked.Store(false)
				deadline = time.Now().Add(spinFor)
			}
		}
		if w.stop.Load() {
			return
		}
		seen = w.gen.Load()
		if done := p.runShare(w.id); done > 0 {
			p.pending.Add(-int64(done))
		}
	}
}

// Close stops the workers and waits for them to exit. The pool must not be
// running a batch.
func (p *Pool) Close() {
	if p.closed {
		return
	}
	p.closed = true
	for _, w := range p.workers {
		w.stop.Store(true)
		select {
		case w.wake <- struct{}{}:
		default:
		}
	}
	p.wg.Wait()
}
