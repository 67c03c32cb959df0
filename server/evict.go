package server

import (
	"math"
	"runtime/debug"
	"time"

	"github.com/kvdserver/kvd/store"
)

// maxmemory and eviction, as Redis's evict.c does them.
//
// Before every command, when maxmemory is set, the server compares its used
// memory (usedMemory: the databases' own accounting, store/mem.go, plus the
// clients' buffers and the start-up figure) with the limit and, over it,
// evicts keys by the maxmemory policy until it is under again or a time
// limit set by maxmemory-eviction-tenacity passes (the cron then goes on).
// The LRU, LFU and TTL policies keep Redis's approximation: each round
// samples maxmemory-samples keys of every database into a pool of the 16
// best candidates seen so far, ordered by idle score, and evicts the best
// one that still exists.

// evictPolicy is a maxmemory-policy.
type evictPolicy uint8

const (
	policyNoEviction evictPolicy = iota
	policyVolatileLRU
	policyVolatileLFU
	policyVolatileRandom
	policyVolatileTTL
	policyAllkeysLRU
	policyAllkeysLFU
	policyAllkeysRandom
)

var policyNames = map[string]evictPolicy{
	"noeviction":      policyNoEviction,
	"volatile-lru":    policyVolatileLRU,
	"volatile-lfu":    policyVolatileLFU,
	"volatile-random": policyVolatileRandom,
	"volatile-ttl":    policyVolatileTTL,
	"allkeys-lru":     policyAllkeysLRU,
	"allkeys-lfu":     policyAllkeysLFU,
	"allkeys-random":  policyAllkeysRandom,
}

// String returns the policy's name.
func (p evictPolicy) String() string {
	for name, q := range policyNames {
		if q == p {
			return name
		}
	}
	return "noeviction"
}

func (p evictPolicy) lfu() bool { return p == policyVolatileLFU || p == policyAllkeysLFU }

func (p evictPolicy) volatile() bool {
	return p == policyVolatileLRU || p == policyVolatileLFU || p == policyVolatileRandom || p == policyVolatileTTL
}

func (p evictPolicy) random() bool { return p == policyVolatileRandom || p == policyAllkeysRandom }

// evictPoolSize is the number of candidates the pool keeps (EVPOOL_SIZE).
const evictPoolSize = 16

// poolEntry is a candidate for eviction.
type poolEntry struct {
	idle uint64 // higher is evicted first
	db   int
	key  []byte // nil when the slot is empty; its buffer is reused
	buf  []byte
}

// evictState is a server's maxmemory configuration and eviction state.
type evictState struct {
	maxmemory int64
	policy    evictPolicy
	samples   int
	tenacity  int
	lfu       store.LFUParams

	pool      [evictPoolSize]poolEntry
	nextDB    int           // the random policies' round-robin database
	evicted   int64         // evicted_keys
	running   bool          // an eviction stopped for its time limit: cron goes on
	overSince time.Time     // when used memory went over the limit (zero: not over)
	overTotal time.Duration // total_eviction_exceeded_time, up to overSince

	clientsMem     int64 // the clients' buffers, measured by cron
	clientsMax     int64 // maxmemory-clients in bytes, 0 when off (evict_clients.go)
	evictedClients int64 // evicted_clients
	memLimitSet    bool  // applyMaxmemory set the runtime's memory limit
	oom            bool  // the last check before a command found memory over the limit and could not free it
}

// evictParamApply are the apply functions of the maxmemory parameters
// (described by Redis's generated table, whose values sit in Config.other).
var evictParamApply = map[string]func(*Server) error{
	"maxmemory":                   (*Server).applyMaxmemory,
	"maxmemory-policy":            (*Server).applyEvictConfig,
	"maxmemory-samples":           (*Server).applyEvictConfig,
	"maxmemory-eviction-tenacity": (*Server).applyEvictConfig,
	"lfu-log-factor":              (*Server).applyEvictConfig,
	"lfu-decay-time":              (*Server).applyEvictConfig,
	"maxmemory-clients":           (*Server).applyEvictConfig,
}

