package server

import (
	"math/bits"
	"strings"
	"time"

	"github.com/kvdserver/kvd/store"
)

// serverStats are the counters INFO reports.
type serverStats struct {
	totalConnections    int64
	rejectedConnections int64
	commands            int64
	netInput            int64
	netOutput           int64
	errorReplies        int64
	errors              map[string]int64 // by error code (the first word)
	reads               int64            // socket reads that returned data or EOF
	writes              int64            // socket writes
	dirty               int64            // write commands that succeeded (rdb_changes_since_last_save)

	expireCycleTime      time.Duration // spent in active expiry
	expireTimeCapReached int64         // active expiry cycles that ran out of time

	// Instantaneous rates, sampled by cron every 100 ms like Redis's.
	opsMetric, inputMetric, outputMetric instMetric

	startupMemory uint64 // used memory when the server was created
	peakMemory    uint64 // highest used memory seen
}

func (st *serverStats) init() {
	st.errors = make(map[string]int64)
	st.startupMemory = readMemory().objects
	st.peakMemory = st.startupMemory
}

// maxErrorCodes bounds how many distinct error codes are tracked. Redis
// 7.0.15 has no bound (7.2 stops at 128); kvd keeps one, well above what
// real workloads produce, so that scripts inventing codes cannot grow the
// table without end.
const maxErrorCodes = 4096

// countError records an error reply in the error statistics. Like Redis's
// afterErrorReply, the code is the message's first word when a space ends
// it within the first 31 bytes, and "ERR" otherwise.
func (st *serverStats) countError(msg string) {
	st.errorReplies++
	code := "ERR"
	if i := strings.IndexByte(msg[:min(len(msg), 31)], ' '); i >= 0 {
		code = msg[:i]
	}
	if _, ok := st.errors[code]; !ok && len(st.errors) >= maxErrorCodes {
		return
	}
	st.errors[code]++
}

// resetStats clears the counters CONFIG RESETSTAT resets.
func (s *Server) resetStats() {
	st := &s.stats
	st.totalConnections, st.rejectedConnections, st.commands = 0, 0, 0
	st.netInput, st.netOutput, st.errorReplies = 0, 0, 0
	st.reads, st.writes = 0, 0
	st.expireCycleTime, st.expireTimeCapReached = 0, 0
	st.errors = make(map[string]int64)
	now := s.nowMs()
	for _, m := range []*instMetric{&st.opsMetric, &st.inputMetric, &st.outputMetric} {
		*m = instMetric{lastTime: now}
	}
	s.eachCommandStats(func(cmd *cmdState) {
		cmd.calls, cmd.usec, cmd.rejected, cmd.failed = 0, 0, 0, 0
		cmd.latency = latencyHist{}
	})
	for _, db := range s.dbs {
		db.Stats = store.Stats{}
	}
}

// trackMetrics samples the instantaneous rates; cron calls it every 100 ms.
func (s *Server) trackMetrics(now int64) {
	st := &s.stats
	st.opsMetric.track(now, st.commands)
	st.inputMetric.track(now, st.netInput)
	st.outputMetric.track(now, st.netOutput)
}

// instMetricSamples is how many samples a rate averages (Redis's STATS_METRIC_SAMPLES).
const instMetricSamples = 16

// instMetric is a rate averaged over the last samples, like Redis's
// inst_metric: each sample is the counter's increase per second since the
// previous one.
type instMetric struct {
	samples   [instMetricSamples]int64
	idx       int
	lastTime  int64 // unix ms
	lastValue int64
}

func (m *instMetric) track(now, value int64) {
	var rate int64
	if t := now - m.lastTime; t > 0 {
		rate = (value - m.lastValue) * 1000 / t
	}
	m.samples[m.idx] = rate
	m.idx = (m.idx + 1) % instMetricSamples
	m.lastTime, m.lastValue = now, value
}

// value is the average of the samples.
func (m *instMetric) value() int64 {
	var sum int64
	for _, v := range m.samples {
		sum += v
	}
	return sum / instMetricSamples
}

// ---- latency histograms (INFO latencystats) ----

// Latency is recorded in nanoseconds, clamped to Redis's range.
const (
	latencyMin = 1
	latencyMax = 1_000_000_000
)

// latencyHist is a histogram of command latencies with the bucketing of an
// HDR histogram with two significant digits (the one Redis uses): values
// below 256 ns are exact, larger ones fall in buckets whose width doubles
// with each power of two, so every value is known within 1%. Its counts are
// allocated on the first record.
type latencyHist struct {
	counts []int64
	count  int64
}

// hdrSubBucketBits is log2 of the sub-buckets per power of two
// (half of 256, the sub-bucket count for two significant digits).
const hdrSubBucketBits = 7

func hdrIndex(v int64) int {
	bucket := 63 - bits.LeadingZeros64(uint64(v)|255) - hdrSubBucketBits
	sub := int(v >> bucket)
	return (bucket+1)<<hdrSubBucketBits + sub - 1<<hdrSubBucketBits
}

// hdrRange returns the lowest value counted at index i and the width of its bucket.
func hdrRange(i int) (lo, width int64) {
	bucket := i>>hdrSubBucketBits - 1
	sub := int64(i&(1<<hdrSubBucketBits-1)) + 1<<hdrSubBucketBits
	if bucket < 0 {
		sub -= 1 << hdrSubBucketBits
		bucket = 0
	}
	return sub << bucket, 1 << bucket
}

// record adds one latency, in nanoseconds.
func (h *latencyHist) record(ns int64) {
	ns = min(max(ns, latencyMin), latencyMax)
	i := hdrIndex(ns)
	if i >= len(h.counts) {
		grown := make([]int64, max(i+1, 2*len(h.counts)))
		copy(grown, h.counts)
		h.counts = grown
	}
	h.counts[i]++
	h.count++
}

// cdf returns the histogram as LATENCY HISTOGRAM shows it, like Redis's
// logarithmic iteration from 1024 ns by powers of two: for each level, the
// highest value of the level's bucket in microseconds and how many
// latencies are at most that, leaving out the levels that add none. The
// level past Redis's range (2^30 ns) reports the end of its last bucket,
// 2^30-1 ns, as Redis's histogram does.
func (h *latencyHist) cdf() [][2]int64 {
	var out [][2]int64
	var cum, prev int64
	next := 0 // the next bucket index not yet counted
	for level := int64(1024); cum < h.count; level *= 2 {
		last, hi := len(h.counts)-1, int64(1<<30-1)
		if level <= latencyMax {
			last = hdrIndex(level)
			lo, width := hdrRange(last)
			hi = lo + width - 1
		}
		for ; next <= last && next < len(h.counts); next++ {
			cum += h.counts[next]
		}
		if cum > prev {
			out = append(out, [2]int64{hi / 1000, cum})
		}
		prev = cum
	}
	return out
}

// percentile returns the latency at percentile p (0-100), in nanoseconds:
// the highest value of the bucket holding it, as hdr_value_at_percentile does.
func (h *latencyHist) percentile(p float64) int64 {
	want := int64(min(p, 100)/100*float64(h.count) + 0.5)
	want = max(want, 1)
	var seen int64
	for i, n := range h.counts {
		seen += n
		if seen >= want {
			lo, width := hdrRange(i)
			if p == 0 {
				return lo
			}
			return lo + width - 1
		}
	}
	return 0
}
