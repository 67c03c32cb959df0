package server

import (
	"strconv"
	"strings"
)

// LATENCY LATEST|HISTORY|RESET|GRAPH|DOCTOR|HISTOGRAM|HELP, as Redis 7.0
// answers them (latency.go keeps the events; stats.go the histograms).

var latencyCommands = []*Command{
	{Name: "latency", Subcommands: []*Command{
		{Name: "latest", Proc: latencyLatestCommand},
		{Name: "history", Proc: latencyHistoryCommand},
		{Name: "reset", Proc: latencyResetCommand},
		{Name: "graph", Proc: latencyGraphCommand},
		{Name: "doctor", Proc: latencyDoctorCommand},
		{Name: "histogram", Proc: latencyHistogramCommand},
		{Name: "help", Proc: latencyHelpCommand},
	}},
}

// latencyLatestCommand is LATENCY LATEST: [event, time, latest, all-time max] per event.
func latencyLatestCommand(c *Ctx) {
	m := &c.srv.latency
	c.replyArray(len(m.events))
	for _, name := range m.names() {
		ts := m.events[name]
		last := ts.latest()
		c.replyArray(4)
		c.replyBulkString(name)
		c.replyInt(last.time)
		c.replyInt(last.latency)
		c.replyInt(ts.max)
	}
}

// latencyHistoryCommand is LATENCY HISTORY event: its [time, latency] samples, oldest first.
func latencyHistoryCommand(c *Ctx) {
	ts := c.srv.latency.events[string(c.argv[2])]
	if ts == nil {
		c.replyArray(0)
		return
	}
	n := 0
	ts.each(func(latencySample) { n++ })
	c.replyArray(n)
	ts.each(func(smp latencySample) {
		c.replyArray(2)
		c.replyInt(smp.time)
		c.replyInt(smp.latency)
	})
}

// latencyResetCommand is LATENCY RESET [event ...]: it forgets the events
// named (all without a name) and answers how many it forgot.
func latencyResetCommand(c *Ctx) {
	m := &c.srv.latency
	if len(c.argv) == 2 {
		n := len(m.events)
		m.events = nil
		c.replyInt(int64(n))
		return
	}
	n := 0
	for _, a := range c.argv[2:] {
		if _, ok := m.events[string(a)]; ok {
			delete(m.events, string(a))
			n++
		}
	}
	c.replyInt(int64(n))
}

// latencyGraphCommand is LATENCY GRAPH event: Redis's ASCII sparkline of its samples.
func latencyGraphCommand(c *Ctx) {
	name := string(c.argv[2])
	ts := c.srv.latency.events[name]
	if ts == nil {
		c.replyError(errLatencyNoSamples(name))
		return
	}
	c.replyVerbatim([]byte(latencyGraph(name, ts, c.srv.clock.now().Unix())))
}

// latencyDoctorCommand is LATENCY DOCTOR: Redis's report on the events.
func latencyDoctorCommand(c *Ctx) {
	c.replyVerbatim([]byte(c.srv.latencyReport()))
}

// latencyHistogramCommand is LATENCY HISTOGRAM [command ...]: for each
// command named (a container with its subcommands; all commands without a
// name) that has run since the statistics were reset, {calls, histogram_usec}.
func latencyHistogramCommand(c *Ctx) {
	s := c.srv
	var list []*cmdState
	add := func(st *cmdState) {
		if st.latency.count > 0 {
			list = append(list, st)
		}
	}
	if len(c.argv) == 2 {
		s.eachCommandStats(add)
	} else {
		for _, a := range c.argv[2:] {
			st := s.commands.lookupFullName(string(a))
			if st == nil {
				continue
			}
			add(st)
			for _, sc := range st.subcommands() {
				add(sc)
			}
		}
	}
	c.replyMap(len(list))
	for _, st := range list {
		c.replyBulkString(st.fullName)
		c.replyMap(2)
		c.replyBulkString("calls")
		c.replyInt(st.latency.count)
		c.replyBulkString("histogram_usec")
		cdf := st.latency.cdf()
		c.replyMap(len(cdf))
		for _, p := range cdf {
			c.replyInt(p[0])
			c.replyInt(p[1])
		}
	}
}