func (s *Server) otherInt(name string, def int64) int64 {
	v, ok := s.cfg.other[name]
	if !ok {
		return def
	}
	if n, ok := parseMemory(v); ok {
		return int64(min(n, math.MaxInt64))
	}
	return def
}

// applyEvictConfig reads the maxmemory parameters into s.evict.
func (s *Server) applyEvictConfig() error {
	ev := &s.evict
	ev.maxmemory = s.otherInt("maxmemory", 0)
	ev.policy = policyNames[s.cfg.other["maxmemory-policy"]]
	ev.samples = int(s.otherInt("maxmemory-samples", 5))
	ev.tenacity = int(s.otherInt("maxmemory-eviction-tenacity", 10))
	ev.lfu.LogFactor = int(s.otherInt("lfu-log-factor", 10))
	ev.lfu.DecayTime = int(s.otherInt("lfu-decay-time", 1))
	ev.clientsMax = s.clientsLimit() // evict_clients.go
	var lfu *store.LFUParams
	if ev.policy.lfu() {
		lfu = &ev.lfu
	}
	for _, db := range s.dbs {
		db.LFU = lfu
	}
	return nil
}

// applyMaxmemory takes a new maxmemory and, like Redis's CONFIG SET
// maxmemory, evicts at once down to it (warning when it is below the used
// memory). The Go runtime's soft memory limit follows it, so that garbage
// is collected before the heap runs far past the limit. (The runtime's
// limit is the process's: servers embedded together share it.)
func (s *Server) applyMaxmemory() error {
	if err := s.applyEvictConfig(); err != nil {
		return err
	}
	if m := s.evict.maxmemory; m > 0 {
		s.evict.clientsMem = int64(s.clientsMemory())
		if used := s.usedMemory(); used > m {
			s.logf(levelWarning, "WARNING: the new maxmemory value set via CONFIG SET (%d) is smaller than the current memory usage (%d). This will result in key eviction and/or the inability to accept new write commands depending on the maxmemory-policy.", m, used)
		}
		s.performEvictions()
		debug.SetMemoryLimit(m + m/4 + int64(s.stats.startupMemory) + 16<<20)
		s.evict.memLimitSet = true
	} else if s.evict.memLimitSet {
		debug.SetMemoryLimit(math.MaxInt64)
		s.evict.memLimitSet = false
	}
	return nil
}

// usedMemory is used_memory: the databases' keys and values and their
// tables, the clients' buffers (as of the last cron tick) and the memory
// in use at start-up.
func (s *Server) usedMemory() int64 {
	n := int64(s.stats.startupMemory) + s.evict.clientsMem
	for _, db := range s.dbs {
		main, exp := db.OverheadMem()
		n += int64(db.Mem() + main + exp)
	}
	return n
}

// datasetMemory is the databases' keys and values alone.
func (s *Server) datasetMemory() int64 {
	var n int64
	for _, db := range s.dbs {
		n += int64(db.Mem())
	}
	return n
}

// evictTimeLimit is how long one eviction may run, from
// maxmemory-eviction-tenacity as Redis's evictionTimeLimitUs.
func (ev *evictState) timeLimit() time.Duration {
	t := ev.tenacity
	switch {
	case t <= 10:
		return time.Duration(50*t) * time.Microsecond
	case t < 100:
		return time.Duration(500*math.Pow(1.15, float64(t-10))) * time.Microsecond
	}
	return time.Duration(math.MaxInt64)
}

// evictResult is what performEvictions did.
type evictResult uint8

const (
	evictOK      evictResult = iota // under the limit (or no limit)
	evictRunning                    // over it, still evicting (time limit)
	evictFail                       // over it and nothing (more) to evict
)

