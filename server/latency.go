package server

import (
	"os"
	"sort"
	"strconv"
	"strings"
	"time"
)

// The latency monitor, as Redis 7.0's latency.c keeps it: while
// latency-monitor-threshold is set (in milliseconds), every event that
// lasts at least that long is recorded in its event's series, a ring of
// the latest 160 samples with at most one per second (the highest), and
// the event's all-time highest. kvd records the events of the subsystems
// it has: "command" and "fast-command" (each command, by its fast flag)
// and "expire-cycle" (active expiry in cron).

// latencyTSLen is how many samples an event keeps (Redis's LATENCY_TS_LEN).
const latencyTSLen = 160

// latencySample is one second's highest latency of an event.
type latencySample struct {
	time    int64 // unix seconds; 0: empty
	latency int64 // milliseconds
}

// latencySeries is an event's samples, a ring whose oldest is at idx.
type latencySeries struct {
	idx     int
	max     int64
	samples [latencyTSLen]latencySample
}

// latencyMonitor is a server's latency events, by name.
type latencyMonitor struct {
	events map[string]*latencySeries
}

// add records that event lasted ms milliseconds at unix second now.
func (m *latencyMonitor) add(event string, ms, now int64) {
	if m.events == nil {
		m.events = make(map[string]*latencySeries)
	}
	ts := m.events[event]
	if ts == nil {
		ts = &latencySeries{}
		m.events[event] = ts
	}
	ts.max = max(ts.max, ms)
	prev := &ts.samples[(ts.idx+latencyTSLen-1)%latencyTSLen]
	if prev.time == now {
		prev.latency = max(prev.latency, ms)
		return
	}
	ts.samples[ts.idx] = latencySample{time: now, latency: ms}
	ts.idx = (ts.idx + 1) % latencyTSLen
}

// latest returns an event's newest sample.
func (ts *latencySeries) latest() latencySample {
	return ts.samples[(ts.idx+latencyTSLen-1)%latencyTSLen]
}

// each calls f with the samples, oldest first.
func (ts *latencySeries) each(f func(latencySample)) {
	for j := 0; j < latencyTSLen; j++ {
		if smp := ts.samples[(ts.idx+j)%latencyTSLen]; smp.time != 0 {
			f(smp)
		}
	}
}

