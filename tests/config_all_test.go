package tests

import (
	"sort"
	"strings"
	"testing"
)

// kvdOnlyParams are the parameters kvd has that Redis 7.0 lacks.
var kvdOnlyParams = []string{"io-model", "io-threads-adaptive", "pprof-addr", "pprof-allow-remote", "proactor-spin-usec"}

// configPairs returns CONFIG GET's reply as a name → value map.
func configPairs(t *testing.T, c *conn, pattern string) map[string]string {
	t.Helper()
	v, err := parseValue(c.do("CONFIG", "GET", pattern))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for i := 0; i+1 < len(v.elems); i += 2 {
		out[v.elems[i].str] = v.elems[i+1].str
	}
	return out
}

// TestConfigGetAllNames checks that CONFIG GET * lists every parameter
// (and alias) redis-server 7.0.15 lists, and only kvd's own besides.
func TestConfigGetAllNames(t *testing.T) {
	s := sharedServers()
	needRedis(t)
	kc, rc := dial(t, s.kvd), dial(t, s.redis)
	mine, theirs := configPairs(t, kc, "*"), configPairs(t, rc, "*")
	var missing, extra []string
	for n := range theirs {
		if _, ok := mine[n]; !ok {
			missing = append(missing, n)
		}
	}
	own := map[string]bool{}
	for _, n := range kvdOnlyParams {
		own[n] = true
	}
	for n := range mine {
		if _, ok := theirs[n]; !ok && !own[n] {
			extra = append(extra, n)
		}
	}
	sort.Strings(missing)
	sort.Strings(extra)
	if len(missing) > 0 || len(extra) > 0 {
		t.Errorf("CONFIG GET * names differ from redis-server's: missing %v, extra %v", missing, extra)
	}
}

// paramsWithEffects are left out of TestDiffConfigSetEveryParam: setting
// them to arbitrary values changes how the test's own servers listen,
// persist, authenticate or accept clients, or (in Redis) starts work kvd
// does elsewhere.
var paramsWithEffects = map[string]bool{
	"port": true, "bind": true, "unixsocket": true, "unixsocketperm": true, "dir": true, "dbfilename": true,
	"save": true, "appendonly": true, "replicaof": true, "slaveof": true, "requirepass": true, "maxclients": true,
	"maxmemory": true, "masterauth": true, "masteruser": true, "bind-source-addr": true, "tls-port": true,
	"cluster-port": true, "oom-score-adj": true, "logfile": true,
}

// TestDiffConfigSetEveryParam sets every Redis parameter to a range of
// valid and invalid values on both servers and compares each reply and the
// value CONFIG GET shows afterwards, then restores the default.
func TestDiffConfigSetEveryParam(t *testing.T) {
	s := privateServers(t, nil)
	kc, rc := dial(t, s.kvd), dial(t, s.redis)
	defaults := configPairs(t, rc, "*")
	names := make([]string, 0, len(defaults))
	for n := range defaults {
		if !paramsWithEffects[n] {
			names = append(names, n)
		}
	}
	// Redis's hidden parameters: CONFIG GET * leaves them out, their
	// exact names work.
	for _, n := range []string{"key-load-delay", "rdb-key-save-delay", "loading-process-events-interval-bytes",
		"use-exit-on-panic", "watchdog-period", "lua-enable-deprecated-api"} {
		names = append(names, n)
		defaults[n] = configPairs(t, rc, n)[n]
		if defaults[n] == "" {
			t.Fatalf("redis-server has no hidden parameter %s", n)
		}
	}
	sort.Strings(names)
	values := []string{"abc", "-1", "0", "1", "7", "100", "65536", "yes", "NO", "1kb", "3MB", "10%", "101%", "",
		"99999999999999999999", "-9223372036854775808", "everysec", "ALLKEYS-LRU", "now save", "save nosave",
		"1 2 3", "50 99.5", "clients", "local"}
	for _, n := range names {
		for _, v := range values {
			want, got := rc.do("CONFIG", "SET", n, v), kc.do("CONFIG", "SET", n, v)
			if want != got {
				t.Errorf("CONFIG SET %s %q: kvd %q, redis %q", n, v, got, want)
			}
			want, got = rc.do("CONFIG", "GET", n), kc.do("CONFIG", "GET", n)
			if want != got {
				t.Errorf("CONFIG GET %s after SET %q: kvd %q, redis %q", n, v, got, want)
			}
			rc.do("CONFIG", "SET", n, defaults[n])
			kc.do("CONFIG", "SET", n, defaults[n])
		}
	}
}

// TestDiffConfigProtected checks protected parameters and the aliases of
// parameters kvd only remembers.
func TestDiffConfigProtected(t *testing.T) {
	diffCases(t, []dcase{
		{name: "protected", steps: []step{
			"CONFIG SET dir /tmp", "CONFIG SET dbfilename x.rdb", "CONFIG SET hz 10 dir /tmp", "CONFIG GET dbfilename",
		}},
		{name: "aliases", steps: []step{
			"CONFIG SET slave-read-only no", "!pairs CONFIG GET *read-only", "CONFIG SET replica-read-only yes",
			"!pairs CONFIG GET *read-only", "CONFIG SET lua-time-limit 100", "!pairs CONFIG GET busy-reply-threshold lua-time-limit",
			"CONFIG SET busy-reply-threshold 5000", "!pairs CONFIG GET list-max-*", "CONFIG GET slaveof",
		}},
		{name: "multi-word", steps: []step{
			`CONFIG SET oom-score-adj-values "0 100 200"`, "CONFIG GET oom-score-adj-values",
			`CONFIG SET oom-score-adj-values "0 200 800"`, `CONFIG SET shutdown-on-sigterm "now save"`,
			"CONFIG GET shutdown-on-sigterm", "CONFIG SET shutdown-on-sigterm default",
			`CONFIG SET latency-tracking-info-percentiles "50.0 99.99 100"`, "CONFIG GET latency-tracking-info-percentiles",
			`CONFIG SET latency-tracking-info-percentiles "50 99 99.9"`,
		}},
	})
}

// TestConfigKvdOnlyParamsHaveValues checks kvd's own parameters and the
// one default that depends on the process (dir, the working directory).
func TestConfigKvdOnlyParamsHaveValues(t *testing.T) {
	c := dial(t, sharedServers().kvd)
	got := configPairs(t, c, "*")
	for _, n := range kvdOnlyParams {
		if _, ok := got[n]; !ok {
			t.Errorf("CONFIG GET * lacks kvd's %s", n)
		}
	}
	if strings.TrimSpace(got["dir"]) == "" {
		t.Errorf("dir is empty; Redis shows the working directory")
	}
}
