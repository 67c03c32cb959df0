package tests

import (
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// LATENCY and the latency-tracking parameters, compared with
// redis-server. Times, durations and the histograms' buckets depend on the
// machine: steps marked "!num" compare with every number masked; "!doctor"
// also leaves out the advice about transparent huge pages, which depends
// on each process's memory, and the report's closing line, which depends
// on it; "!lines" masks numbers and sorts the lines
// (INFO sections list commands in each server's own order); "!hist"
// checks a LATENCY HISTOGRAM reply's buckets for consistency and then
// compares it without them.

var latencyNumRE = regexp.MustCompile(`[0-9]+`)

func maskLatency(mod, raw string) string {
	if mod == "doctor" {
		var keep []string
		for _, l := range strings.Split(raw, "\n") {
			// Whether the advice about huge pages is given also decides
			// which closing line the report has: leave those out too,
			// and the blank lines around them (RESP3's "txt:" with them).
			if core := strings.TrimPrefix(l, "txt:"); core == "" {
				continue
			}
			if !strings.Contains(l, "anonymous huge pages") && !strings.Contains(l, "I have a few advices") &&
				!strings.Contains(l, "no latency spike was observed") && !strings.Contains(l, "not able to suggest any easy fix") {
				keep = append(keep, l)
			}
		}
		raw = strings.Join(keep, "\n")
	}
	raw = latencyNumRE.ReplaceAllString(raw, "N")
	if mod == "lines" {
		lines := strings.Split(raw, "\r\n")
		sort.Strings(lines)
		raw = strings.Join(lines, "\r\n")
	}
	return raw
}

// diffLatency runs steps on one connection to each server and compares
// the replies, masked as their modifiers say.
func diffLatency(t *testing.T, s servers, proto int, steps []string) {
	t.Helper()
	rc, kc := dialProto(t, s.redis, proto), dialProto(t, s.kvd, proto)
	defer rc.nc.Close()
	defer kc.nc.Close()
	for i, st := range steps {
		mod, args := splitStep(t, st)
		want, got := rc.do(args...), kc.do(args...)
		ok := false
		switch mod {
		case "hist":
			ok = normHistogram(t, want) == normHistogram(t, got)
		case "num", "doctor", "lines":
			ok = maskLatency(mod, want) == maskLatency(mod, got)
		default:
			ok = sameReply(t, mod, want, got)
		}
		if !ok {
			t.Errorf("resp%d step %d %q:\n redis: %q\n   kvd: %q", proto, i, st, truncateStr(want, 3000), truncateStr(got, 3000))
		}
	}
}

func TestLatency(t *testing.T) {
	s := privateServers(t, nil)
	cases := []struct {
		name  string
		steps []string
	}{
		{"errors and help", []string{
			"LATENCY RESET", "LATENCY", "LATENCY FOO", "LATENCY HELP", "LATENCY HELP x",
			"LATENCY HISTORY", "LATENCY HISTORY a b", "LATENCY GRAPH", "LATENCY LATEST x", "LATENCY DOCTOR x",
			"LATENCY HISTORY command", "LATENCY GRAPH command", "LATENCY LATEST", "LATENCY RESET", "LATENCY RESET a b",
			"LATENCY DOCTOR",
			"CONFIG SET latency-monitor-threshold -1", "CONFIG SET latency-monitor-threshold x",
			"CONFIG SET latency-tracking maybe", "CONFIG SET latency-tracking-info-percentiles \"50 101\"",
			"CONFIG SET latency-tracking-info-percentiles \"a\"",
		}},
		{"events", []string{
			"LATENCY RESET", "CONFIG SET latency-monitor-threshold 200", "!doctor LATENCY DOCTOR",
			"PING", "LATENCY LATEST", "DEBUG SLEEP 0.25",
			"!num LATENCY LATEST", "!num LATENCY HISTORY command", "LATENCY HISTORY fast-command",
			"!num LATENCY GRAPH command", "!doctor LATENCY DOCTOR",
			"CONFIG SET slowlog-log-slower-than -1", "!doctor LATENCY DOCTOR",
			"CONFIG SET slowlog-log-slower-than 10000000", "!doctor LATENCY DOCTOR",
			"CONFIG SET slowlog-log-slower-than 10000",
			"CONFIG SET latency-monitor-threshold 0", "!doctor LATENCY DOCTOR", "DEBUG SLEEP 0.25", "!num LATENCY LATEST",
			"LATENCY RESET nosuch command", "LATENCY LATEST", "LATENCY DOCTOR",
		}},
		{"histograms", []string{
			"CONFIG SET latency-tracking yes", "CONFIG RESETSTAT",
			"!hist LATENCY HISTOGRAM", "SET a 1", "SET a 2", "SET a 3", "GET a",
			"!hist LATENCY HISTOGRAM set get nosuch", "!hist LATENCY HISTOGRAM GET", "LATENCY HISTOGRAM nosuch",
			"!hist LATENCY HISTOGRAM config", "!hist LATENCY HISTOGRAM config|resetstat", "LATENCY HISTOGRAM config|nosuch",
			"CONFIG SET latency-tracking no", "GET a", "!hist LATENCY HISTOGRAM get",
			"!lines INFO latencystats",
			"CONFIG SET latency-tracking yes", "GET a", "!hist LATENCY HISTOGRAM get",
			"CONFIG SET latency-tracking-info-percentiles \"99.99 0 100\"", "CONFIG GET latency-tracking-info-percentiles",
			"!lines INFO latencystats",
			"CONFIG SET latency-tracking-info-percentiles \"\"", "CONFIG GET latency-tracking-info-percentiles",
			"!lines INFO latencystats",
			"CONFIG SET latency-tracking-info-percentiles \"50 99 99.9\"", "CONFIG RESETSTAT", "LATENCY HISTOGRAM get",
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for _, proto := range []int{2, 3} {
				diffLatency(t, s, proto, c.steps)
			}
		})
	}
}

// normHistogram checks that each command's histogram in a LATENCY
// HISTOGRAM reply is cumulative and ends at its calls, and returns the
// reply without the buckets.
func normHistogram(t *testing.T, raw string) string {
	t.Helper()
	v, err := parseValue(raw)
	if err != nil {
		t.Fatalf("LATENCY HISTOGRAM reply %q: %v", raw, err)
	}
	for i := 1; i < len(v.elems); i += 2 {
		d := &v.elems[i]
		if len(d.elems) != 4 || d.elems[0].str != "calls" || d.elems[2].str != "histogram_usec" {
			t.Fatalf("histogram entry %s", d)
		}
		h := d.elems[3].elems
		var lastBucket, lastCum int64 = -1, 0
		for j := 0; j+1 < len(h); j += 2 {
			b, _ := strconv.ParseInt(h[j].str, 10, 64)
			c, _ := strconv.ParseInt(h[j+1].str, 10, 64)
			if b <= lastBucket || c <= lastCum {
				t.Errorf("histogram %s is not increasing", d.elems[3])
			}
			lastBucket, lastCum = b, c
		}
		if calls := d.elems[1].str; strconv.FormatInt(lastCum, 10) != calls {
			t.Errorf("histogram %s ends at %d, calls %s", d.elems[3], lastCum, calls)
		}
		d.elems[3].elems = nil
	}
	return v.String()
}