// names returns the event names, sorted (Redis's order is its hash table's).
func (m *latencyMonitor) names() []string {
	names := make([]string, 0, len(m.events))
	for n := range m.events {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// latencyAddSampleIfNeeded records event at ms milliseconds if the monitor
// is on and ms reaches its threshold.
func (s *Server) latencyAddSampleIfNeeded(event string, ms int64) {
	if t := s.cfg.Introspect.LatencyMonitorThreshold; t > 0 && ms >= t {
		s.latency.add(event, ms, s.clock.now().Unix())
	}
}

// latencyStart returns when an event starts, to pass to latencyEnd, or
// the zero time while the monitor is off (then nothing is measured).
func (s *Server) latencyStart() time.Time {
	if s.cfg.Introspect.LatencyMonitorThreshold > 0 {
		return time.Now()
	}
	return time.Time{}
}

// latencyEnd records event, which began at start (from latencyStart), if
// it lasted long enough.
func (s *Server) latencyEnd(event string, start time.Time) {
	if !start.IsZero() {
		s.latencyAddSampleIfNeeded(event, time.Since(start).Milliseconds())
	}
}

// afterCallIntrospect is call's bookkeeping for the latency histogram, the
// latency monitor and the slow log, for a command that ran usec microseconds.
func (s *Server) afterCallIntrospect(x *Ctx, cmd *cmdState, usec int64) {
	ic := &s.cfg.Introspect
	c := x.client
	blocked := c != nil && c.flags&flagBlocked != 0
	// Like Redis, latency is measured in whole microseconds and recorded in
	// nanoseconds; a command that blocked is recorded when it is answered.
	if ic.LatencyTracking && !blocked {
		cmd.latency.record(usec * 1000)
	}
	if ic.LatencyMonitorThreshold > 0 {
		event := "command"
		if cmd.Flags&FlagFast != 0 {
			event = "fast-command"
		}
		s.latencyAddSampleIfNeeded(event, usec/1000)
	}
	if blocked {
		// Logged when it is answered.
		s.slowlogBlocked(x, cmd, usec)
		return
	}
	if s.slowlogWants(cmd, usec) {
		if c != nil && c.fd < 0 {
			c = nil // a script's or another fake client: "?:0", no name
		}
		s.slowlogPush(c, cmd, x.argv, usec)
	}
}

// ---- LATENCY DOCTOR ----

// latencyStats summarises an event's samples for the report.
type latencyStats struct {
	samples, avg, mad, period int64
}

func (ts *latencySeries) stats(now int64) latencyStats {
	var ls latencyStats
	var sum, oldest int64
	ts.each(func(smp latencySample) {
		ls.samples++
		sum += smp.latency
		if oldest == 0 || smp.time < oldest {
			oldest = smp.time
		}
	})
	if ls.samples == 0 {
		return ls
	}
	ls.avg = sum / ls.samples
	ls.period = max(now-oldest, 1)
	var dev int64
	ts.each(func(smp latencySample) {
		d := ls.avg - smp.latency
		if d < 0 {
			d = -d
		}
		dev += d
	})
	ls.mad = dev / ls.samples
	return ls
}

// latencyReport is LATENCY DOCTOR's report, in Redis's words: a line per
// event, then the advice its events call for.
func (s *Server) latencyReport() string {
	ic := &s.cfg.Introspect
	if len(s.latency.events) == 0 && ic.LatencyMonitorThreshold == 0 {
		return "I'm sorry, Dave, I can't do that. Latency monitoring is disabled in this Redis instance. You may use \"CONFIG SET latency-monitor-threshold <milliseconds>.\" in order to enable it. If we weren't in a deep space mission I'd suggest to take a look at https://redis.io/topics/latency-monitor.\n"
	}
	var b strings.Builder
	var slowlogEnable, slowlogTune, slowlogInspect, scheduler, hz, largeObjects, massEviction, thp bool
	var localDisk, ssd, writeback, contention, noAppendfsync, relaxFsync, writeLoad bool
	advices := 0
	now := s.clock.now().Unix()
	for i, name := range s.latency.names() {
		ts := s.latency.events[name]
		if i == 0 {
			b.WriteString("Dave, I have observed latency spikes in this Redis instance. You don't mind talking about it, do you Dave?\n\n")
		}
		ls := ts.stats(now)
		b.WriteString(strconv.Itoa(i+1) + ". " + name + ": " + strconv.FormatInt(ls.samples, 10) +
			" latency spikes (average " + strconv.FormatInt(ls.avg, 10) + "ms, mean deviation " +
			strconv.FormatInt(ls.mad, 10) + "ms, period " +
			strconv.FormatFloat(float64(ls.period)/float64(ls.samples), 'f', 2, 64) +
			" sec). Worst all time event " + strconv.FormatInt(ts.max, 10) + "ms.")
		switch name {
		case "command":
			if ic.SlowlogSlowerThan < 0 {
				slowlogEnable = true
				advices++
			} else if ic.SlowlogSlowerThan/1000 > ic.LatencyMonitorThreshold {
				slowlogTune = true
				advices++
			}
			slowlogInspect, largeObjects = true, true
			advices += 2
		case "fast-command":
			scheduler = true
			advices++
		case "expire-cycle":
			hz, largeObjects = true, true
			advices += 2
		case "aof-write-pending-fsync":
			localDisk, contention, ssd, writeback = true, true, true, true
			advices += 4
		case "aof-write-active-child":
			noAppendfsync, writeback, ssd = true, true, true
			advices += 3
		case "aof-write-alone":
			localDisk, writeback, ssd = true, true, true
			advices += 3
		case "aof-fsync-always":
			relaxFsync = true
			advices++
		case "aof-fstat", "rdb-unlink-temp-file":
			contention, localDisk = true, true
			advices += 2
		case "aof-rewrite-diff-write", "aof-rename":
			writeLoad, writeback, ssd, localDisk = true, true, true, true
			advices += 4
		case "eviction-del":
			largeObjects = true
			advices++
		case "eviction-cycle":
			massEviction = true
			advices++
		}
		b.WriteByte('\n')
	}
	if anonHugePages() > 0 {
		thp = true
		advices++
	}
	events := len(s.latency.events)
	switch {
	case events == 0 && advices == 0:
		b.WriteString("Dave, no latency spike was observed during the lifetime of this Redis instance, not in the slightest bit. I honestly think you ought to sit down calmly, take a stress pill, and think things over.\n")
	case events > 0 && advices == 0:
		b.WriteString("\nWhile there are latency events logged, I'm not able to suggest any easy fix. Please use the Redis community to get some help, providing this report in your help request.\n")
	default:
		b.WriteString("\nI have a few advices for you:\n\n")
		threshold := strconv.FormatInt(ic.LatencyMonitorThreshold*1000, 10)
		if slowlogEnable {
			b.WriteString("- There are latency issues with potentially slow commands you are using. Try to enable the Slow Log Redis feature using the command 'CONFIG SET slowlog-log-slower-than " + threshold + "'. If the Slow log is disabled Redis is not able to log slow commands execution for you.\n")
		}
		if slowlogTune {
			b.WriteString("- Your current Slow Log configuration only logs events that are slower than your configured latency monitor threshold. Please use 'CONFIG SET slowlog-log-slower-than " + threshold + "'.\n")
		}
		if slowlogInspect {
			b.WriteString("- Check your Slow Log to understand what are the commands you are running which are too slow to execute. Please check https://redis.io/commands/slowlog for more information.\n")
		}
		if scheduler {
			b.WriteString("- The system is slow to execute Redis code paths not containing system calls. This usually means the system does not provide Redis CPU time to run for long periods. You should try to:\n" +
				"  1) Lower the system load.\n" +
				"  2) Use a computer / VM just for Redis if you are running other software in the same system.\n" +
				"  3) Check if you have a \"noisy neighbour\" problem.\n" +
				"  4) Check with 'redis-cli --intrinsic-latency 100' what is the intrinsic latency in your system.\n" +
				"  5) Check if the problem is allocator-related by recompiling Redis with MALLOC=libc, if you are using Jemalloc. However this may create fragmentation problems.\n")
		}
		if localDisk {
			b.WriteString("- It is strongly advised to use local disks for persistence, especially if you are using AOF. Remote disks provided by platform-as-a-service providers are known to be slow.\n")
		}
		if ssd {
			b.WriteString("- SSD disks are able to reduce fsync latency, and total time needed for snapshotting and AOF log rewriting (resulting in smaller memory usage). With extremely high write load SSD disks can be a good option. However Redis should perform reasonably with high load using normal disks. Use this advice as a last resort.\n")
		}
		if writeback {
			b.WriteString("- Mounting ext3/4 filesystems with data=writeback can provide a performance boost compared to data=ordered, however this mode of operation provides less guarantees, and sometimes it can happen that after a hard crash the AOF file will have a half-written command at the end and will require to be repaired before Redis restarts.\n")
		}
		if contention {
			b.WriteString("- Try to lower the disk contention. This is often caused by other disk intensive processes running in the same computer (including other Redis instances).\n")
		}
		if noAppendfsync {
			b.WriteString("- Assuming from the point of view of data safety this is viable in your environment, you could try to enable the 'no-appendfsync-on-rewrite' option, so that fsync will not be performed while there is a child rewriting the AOF file or producing an RDB file (the moment where there is high disk contention).\n")
		}
		if relaxFsync && s.aof.fsync == aofFsyncAlways {
			b.WriteString("- Your fsync policy is set to 'always'. It is very hard to get good performances with such a setup, if possible try to relax the fsync policy to 'onesec'.\n")
		}
		if writeLoad {
			b.WriteString("- Latency during the AOF atomic rename operation or when the final difference is flushed to the AOF file at the end of the rewrite, sometimes is caused by very high write load, causing the AOF buffer to get very large. If possible try to send less commands to accomplish the same work, or use Lua scripts to group multiple operations into a single EVALSHA call.\n")
		}
		if hz && s.cfg.Hz < 100 {
			b.WriteString("- In order to make the Redis keys expiring process more incremental, try to set the 'hz' configuration parameter to 100 using 'CONFIG SET hz 100'.\n")
		}
		if largeObjects {
			b.WriteString("- Deleting, expiring or evicting (because of maxmemory policy) large objects is a blocking operation. If you have very large objects that are often deleted, expired, or evicted, try to fragment those objects into multiple smaller objects.\n")
		}
		if massEviction {
			b.WriteString("- Sudden changes to the 'maxmemory' setting via 'CONFIG SET', or allocation of large objects via sets or sorted sets intersections, STORE option of SORT, Redis Cluster large keys migrations (RESTORE command), may create sudden memory pressure forcing the server to block trying to evict keys. \n")
		}
		if thp {
			b.WriteString("- I detected a non zero amount of anonymous huge pages used by your process. This creates very serious latency events in different conditions, especially when Redis is persisting on disk. To disable THP support use the command 'echo never > /sys/kernel/mm/transparent_hugepage/enabled', make sure to also add it into /etc/rc.local so that the command will be executed again after a reboot. Note that even if you have already disabled THP, you still need to restart the Redis process to get rid of the huge pages already created.\n")
		}
	}
	return b.String()
}

// anonHugePages is the process's anonymous huge pages in kB, from
// /proc/self/smaps_rollup (0 where there is none).
func anonHugePages() int64 {
	data, err := os.ReadFile("/proc/self/smaps_rollup")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, "AnonHugePages:"); ok {
			f := strings.Fields(v)
			if len(f) > 0 {
				n, _ := strconv.ParseInt(f[0], 10, 64)
				return n
			}
		}
	}
	return 0
}
