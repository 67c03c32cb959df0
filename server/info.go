package server

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"net"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sort"
	"strconv"
	"strings"
	"time"
)

// INFO, in Redis 7.0's format: "# Section\r\nfield:value\r\n...", sections
// separated by a blank line, with Redis's field names in Redis's order so
// that tools that parse INFO find what they look for. Values are real where
// kvd has the thing measured; where kvd lacks the feature (persistence,
// replication, Lua, forks, eviction) the value is what Redis reports with
// that feature unused (0, "ok", -1).
//
// Memory figures come from the Go runtime (see memoryInfo), not from an
// allocator like jemalloc; kvd_* fields at the end of the Server section are
// kvd's own.

// infoSection is one INFO section: its name (as INFO takes it) and the
// function that writes its body.
type infoSection struct {
	name  string
	title string
	dflt  bool // part of INFO / INFO default
	write func(s *Server, b *infoBuilder)
}

// infoSections lists the sections in the order INFO prints them.
var infoSections = []infoSection{
	{"server", "Server", true, (*Server).infoServer},
	{"clients", "Clients", true, (*Server).infoClients},
	{"memory", "Memory", true, (*Server).infoMemory},
	{"persistence", "Persistence", true, (*Server).infoPersistence},
	{"stats", "Stats", true, (*Server).infoStats},
	{"replication", "Replication", true, (*Server).infoReplication},
	{"cpu", "CPU", true, (*Server).infoCPU},
	{"modules", "Modules", true, func(*Server, *infoBuilder) {}},
	{"commandstats", "Commandstats", false, (*Server).infoCommandStats},
	{"errorstats", "Errorstats", true, (*Server).infoErrorStats},
	{"latencystats", "Latencystats", false, (*Server).infoLatencyStats},
	{"cluster", "Cluster", true, (*Server).infoCluster},
	{"keyspace", "Keyspace", true, (*Server).infoKeyspace},
}

// infoBuilder accumulates "field:value\r\n" lines.
type infoBuilder struct {
	bytes.Buffer
}

func (b *infoBuilder) str(k, v string) {
	b.WriteString(k)
	b.WriteByte(':')
	b.WriteString(v)
	b.WriteString("\r\n")
}

func (b *infoBuilder) int(k string, v int64) { b.str(k, strconv.FormatInt(v, 10)) }

// float writes v with two decimals, like Redis's "%.2f".
func (b *infoBuilder) float(k string, v float64) { b.str(k, strconv.FormatFloat(v, 'f', 2, 64)) }

func infoCommand(c *Ctx) {
	c.replyVerbatim(c.srv.infoString(c.argv[1:]))
}

// infoString builds INFO's reply for the given section arguments.
func (s *Server) infoString(args [][]byte) []byte {
	want := map[string]bool{}
	all := false
	for _, a := range args {
		name := toLowerASCII(string(a))
		switch name {
		case "default":
			for _, sec := range infoSections {
				if sec.dflt {
					want[sec.name] = true
				}
			}
		case "all", "everything":
			all = true
		case "module_list":
			want["modules"] = true
		default:
			want[name] = true
		}
	}
	if len(args) == 0 {
		for _, sec := range infoSections {
			want[sec.name] = sec.dflt
		}
	}
	var b infoBuilder
	n := 0
	for _, sec := range infoSections {
		if !all && !want[sec.name] {
			continue
		}
		if n > 0 {
			b.WriteString("\r\n")
		}
		n++
		b.WriteString("# " + sec.title + "\r\n")
		sec.write(s, &b)
	}
	return b.Bytes()
}

// infoStatic holds INFO values that never change while the server runs.
type infoStatic struct {
	os         string
	executable string
	buildID    string
	replID     string
}

func (s *Server) static() *infoStatic {
	if s.infoStatic != nil {
		return s.infoStatic
	}
	st := &infoStatic{buildID: "0", replID: strings.Repeat("0", 40)}
	st.os = osName()
	if exe, err := os.Executable(); err == nil {
		st.executable = exe
	}
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, kv := range bi.Settings {
			if kv.Key == "vcs.revision" && len(kv.Value) >= 16 {
				st.buildID = kv.Value[:16]
			}
		}
	}
	var id [20]byte
	if _, err := rand.Read(id[:]); err == nil {
		st.replID = hex.EncodeToString(id[:])
	}
	s.infoStatic = st
	return st
}

// tcpPort returns the port the TCP listeners are bound to, 0 if none.
func (s *Server) tcpPort() int {
	for _, a := range s.Addrs() {
		if ta, ok := a.(*net.TCPAddr); ok {
			return ta.Port
		}
	}
	return 0
}