// performEvictions evicts keys until used memory is under maxmemory, as
// Redis's performEvictions.
func (s *Server) performEvictions() evictResult {
	ev := &s.evict
	if ev.maxmemory <= 0 {
		return evictOK
	}
	used := s.usedMemory()
	if used <= ev.maxmemory {
		ev.running = false
		s.noteUnderLimit()
		return evictOK
	}
	s.noteOverLimit()
	if ev.policy == policyNoEviction {
		return evictFail
	}
	// The time limit is checked every 16 keys, from the 16th on: the clock
	// is not read at all for the usual eviction of a key or two per write.
	var start time.Time
	defer s.latencyEnd("eviction-cycle", s.latencyStart()) // latency.go
	limit := ev.timeLimit()
	count := 0
	for {
		// The clients' buffers are measured by cron; when evicting, measure
		// them now (they grow with the evicted notifications sent).
		ev.clientsMem = int64(s.clientsMemory())
		used = s.usedMemory()
		if used <= ev.maxmemory {
			break
		}
		tofree := used - ev.maxmemory
		var freed int64
		for freed < tofree {
			db, key, ok := s.pickVictim()
			if !ok {
				ev.running = false
				return evictFail
			}
			before := s.usedMemory()
			del := s.latencyStart()
			s.evictKey(db, key)
			s.latencyEnd("eviction-del", del)
			freed += before - s.usedMemory()
			count++
			if count%16 == 0 {
				if start.IsZero() {
					start = time.Now()
				} else if time.Since(start) > limit {
					ev.running = true
					return evictRunning
				}
			}
		}
	}
	ev.running = false
	s.noteUnderLimit()
	return evictOK
}

func (s *Server) noteOverLimit() {
	if s.evict.overSince.IsZero() {
		s.evict.overSince = time.Now()
	}
}

func (s *Server) noteUnderLimit() {
	if !s.evict.overSince.IsZero() {
		s.evict.overTotal += time.Since(s.evict.overSince)
		s.evict.overSince = time.Time{}
	}
}

// evictKey deletes key of database db for the policy: counted, notified
// (evicted) and propagated as a DEL.
func (s *Server) evictKey(db int, key []byte) {
	if !s.dbs[db].Evict(key) {
		return
	}
	s.evict.evicted++
	s.touchWatchedKey(db, key)
	s.notifyKeyspaceEvent(notifyEvicted, "evicted", key, db)
	if s.prop.on() {
		s.prop.add(db, [][]byte{bDEL, key})
	}
}

// pickVictim chooses the next key to evict, or reports that there is none.
func (s *Server) pickVictim() (db int, key []byte, ok bool) {
	ev := &s.evict
	now := s.nowMs()
	if ev.policy.random() {
		for range len(s.dbs) {
			i := ev.nextDB % len(s.dbs)
			ev.nextDB++
			var k []byte
			s.dbs[i].SampleKeys(1, ev.policy.volatile(), now, func(e store.Entry) {
				k = append(ev.pool[0].buf[:0], e.Key()...)
			})
			if k != nil {
				ev.pool[0].buf = k
				return i, k, true
			}
		}
		return 0, nil, false
	}
	for {
		total := 0
		for i, d := range s.dbs {
			n := d.Len()
			if ev.policy.volatile() {
				n = d.ExpiresLen()
			}
			if n == 0 {
				continue
			}
			total += n
			d.SampleKeys(ev.samples, ev.policy.volatile(), now, func(e store.Entry) {
				s.poolInsert(i, e, now)
			})
		}
		if total == 0 {
			return 0, nil, false
		}
		// The best candidate that still exists.
		for k := evictPoolSize - 1; k >= 0; k-- {
			p := &ev.pool[k]
			if p.key == nil {
				continue
			}
			d := s.dbs[p.db]
			var exists bool
			if ev.policy.volatile() {
				exists = d.HasDeadline(p.key)
			} else {
				exists = d.Contains(p.key)
			}
			key, db := p.key, p.db
			s.poolRemove(k)
			if exists {
				return db, key, true
			}
		}
	}
}