// lookupFullName finds a command by its full name ("get", "config|get"), in any case.
func (t *commandTable) lookupFullName(name string) *cmdState {
	top, sub, ok := strings.Cut(strings.ToLower(name), "|")
	st := t.byName[top]
	if st == nil || !ok {
		return st
	}
	return st.sub[sub]
}

func latencyHelpCommand(c *Ctx) {
	c.replyHelpLines("LATENCY", []string{
		"DOCTOR",
		"    Return a human readable latency analysis report.",
		"GRAPH <event>",
		"    Return an ASCII latency graph for the <event> class.",
		"HISTORY <event>",
		"    Return time-latency samples for the <event> class.",
		"LATEST",
		"    Return the latest latency samples for all events.",
		"RESET [<event> ...]",
		"    Reset latency data of one or more <event> classes.",
		"    (default: reset all data for all event classes)",
		"HISTOGRAM [COMMAND ...]",
		"    Return a cumulative distribution of latencies in the format of a histogram for the specified command names.",
		"    If no commands are specified then all histograms are replied.",
	})
}

// ---- LATENCY GRAPH ----

// Redis's graph: 80 columns, 4 rows, filled.
const (
	latencyGraphCols = 80
	latencyGraphRows = 4
)

// latencyGraph draws an event's samples as Redis does: a title line, a
// rule, then a sparkline with, under each sample, how long ago it was.
func latencyGraph(name string, ts *latencySeries, now int64) string {
	var vals []float64
	var labels []string
	var lo, hi int64
	ts.each(func(smp latencySample) {
		if len(vals) == 0 {
			lo, hi = smp.latency, smp.latency
		} else {
			lo, hi = min(lo, smp.latency), max(hi, smp.latency)
		}
		vals = append(vals, float64(smp.latency))
		labels = append(labels, agoLabel(now-smp.time))
	})
	var b strings.Builder
	b.WriteString(name + " - high " + strconv.FormatInt(hi, 10) + " ms, low " + strconv.FormatInt(lo, 10) +
		" ms (all time high " + strconv.FormatInt(ts.max, 10) + " ms)\n")
	b.WriteString(strings.Repeat("-", latencyGraphCols) + "\n")
	sparkline(&b, vals, labels, latencyGraphCols, latencyGraphRows)
	return b.String()
}

// agoLabel is a sample's label: seconds, minutes, hours or days ago.
func agoLabel(elapsed int64) string {
	switch {
	case elapsed < 60:
		return strconv.FormatInt(elapsed, 10) + "s"
	case elapsed < 3600:
		return strconv.FormatInt(elapsed/60, 10) + "m"
	case elapsed < 3600*24:
		return strconv.FormatInt(elapsed/3600, 10) + "h"
	}
	return strconv.FormatInt(elapsed/(3600*24), 10) + "d"
}

// sparkline draws vals in chunks of cols columns, each rows rows high
// with three levels a row ("_o#", "|" below the top), followed by the
// labels written downwards after a blank row.
func sparkline(b *strings.Builder, vals []float64, labels []string, cols, rows int) {
	if len(vals) == 0 {
		return
	}
	lo, hi := vals[0], vals[0]
	for _, v := range vals[1:] {
		lo, hi = min(lo, v), max(hi, v)
	}
	rel := hi - lo
	if rel == 0 {
		rel = 1
	}
	const fill = "_o#"
	steps := len(fill) * rows
	for off := 0; off < len(vals); off += cols {
		if off != 0 {
			b.WriteByte('\n')
		}
		n := min(cols, len(vals)-off)
		line := make([]byte, n)
		for row := 0; ; row++ {
			more := false
			for j := range line {
				line[j] = ' '
			}
			for j := 0; j < n; j++ {
				if row < rows {
					step := int(float64(int((vals[off+j]-lo)*float64(steps))) / rel)
					step = min(max(step, 0), steps-1)
					more = true
					switch ci := step - (rows-row-1)*len(fill); {
					case ci >= 0 && ci < len(fill):
						line[j] = fill[ci]
					case ci >= len(fill):
						line[j] = '|'
					}
					continue
				}
				if row == rows {
					more = true // the blank row above the labels
					break
				}
				if k := row - rows - 1; k < len(labels[off+j]) {
					more = true
					line[j] = labels[off+j][k]
				}
			}
			if !more {
				break
			}
			b.Write(line)
			b.WriteByte('\n')
		}
	}
}