// multiplexingAPI is INFO's multiplexing_api: the kernel interface the
// event loop runs on, io_uring for the proactor and epoll for the reactor;
// for the portable backend, the one Go's netpoller uses on this system.
func (s *Server) multiplexingAPI() string {
	switch s.cfg.IOModel {
	case "proactor":
		return "io_uring"
	case "portable":
		switch runtime.GOOS {
		case "linux", "android":
			return "epoll"
		case "darwin", "ios", "freebsd", "netbsd", "openbsd", "dragonfly":
			return "kqueue"
		case "windows":
			return "iocp"
		case "solaris", "illumos":
			return "evport"
		}
		return "poll"
	}
	return "epoll"
}

func (s *Server) infoServer(b *infoBuilder) {
	st := s.static()
	now := time.Now()
	uptime := int64(now.Sub(s.startTime) / time.Second)
	b.str("redis_version", RedisVersion)
	b.str("redis_git_sha1", "00000000")
	b.str("redis_git_dirty", "0")
	b.str("redis_build_id", st.buildID)
	b.str("redis_mode", "standalone")
	b.str("os", st.os)
	b.int("arch_bits", strconv.IntSize)
	b.str("monotonic_clock", "POSIX clock_gettime")
	b.str("multiplexing_api", s.multiplexingAPI())
	b.str("atomicvar_api", "sync/atomic")
	b.str("gcc_version", "0.0.0")
	b.int("process_id", int64(os.Getpid()))
	b.str("process_supervised", s.supervisedName())
	b.str("run_id", s.runID)
	b.int("tcp_port", int64(s.tcpPort()))
	b.int("server_time_usec", now.UnixMicro())
	b.int("uptime_in_seconds", uptime)
	b.int("uptime_in_days", uptime/(3600*24))
	b.int("hz", int64(s.cfg.Hz))
	b.int("configured_hz", int64(s.cfg.Hz))
	b.int("lru_clock", now.Unix()&(1<<24-1))
	b.str("executable", st.executable)
	b.str("config_file", s.cfg.ConfigFile)
	ioActive := int64(0)
	if s.ioPool != nil && s.ioPool.Parallel() {
		ioActive = 1 // threads configured, and more than one CPU usable for them
	}
	b.int("io_threads_active", ioActive)
	b.str("kvd_version", Version)
	b.str("kvd_go_version", runtime.Version())
	b.str("kvd_io_model", s.cfg.IOModel)
	b.int("kvd_io_threads", int64(s.cfg.IOThreads))
}

func (s *Server) infoClients(b *infoBuilder) {
	var maxIn, maxOut int
	for _, c := range s.clients {
		maxIn = max(maxIn, cap(c.qbuf))
		maxOut = max(maxOut, c.outMem())
	}
	b.int("connected_clients", int64(len(s.clients)))
	b.str("cluster_connections", "0")
	b.int("maxclients", int64(s.cfg.MaxClients))
	b.int("client_recent_max_input_buffer", int64(maxIn))
	b.int("client_recent_max_output_buffer", int64(maxOut))
	// Like Redis, clients held by CLIENT PAUSE count as blocked.
	blocked := s.blk.blocked
	for _, c := range s.pausedClients {
		if c.flags&flagPaused != 0 {
			blocked++
		}
	}
	b.int("blocked_clients", int64(blocked))
	b.int("tracking_clients", int64(s.trk.clients))
	b.int("clients_in_timeout_table", int64(len(s.blk.timeouts)))
}

// ---- memory ----

// memSample is the Go runtime's memory accounting at one moment.
type memSample struct {
	objects  uint64 // bytes in heap objects (live and not yet swept): used_memory
	heapUsed uint64 // bytes in in-use heap spans: objects plus their free slots
	mapped   uint64 // bytes mapped from the OS and not released to it
}

var memMetricNames = []string{
	"/memory/classes/heap/objects:bytes",
	"/memory/classes/heap/unused:bytes",
	"/memory/classes/total:bytes",
	"/memory/classes/heap/released:bytes",
}

// readMemory samples the runtime's memory metrics. Unlike
// runtime.ReadMemStats it does not stop the world, so cron can call it.
func readMemory() memSample {
	samples := make([]metrics.Sample, len(memMetricNames))
	for i, n := range memMetricNames {
		samples[i].Name = n
	}
	metrics.Read(samples)
	v := func(i int) uint64 {
		if samples[i].Value.Kind() == metrics.KindUint64 {
			return samples[i].Value.Uint64()
		}
		return 0
	}
	return memSample{
		objects:  v(0),
		heapUsed: v(0) + v(1),
		mapped:   v(2) - v(3),
	}
}

