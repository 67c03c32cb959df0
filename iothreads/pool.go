// Package iothreads is a Redis-6-style fan-out/fan-in pool: the caller hands
// it a batch of n items, item i goes to thread i mod N (thread 0 being the
// caller itself, N the threads in use), every thread runs the same function
// over its share, and the call returns once all of them are done.
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
// spinning worker then takes CPU time from the caller or from the clients:
// a batch goes to as many threads as there are CPUs to run them, counted
// from the caller's affinity (as set by taskset or a cpuset) less the CPU
// time other processes took on those CPUs, measured again at most every
// 250 ms (see cpuMeter). With only one usable CPU, a batch runs wholly on
// the caller. SetAdaptive(false) always uses every thread, as Redis does.
package iothreads

import (
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// spinFor is how long a worker polls for the next batch before parking.
const spinFor = 50 * time.Microsecond

// cpuCheckEvery is how often Run measures the usable CPUs again: often
// enough to follow a change of load within a fraction of a second, seldom
// enough that the reading (about 10 µs) costs nothing measurable.
const cpuCheckEvery = 250 * time.Millisecond

// Pool runs batches on a fixed number of threads. Run must be called from
// one goroutine at a time.
type Pool struct {
	n       int // threads including the caller
	workers []*worker
	pending atomic.Int64 // items of the current batch not yet done
	fn      func(i int)  // the current batch's function
	items   int          // the current batch's size
	stride  int          // threads the current batch is spread over
	wg      sync.WaitGroup
	closed  bool

	fixed      bool // SetAdaptive(false): always all threads
	meter      *cpuMeter
	cpus       func(now time.Time) int // CPUs usable now, 0 if unknown (meter.threads)
	checkEvery time.Duration
	checkedAt  time.Time
	active     int // threads batches are spread over, from the last check
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
	p := &Pool{n: n, checkEvery: cpuCheckEvery, active: n}
	if n > 1 {
		p.meter = newCPUMeter()
		p.cpus = p.meter.threads
	}
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

// SetAdaptive chooses whether batches go to only as many threads as there
// are usable CPUs (true, the default) or always to all of them, as Redis
// does (false). It must not be called while Run is.
func (p *Pool) SetAdaptive(on bool) {
	p.fixed = !on
	p.checkedAt = time.Time{}
	p.active = p.n
}

// Parallel reports whether Run spreads batches over more than one thread:
// the pool has more than one and, at the last check, more than one CPU was
// usable (an unknown count counts as enough).
func (p *Pool) Parallel() bool {
	return p.Active() > 1
}

// Active returns how many threads, the caller included, Run spreads batches
// over now: the pool's threads, or fewer when fewer CPUs were usable at the
// last check.
func (p *Pool) Active() int {
	if p.n == 1 || p.fixed {
		return p.n
	}
	p.checkCPUs(time.Now())
	return p.active
}

func (p *Pool) checkCPUs(now time.Time) {
	if !p.checkedAt.IsZero() && now.Sub(p.checkedAt) < p.checkEvery {
		return
	}
	p.checkedAt = now
	p.active = p.n
	if c := p.cpus(now); c > 0 {
		p.active = min(c, p.n)
	}
}

// Run calls fn(i) for every i in [0, items), item i on thread i mod A
// where A is Active, and returns when all calls have returned. The caller
// runs thread 0's share, and every item while A is 1. Writes made by fn are
// visible to the caller when Run returns. Run, Parallel and Active must be
// called from one goroutine at a time.
func (p *Pool) Run(items int, fn func(i int)) {
	if items <= 0 {
		return
	}
	active := 1
	if items > 1 {
		active = p.Active()
	}
	if active == 1 {
		for i := 0; i < items; i++ {
			fn(i)
		}
		return
	}
	p.fn, p.items, p.stride = fn, items, active
	p.pending.Store(int64(items))
	for _, w := range p.workers {
		if w.id >= items || w.id >= active {
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
	for i := t; i < p.items; i += p.stride {
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
	if p.meter != nil {
		p.meter.close()
	}
	for _, w := range p.workers {
		w.stop.Store(true)
		select {
		case w.wake <- struct{}{}:
		default:
		}
	}
	p.wg.Wait()
}
