package server

import (
	"sort"
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

// afterCallIntrospect is call's bookkeeping for the latency monitor and
// the slow log, for a command that ran usec microseconds.
func (s *Server) afterCallIntrospect(x *Ctx, cmd *cmdState, usec int64) {
	ic := &s.cfg.Introspect
	if ic.LatencyMonitorThreshold > 0 {
		event := "command"
		if cmd.Flags&FlagFast != 0 {
			event = "fast-command"
		}
		s.latencyAddSampleIfNeeded(event, usec/1000)
	}
	c := x.client
	if c != nil && c.flags&flagBlocked != 0 {
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