// rssBytes reads the resident set size from /proc/self/statm.
func rssBytes() uint64 {
	data, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0
	}
	f := strings.Fields(string(data))
	if len(f) < 2 {
		return 0
	}
	pages, _ := strconv.ParseUint(f[1], 10, 64)
	return pages * uint64(os.Getpagesize())
}

// bytesToHuman formats n like Redis's bytesToHuman: "512B", "1.50K", "2.00M".
func bytesToHuman(n uint64) string {
	units := []struct {
		limit float64
		div   float64
		unit  string
	}{
		{1 << 20, 1 << 10, "K"},
		{1 << 30, 1 << 20, "M"},
		{1 << 40, 1 << 30, "G"},
		{1 << 50, 1 << 40, "T"},
		{1 << 60, 1 << 50, "P"},
	}
	if n < 1024 {
		return strconv.FormatUint(n, 10) + "B"
	}
	for _, u := range units {
		if float64(n) < u.limit {
			return strconv.FormatFloat(float64(n)/u.div, 'f', 2, 64) + u.unit
		}
	}
	return strconv.FormatUint(n, 10) + "B"
}

func ratio(a, b uint64) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

// clientsMemory is the memory held by the clients' buffers.
func (s *Server) clientsMemory() uint64 {
	var n uint64
	for _, c := range s.clients {
		n += uint64(cap(c.qbuf)+c.outMem()) + clientStructSize
	}
	return n
}

// infoMemory reports the Go heap as Redis reports its allocator: used_memory
// is the bytes in heap objects (MemStats.HeapAlloc: live objects and those
// the collector has not swept yet), allocator_active the in-use heap spans
// (HeapInuse), allocator_resident the memory mapped from the OS and not
// released, used_memory_rss the process's resident set. The overhead is the
// memory in use at start-up plus the clients' buffers; the dataset is the rest.
func (s *Server) infoMemory(b *infoBuilder) {
	m := readMemory()
	s.evict.clientsMem = int64(s.clientsMemory())
	used := uint64(s.usedMemory()) // evict.go: kvd's own accounting
	s.notePeak(used)
	rss := rssBytes()
	peak := s.stats.peakMemory
	startup := s.stats.startupMemory
	clients := uint64(s.evict.clientsMem)
	dataset := uint64(s.datasetMemory())
	overhead := used - dataset
	netUsed := uint64(0)
	if used > startup {
		netUsed = used - startup
	}
	sysMem := totalSystemMemory()

	b.int("used_memory", int64(used))
	b.str("used_memory_human", bytesToHuman(used))
	b.int("used_memory_rss", int64(rss))
	b.str("used_memory_rss_human", bytesToHuman(rss))
	b.int("used_memory_peak", int64(peak))
	b.str("used_memory_peak_human", bytesToHuman(peak))
	b.str("used_memory_peak_perc", strconv.FormatFloat(ratio(used, peak)*100, 'f', 2, 64)+"%")
	b.int("used_memory_overhead", int64(overhead))
	b.int("used_memory_startup", int64(startup))
	b.int("used_memory_dataset", int64(dataset))
	b.str("used_memory_dataset_perc", strconv.FormatFloat(ratio(dataset, netUsed)*100, 'f', 2, 64)+"%")
	b.int("allocator_allocated", int64(m.objects))
	b.int("allocator_active", int64(m.heapUsed))
	b.int("allocator_resident", int64(m.mapped))
	b.int("total_system_memory", int64(sysMem))
	b.str("total_system_memory_human", bytesToHuman(sysMem))
	s.infoScriptMemory(b) // script_info.go
	b.int("maxmemory", s.evict.maxmemory)
	b.str("maxmemory_human", bytesToHuman(uint64(s.evict.maxmemory)))
	b.str("maxmemory_policy", s.evict.policy.String())
	b.float("allocator_frag_ratio", ratio(m.heapUsed, m.objects))
	b.int("allocator_frag_bytes", int64(m.heapUsed)-int64(m.objects))
	b.float("allocator_rss_ratio", ratio(m.mapped, m.heapUsed))
	b.int("allocator_rss_bytes", int64(m.mapped)-int64(m.heapUsed))
	b.float("rss_overhead_ratio", ratio(rss, m.mapped))
	b.int("rss_overhead_bytes", int64(rss)-int64(m.mapped))
	b.float("mem_fragmentation_ratio", ratio(rss, used))
	b.int("mem_fragmentation_bytes", int64(rss)-int64(used))
	b.str("mem_not_counted_for_evict", "0")
	b.str("mem_replication_backlog", "0")
	b.str("mem_total_replication_buffers", "0")
	b.str("mem_clients_slaves", "0")
	b.int("mem_clients_normal", int64(clients))
	b.str("mem_cluster_links", "0")
	b.str("mem_aof_buffer", "0")
	b.str("mem_allocator", "go-"+strings.TrimPrefix(runtime.Version(), "go"))
	b.str("active_defrag_running", "0")
	b.str("lazyfree_pending_objects", "0")
	b.str("lazyfreed_objects", "0")
}

