package server

import (
	"strconv"
	"strings"
)

// IntrospectConfig holds the parameters of the slow log, the latency
// monitor and the per-command latency histograms (slowlog.go, latency.go).
// Each is also a redis.conf parameter, settable at run time by CONFIG SET.
type IntrospectConfig struct {
	// SlowlogSlowerThan logs commands that run at least this many
	// microseconds; -1 disables the slow log ("slowlog-log-slower-than").
	SlowlogSlowerThan int64
	// SlowlogMaxLen is the most entries the slow log keeps ("slowlog-max-len").
	SlowlogMaxLen int64
	// LatencyMonitorThreshold records latency events of at least this many
	// milliseconds; 0 disables the monitor ("latency-monitor-threshold").
	LatencyMonitorThreshold int64
	// LatencyTracking keeps a latency histogram per command for LATENCY
	// HISTOGRAM and INFO latencystats ("latency-tracking"; default true).
	LatencyTracking bool
	// LatencyPercentiles are the percentiles INFO latencystats reports
	// ("latency-tracking-info-percentiles"; default 50 99 99.9). Replaced,
	// never changed in place.
	LatencyPercentiles []float64
}

// defaultIntrospectConfig returns Redis's defaults.
func defaultIntrospectConfig() IntrospectConfig {
	return IntrospectConfig{
		SlowlogSlowerThan:  10000,
		SlowlogMaxLen:      128,
		LatencyTracking:    true,
		LatencyPercentiles: []float64{50, 99, 99.9},
	}
}

// introspectParams are the hand-written parameters of IntrospectConfig, by
// name; allParams puts each where Redis's generated one would be. They
// check values with the generated description of Redis's parameter (so
// errors and CONFIG GET's format are Redis's) and keep them typed.
var introspectParams = func() map[string]param {
	intField := func(name string, field func(*IntrospectConfig) *int64) param {
		rp := findRedisParam(name)
		return param{
			name: name,
			get:  func(c *Config) string { return strconv.FormatInt(*field(&c.Introspect), 10) },
			set: func(c *Config, v string) error {
				norm, err := rp.check(v)
				if err != nil {
					return err
				}
				n, _ := strconv.ParseInt(norm, 10, 64)
				*field(&c.Introspect) = n
				return nil
			},
		}
	}
	tracking := boolParam("latency-tracking", func(c *Config) *bool { return &c.Introspect.LatencyTracking })
	pctRP := findRedisParam("latency-tracking-info-percentiles")
	percentiles := param{
		name: "latency-tracking-info-percentiles", multi: true,
		get: func(c *Config) string {
			f := make([]string, len(c.Introspect.LatencyPercentiles))
			for i, p := range c.Introspect.LatencyPercentiles {
				f[i] = strconv.FormatFloat(p, 'f', -1, 64)
			}
			return strings.Join(f, " ")
		},
		set: func(c *Config, v string) error {
			norm, err := pctRP.check(v)
			if err != nil {
				return err
			}
			f := strings.Fields(norm)
			ps := make([]float64, len(f))
			for i, w := range f {
				ps[i], _ = strconv.ParseFloat(w, 64)
			}
			c.Introspect.LatencyPercentiles = ps
			return nil
		},
	}
	out := map[string]param{}
	for _, p := range []param{
		intField("slowlog-log-slower-than", func(c *IntrospectConfig) *int64 { return &c.SlowlogSlowerThan }),
		intField("slowlog-max-len", func(c *IntrospectConfig) *int64 { return &c.SlowlogMaxLen }),
		intField("latency-monitor-threshold", func(c *IntrospectConfig) *int64 { return &c.LatencyMonitorThreshold }),
		tracking,
		percentiles,
	} {
		out[p.name] = p
	}
	return out
}()

// findRedisParam returns the generated description of Redis's parameter name.
func findRedisParam(name string) *redisParam {
	for i := range redisParams {
		if redisParams[i].name == name {
			return &redisParams[i]
		}
	}
	panic("kvd: no Redis parameter " + name)
}
