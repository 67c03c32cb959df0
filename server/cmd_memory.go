package server

import (
	"runtime/debug"
	"strconv"
	"strings"

	"github.com/kvdserver/kvd/internal/num"
)

// MEMORY: the figures of kvd's own memory accounting (store/mem.go,
// evict.go) in Redis's shapes.

var memoryCommands = []*Command{
	{Name: "memory", Subcommands: []*Command{
		{Name: "doctor", Proc: memoryDoctorCommand},
		{Name: "help", Proc: memoryHelpCommand},
		{Name: "malloc-stats", Proc: memoryMallocStatsCommand},
		{Name: "purge", Proc: memoryPurgeCommand},
		{Name: "stats", Proc: memoryStatsCommand},
		{Name: "usage", Proc: memoryUsageCommand},
	}},
}

// memoryUsageCommand implements MEMORY USAGE key [SAMPLES count]: the
// bytes the key and its value take, as counted against maxmemory. kvd's
// sizes are kept per encoding, not sampled, so SAMPLES is checked and
// otherwise has no effect.
func memoryUsageCommand(c *Ctx) {
	for j := 3; j < len(c.argv); j++ {
		if strings.EqualFold(string(c.argv[j]), "samples") && j+1 < len(c.argv) {
			n, ok := num.ParseInt(c.argv[j+1])
			if !ok {
				c.replyError(errNotInteger)
				return
			}
			if n < 0 {
				c.replyError(errSyntax)
				return
			}
			j++
			continue
		}
		c.replyError(errSyntax)
		return
	}
	e, ok := c.db.Peek(c.argv[2]) // no stats, no touch, as Redis's dbFind
	if !ok || e.Expired(c.now) {
		c.replyNull()
		return
	}
	// The key's own bytes and its share of the keyspace table's slot.
	c.replyInt(int64(e.MemUsage() + keySlotBytes))
}

// keySlotBytes is what one key takes in its database's table.
const keySlotBytes = 32

// memoryFloat is a ratio as Redis computes it, in single precision.
func memoryFloat(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return float64(float32(a / b))
}

func memoryStatsCommand(c *Ctx) {
	s := c.srv
	m := readMemory()
	s.evict.clientsMem = int64(s.clientsMemory())
	used := s.usedMemory()
	s.notePeak(uint64(used))
	startup := int64(s.stats.startupMemory)
	dataset := s.datasetMemory()
	overhead := used - dataset
	rss := int64(rssBytes())
	var keys int64
	var dbs []int
	for i, db := range s.dbs {
		if db.Len() > 0 {
			dbs = append(dbs, i)
			keys += int64(db.Len())
		}
	}
	scripts := int64(0)
	if e := s.scripts; e != nil {
		scripts = e.bodyMem + int64(len(e.scripts))*scriptEntryCost
	}
	c.replyMap(27 + len(dbs))
	kv := func(name string, v int64) {
		c.replyBulkString(name)
		c.replyInt(v)
	}
	kf := func(name string, v float64) {
		c.replyBulkString(name)
		c.replyDouble(v)
	}
	kv("peak.allocated", int64(s.stats.peakMemory))
	kv("total.allocated", used)
	kv("startup.allocated", startup)
	kv("replication.backlog", 0)
	kv("clients.slaves", 0)
	kv("clients.normal", s.evict.clientsMem)
	kv("cluster.links", 0)
	kv("aof.buffer", 0)
	kv("lua.caches", scripts)
	kv("functions.caches", 0)
	for _, i := range dbs {
		main, exp := s.dbs[i].OverheadMem()
		c.replyBulkString("db." + strconv.Itoa(i))
		c.replyMap(3)
		kv("overhead.hashtable.main", int64(main))
		kv("overhead.hashtable.expires", int64(exp))
		kv("overhead.hashtable.slot-to-keys", 0)
	}
	kv("overhead.total", overhead)
	kv("keys.count", keys)
	perKey := int64(0)
	if keys > 0 {
		perKey = (used - startup) / keys
	}
	kv("keys.bytes-per-key", perKey)
	kv("dataset.bytes", dataset)
	kf("dataset.percentage", 100*memoryFloat(float64(dataset), float64(used-startup)))
	kf("peak.percentage", 100*memoryFloat(float64(used), float64(s.stats.peakMemory)))
	kv("allocator.allocated", int64(m.objects))
	kv("allocator.active", int64(m.heapUsed))
	kv("allocator.resident", int64(m.mapped))
	kf("allocator-fragmentation.ratio", memoryFloat(float64(m.heapUsed), float64(m.objects)))
	kv("allocator-fragmentation.bytes", int64(m.heapUsed)-int64(m.objects))
	kf("allocator-rss.ratio", memoryFloat(float64(m.mapped), float64(m.heapUsed)))
	kv("allocator-rss.bytes", int64(m.mapped)-int64(m.heapUsed))
	kf("rss-overhead.ratio", memoryFloat(float64(rss), float64(m.mapped)))
	kv("rss-overhead.bytes", rss-int64(m.mapped))
	kf("fragmentation", memoryFloat(float64(rss), float64(used)))
	kv("fragmentation.bytes", rss-used)
}

// memoryDoctorCommand reports, like Redis's, an instance under 5 MB as
// too small to judge, and the conditions kvd can see: a peak more than
// 1.5 times the current use, and high fragmentation.
func memoryDoctorCommand(c *Ctx) {
	s := c.srv
	used := s.usedMemory()
	var msg string
	switch {
	case used < 5<<20:
		msg = "Hi Sam, this instance is empty or is using very little memory, my issues detector can't be used in these conditions. Please, leave for your mission on Earth and fill it with some data. The new Sam and I will be back to our programming as soon as I finished rebooting.\n"
	default:
		msg = "Hi Sam, I can't find any memory issue in your instance. I can only account for what occurs on this base.\n"
	}
	c.replyVerbatim([]byte(msg))
}

// memoryMallocStatsCommand answers as Redis does when built without
// jemalloc: Go's allocator has no such report.
func memoryMallocStatsCommand(c *Ctx) {
	c.replyVerbatim([]byte("Stats not supported for the current allocator"))
}

// memoryPurgeCommand returns free memory to the operating system.
func memoryPurgeCommand(c *Ctx) {
	debug.FreeOSMemory()
	c.replyOK()
}

var memoryHelp = []string{
	"DOCTOR",
	"    Return memory problems reports.",
	"MALLOC-STATS",
	"    Return internal statistics report from the memory allocator.",
	"PURGE",
	"    Attempt to purge dirty pages for reclamation by the allocator.",
	"STATS",
	"    Return information about the memory usage of the server.",
	"USAGE <key> [SAMPLES <count>]",
	"    Return memory in bytes used by <key> and its value. Nested values are",
	"    sampled up to <count> times (default: 5, 0 means sample all).",
}

func memoryHelpCommand(c *Ctx) { c.replyHelpLines("MEMORY", memoryHelp) }