// notePeak records a new peak of used memory.
func (s *Server) notePeak(used uint64) {
	if used > s.stats.peakMemory {
		s.stats.peakMemory = used
	}
}

// infoPersistence reports no persistence: kvd neither saves nor loads, so
// every save and rewrite counter is at its never-happened value.
// rdb_changes_since_last_save counts the write commands that succeeded
// since start-up (kvd never saves), an approximation of Redis's count of
// changed keys.
func (s *Server) infoPersistence(b *infoBuilder) {
	b.str("loading", "0")
	b.str("async_loading", "0")
	b.str("current_cow_peak", "0")
	b.str("current_cow_size", "0")
	b.str("current_cow_size_age", "0")
	b.str("current_fork_perc", "0.00")
	s.infoPersistenceRDB(b)
	b.str("rdb_last_cow_size", "0")
	b.str("rdb_last_load_keys_expired", "0")
	b.str("rdb_last_load_keys_loaded", "0")
	s.infoPersistenceAOFState(b) // aof.go
	b.str("module_fork_in_progress", "0")
	b.str("module_fork_last_cow_size", "0")
	s.infoPersistenceAOF(b)
}

func (s *Server) infoStats(b *infoBuilder) {
	st := &s.stats
	var hits, misses, expired int64
	for _, db := range s.dbs {
		hits += db.Stats.Hits
		misses += db.Stats.Misses
		expired += db.Stats.ExpiredKeys
	}
	b.int("total_connections_received", st.totalConnections)
	b.int("total_commands_processed", st.commands)
	b.int("instantaneous_ops_per_sec", st.opsMetric.value())
	b.int("total_net_input_bytes", st.netInput)
	b.int("total_net_output_bytes", st.netOutput)
	b.str("total_net_repl_input_bytes", "0")
	b.str("total_net_repl_output_bytes", "0")
	b.float("instantaneous_input_kbps", float64(st.inputMetric.value())/1024)
	b.float("instantaneous_output_kbps", float64(st.outputMetric.value())/1024)
	b.str("instantaneous_input_repl_kbps", "0.00")
	b.str("instantaneous_output_repl_kbps", "0.00")
	b.int("rejected_connections", st.rejectedConnections)
	b.int("sync_full", s.repl.syncFull)
	b.int("sync_partial_ok", s.repl.syncPartialOK)
	b.int("sync_partial_err", s.repl.syncPartialErr)
	b.int("expired_keys", expired)
	b.str("expired_stale_perc", "0.00")
	b.int("expired_time_cap_reached_count", st.expireTimeCapReached)
	b.int("expire_cycle_cpu_milliseconds", st.expireCycleTime.Milliseconds())
	b.int("evicted_keys", s.evict.evicted)
	b.int("evicted_clients", s.evict.evictedClients)
	var cur time.Duration
	if !s.evict.overSince.IsZero() {
		cur = time.Since(s.evict.overSince)
	}
	b.int("total_eviction_exceeded_time", (s.evict.overTotal + cur).Milliseconds())
	b.int("current_eviction_exceeded_time", cur.Milliseconds())
	b.int("keyspace_hits", hits)
	b.int("keyspace_misses", misses)
	psChannels, psPatterns, psShard := s.pubsubCounts()
	b.int("pubsub_channels", int64(psChannels))
	b.int("pubsub_patterns", int64(psPatterns))
	b.int("pubsubshard_channels", int64(psShard))
	b.str("latest_fork_usec", "0")
	b.str("total_forks", "0")
	b.str("migrate_cached_sockets", "0")
	b.str("slave_expires_tracked_keys", "0")
	b.str("active_defrag_hits", "0")
	b.str("active_defrag_misses", "0")
	b.str("active_defrag_key_hits", "0")
	b.str("active_defrag_key_misses", "0")
	b.str("total_active_defrag_time", "0")
	b.str("current_active_defrag_time", "0")
	b.int("tracking_total_keys", int64(len(s.trk.table)))
	b.int("tracking_total_items", int64(s.trk.items))
	b.int("tracking_total_prefixes", int64(len(s.trk.prefixes)))
	b.str("unexpected_error_replies", "0")
	b.int("total_error_replies", st.errorReplies)
	b.str("dump_payload_sanitizations", "0")
	b.int("total_reads_processed", st.reads)
	b.int("total_writes_processed", st.writes)
	b.str("io_threaded_reads_processed", "0")
	b.str("io_threaded_writes_processed", "0")
	b.str("reply_buffer_shrinks", "0")
	b.str("reply_buffer_expands", "0")
}

