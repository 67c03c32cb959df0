package server

import (
	"reflect"
	"testing"
)

func TestLatencyHistPercentiles(t *testing.T) {
	tests := []struct {
		name   string
		values []int64 // ns
		want   []int64 // p50, p99, p99.9 in ns
	}{
		// The values Redis prints for these latencies (usec*1000) in INFO latencystats.
		{"one 1us call", []int64{1000}, []int64{1003, 1003, 1003}},
		{"zero is clamped to 1ns", []int64{0}, []int64{1, 1, 1}},
		{"exact below 256", []int64{200}, []int64{200, 200, 200}},
		{"bucket of 32 near 10us", []int64{10000}, []int64{10047, 10047, 10047}},
		{"clamped to 1s", []int64{5_000_000_000}, []int64{1_002_438_655, 1_002_438_655, 1_002_438_655}},
		{"median and tail", []int64{1000, 1000, 1000, 2000, 50000}, []int64{1003, 50175, 50175}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var h latencyHist
			for _, v := range tt.values {
				h.record(v)
			}
			var got []int64
			for _, p := range defaultIntrospectConfig().LatencyPercentiles {
				got = append(got, h.percentile(p))
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestHdrIndexRoundTrip(t *testing.T) {
	for _, v := range []int64{1, 2, 127, 128, 255, 256, 257, 511, 512, 1000, 1023, 1024, 123456, 999_999_999} {
		lo, width := hdrRange(hdrIndex(v))
		if v < lo || v >= lo+width {
			t.Errorf("%d falls in [%d, %d)", v, lo, lo+width)
		}
		if width > 1 && float64(width)/float64(lo) > 0.01 {
			t.Errorf("%d: bucket width %d is over 1%% of %d", v, width, lo)
		}
	}
}

func TestInstMetric(t *testing.T) {
	var m instMetric
	m.track(1000, 0)
	for i := int64(1); i <= instMetricSamples; i++ {
		m.track(1000+i*100, i*50) // 50 per 100 ms: 500 per second
	}
	if got := m.value(); got != 500 {
		t.Errorf("rate %d, want 500", got)
	}
	// Two samples in which nothing happened.
	m.track(1000+17*100, 16*50)
	m.track(1000+18*100, 16*50)
	if got := m.value(); got != (500*14)/instMetricSamples {
		t.Errorf("rate after two idle samples %d, want %d", got, (500*14)/instMetricSamples)
	}
}

func TestCountError(t *testing.T) {
	tests := []struct {
		msg, code string
	}{
		{"ERR syntax error", "ERR"},
		{"WRONGTYPE Operation against a key", "WRONGTYPE"},
		{"foo", "ERR"},
		{"NOAUTH Authentication required.", "NOAUTH"},
		{"ABCDEFGHIJKLMNOPQRSTUVWXYZABCD x", "ABCDEFGHIJKLMNOPQRSTUVWXYZABCD"},
		{"ABCDEFGHIJKLMNOPQRSTUVWXYZABCDE x", "ERR"},
	}
	for _, tt := range tests {
		var st serverStats
		st.errors = map[string]int64{}
		st.countError(tt.msg)
		if st.errors[tt.code] != 1 || st.errorReplies != 1 {
			t.Errorf("%q: counted %v, want code %q", tt.msg, st.errors, tt.code)
		}
	}
}