// idleScore is how strongly the policy wants e evicted.
func (s *Server) idleScore(e store.Entry, now int64) uint64 {
	switch s.evict.policy {
	case policyVolatileTTL:
		return math.MaxUint64 - uint64(e.Deadline())
	case policyAllkeysLFU, policyVolatileLFU:
		return 255 - uint64(store.LFUDecay(e.LRU(), now, s.evict.lfu.DecayTime))
	}
	return uint64(store.IdleMillis(e.LRU(), now))
}

// poolInsert offers e to the pool, which keeps the evictPoolSize keys with
// the highest idle scores, in ascending order (Redis's evictionPoolPopulate).
func (s *Server) poolInsert(db int, e store.Entry, now int64) {
	pool := &s.evict.pool
	idle := s.idleScore(e, now)
	key := e.Key()
	k := 0
	for k < evictPoolSize && pool[k].key != nil && pool[k].idle < idle {
		k++
	}
	for j := range pool {
		if pool[j].key != nil && pool[j].db == db && string(pool[j].key) == string(key) {
			return // already a candidate
		}
	}
	switch {
	case k == 0 && pool[evictPoolSize-1].key != nil:
		return // worse than every candidate, and the pool is full
	case k < evictPoolSize && pool[k].key == nil:
		// An empty slot: take it.
	default:
		if pool[evictPoolSize-1].key == nil {
			// Room at the right: shift right.
			spare := pool[evictPoolSize-1].buf
			copy(pool[k+1:], pool[k:evictPoolSize-1])
			pool[k] = poolEntry{buf: spare}
		} else {
			// Full: drop the leftmost (least idle) and shift left.
			k--
			spare := pool[0].buf
			copy(pool[:k], pool[1:k+1])
			pool[k] = poolEntry{buf: spare}
		}
	}
	p := &pool[k]
	p.buf = append(p.buf[:0], key...)
	p.key, p.idle, p.db = p.buf, idle, db
}

// poolRemove empties slot k, keeping the slots in order.
func (s *Server) poolRemove(k int) {
	pool := &s.evict.pool
	spare := pool[k].buf
	copy(pool[k:], pool[k+1:])
	pool[evictPoolSize-1] = poolEntry{buf: spare}
}

// checkOOM runs before a command when maxmemory is set, as the maxmemory
// part of Redis's processCommand: it evicts, and reports whether the
// command must be refused with -OOM.
func (s *Server) checkOOM(c *Client, cmd *cmdState) bool {
	out := s.performEvictions() == evictFail
	s.evict.oom = out
	if !out {
		return false
	}
	deny := cmd.Flags&FlagDenyOOM != 0
	if cmd.fullName == "exec" && c.inMulti() && c.mstate.flags&FlagDenyOOM != 0 {
		deny = true
	}
	if !deny && isScriptCall(cmd) && s.scriptCmdFlags(c, cmd).Flags&FlagDenyOOM != 0 {
		deny = true // a script declaring flags that may write, without allow-oom
	}
	if c.inMulti() {
		switch cmd.fullName {
		case "exec", "discard", "quit", "reset":
		default:
			deny = true
		}
	}
	return deny
}

func isScriptCall(cmd *cmdState) bool {
	switch cmd.fullName {
	case "eval", "evalsha", "fcall", "eval_ro", "evalsha_ro", "fcall_ro":
		return true
	}
	return false
}

// evictCron continues an eviction stopped by its time limit and measures
// the clients' buffers for usedMemory.
func (s *Server) evictCron() {
	s.evict.clientsMem = int64(s.clientsMemory())
	s.evictClients()
	if s.evict.maxmemory > 0 && (s.evict.running || s.usedMemory() > s.evict.maxmemory) {
		s.performEvictions()
	}
}
