package store

import (
	"math/rand/v2"
	"unsafe"
)

// Key clocks for eviction.
//
// Every key carries 24 bits of access information in its allocation's
// header, as a Redis object does in its lru field. Under an LRU (or any
// non-LFU) policy it is the second of the last access (LRUClock). Under an
// LFU policy (DB.LFU set) it is Redis's LFU pair: the minute of the last
// decrement in the high 16 bits and a logarithmic access counter in the low
// 8, incremented with probability 1/((counter-5)·lfu-log-factor+1) on an
// access and decremented by one for every lfu-decay-time minutes idle.

// LFUParams are the LFU policy's parameters (lfu-log-factor, lfu-decay-time).
type LFUParams struct {
	LogFactor int
	DecayTime int
}

// LFUInitVal is the counter a new key starts with, so that it is not
// evicted before it had a chance to be used (Redis's LFU_INIT_VAL).
const LFUInitVal = 5

// lfuMinutes is the 16-bit minute clock of LFU counters.
func lfuMinutes(now int64) uint32 { return uint32(now/60000) & 0xffff }

// newClock returns the clock a new key starts with.
func (db *DB) newClock(now int64) uint32 {
	if db.LFU != nil {
		return lfuMinutes(now)<<8 | LFUInitVal
	}
	return LRUClock(now)
}

// touch records an access to e.
func (db *DB) touch(e entry, now int64) {
	if p := db.LFU; p != nil {
		c := LFUDecay(e.lru(), now, p.DecayTime)
		c = lfuLogIncr(c, p.LogFactor)
		e.setLRU(lfuMinutes(now)<<8 | uint32(c))
		return
	}
	e.setLRU(LRUClock(now))
}

// LFUDecay returns the LFU counter of clock as of now: decremented by the
// number of decay periods (decayTime minutes each) since it was last
// changed, as Redis's LFUDecrAndReturn.
func LFUDecay(clock uint32, now int64, decayTime int) uint8 {
	last := clock >> 8
	counter := clock & 0xff
	if decayTime <= 0 {
		return uint8(counter)
	}
	cur := lfuMinutes(now)
	var elapsed uint32
	if cur >= last {
		elapsed = cur - last
	} else {
		elapsed = 0xffff - last + cur
	}
	periods := elapsed / uint32(decayTime)
	if periods >= counter {
		return 0
	}
	return uint8(counter - periods)
}

// lfuLogIncr increments a counter logarithmically.
func lfuLogIncr(counter uint8, logFactor int) uint8 {
	if counter == 255 {
		return 255
	}
	base := float64(int(counter) - LFUInitVal)
	if base < 0 {
		base = 0
	}
	if rand.Float64() < 1.0/(base*float64(logFactor)+1) {
		counter++
	}
	return counter
}

// SampleKeys calls fn with up to count random keys that have not expired:
// among all keys, or, if volatile, among the keys with a deadline. Keys
// may repeat. It is the eviction pool's sampling (Redis's dictGetSomeKeys).
func (db *DB) SampleKeys(count int, volatile bool, now int64, fn func(Entry)) {
	if volatile {
		n := db.expires.Len()
		if n == 0 {
			return
		}
		for range min(count, n) {
			it, ok := db.expires.GetAt(rand.IntN(n))
			if !ok {
				continue
			}
			if e, ok := db.keys.get(unsafe.Slice(unsafe.StringData(it.key), len(it.key))); ok {
				fn(Entry{e})
			}
		}
		return
	}
	n := db.keys.len()
	for range min(count, n) {
		e, ok := db.keys.random()
		if !ok {
			return
		}
		fn(Entry{e})
	}
}

// Evict deletes key for the eviction of a maxmemory policy. It reports
// whether the key was there (expired or not: Redis evicts what it finds).
func (db *DB) Evict(key []byte) bool {
	e, ok := db.find(key)
	if !ok {
		return false
	}
	db.remove(e)
	return true
}

// HasDeadline reports whether key exists with a deadline.
func (db *DB) HasDeadline(key []byte) bool {
	e, ok := db.find(key)
	return ok && e.hasTTL()
}