func (s *Server) infoReplication(b *infoBuilder) {
	s.infoReplicationFields(b) // repl.go
}

// rusageTime formats a CPU time like Redis's "%ld.%06ld".
func rusageTime(d time.Duration) string {
	return strconv.FormatInt(int64(d/time.Second), 10) + "." + leftPad(strconv.FormatInt(int64(d%time.Second/time.Microsecond), 10), 6)
}

func leftPad(s string, n int) string {
	if len(s) >= n {
		return s
	}
	return strings.Repeat("0", n-len(s)) + s
}

// infoCPU reports the process's CPU time, its children's (kvd has none),
// and the event loop thread's (INFO runs on it, and it is locked to its OS
// thread, so RUSAGE_THREAD measures it).
func (s *Server) infoCPU(b *infoBuilder) {
	self, children, thread := cpuTimes()
	b.str("used_cpu_sys", rusageTime(self.sys))
	b.str("used_cpu_user", rusageTime(self.user))
	b.str("used_cpu_sys_children", rusageTime(children.sys))
	b.str("used_cpu_user_children", rusageTime(children.user))
	b.str("used_cpu_sys_main_thread", rusageTime(thread.sys))
	b.str("used_cpu_user_main_thread", rusageTime(thread.user))
}

// eachCommandStats calls f for every command and subcommand in table
// order, the container before its subcommands.
func (s *Server) eachCommandStats(f func(st *cmdState)) {
	for _, st := range s.commands.all {
		f(st)
		for _, sc := range st.subcommands() {
			f(sc)
		}
	}
}

func (s *Server) infoCommandStats(b *infoBuilder) {
	s.eachCommandStats(func(st *cmdState) {
		if st.calls == 0 && st.failed == 0 && st.rejected == 0 {
			return
		}
		perCall := 0.0
		if st.calls > 0 {
			perCall = float64(st.usec) / float64(st.calls)
		}
		b.str("cmdstat_"+st.fullName, "calls="+strconv.FormatInt(st.calls, 10)+
			",usec="+strconv.FormatInt(st.usec, 10)+
			",usec_per_call="+strconv.FormatFloat(perCall, 'f', 2, 64)+
			",rejected_calls="+strconv.FormatInt(st.rejected, 10)+
			",failed_calls="+strconv.FormatInt(st.failed, 10))
	})
}

func (s *Server) infoErrorStats(b *infoBuilder) {
	codes := make([]string, 0, len(s.stats.errors))
	for code := range s.stats.errors {
		codes = append(codes, code)
	}
	sort.Strings(codes)
	for _, code := range codes {
		b.str("errorstat_"+code, "count="+strconv.FormatInt(s.stats.errors[code], 10))
	}
}

func (s *Server) infoLatencyStats(b *infoBuilder) {
	if !s.cfg.Introspect.LatencyTracking {
		return // like Redis, the section is empty while tracking is off
	}
	s.eachCommandStats(func(st *cmdState) {
		if st.latency.count == 0 {
			return
		}
		var line strings.Builder
		for i, p := range s.cfg.Introspect.LatencyPercentiles {
			if i > 0 {
				line.WriteByte(',')
			}
			line.WriteString("p" + strconv.FormatFloat(p, 'f', -1, 64) + "=")
			line.WriteString(strconv.FormatFloat(float64(st.latency.percentile(p))/1000, 'f', 3, 64))
		}
		b.str("latency_percentiles_usec_"+st.fullName, line.String())
	})
}

func (s *Server) infoCluster(b *infoBuilder) { b.str("cluster_enabled", "0") }

func (s *Server) infoKeyspace(b *infoBuilder) {
	now := s.nowMs()
	for i, db := range s.dbs {
		keys := db.Len()
		if keys == 0 {
			continue
		}
		b.str("db"+strconv.Itoa(i), "keys="+strconv.Itoa(keys)+",expires="+strconv.Itoa(db.ExpiresLen())+
			",avg_ttl="+strconv.FormatInt(db.AvgTTL(now), 10))
	}
}
