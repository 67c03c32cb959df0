package tests

import (
	"slices"
	"strings"
	"testing"
)

// benchmarkDefaultTests are the tests redis-benchmark 7.0.15 runs when no
// -t option is given, under the names it reports them. Its default suite
// has no XADD test (-t xadd runs nothing in 7.0), so kvd's lack of streams
// leaves the whole default suite runnable.
var benchmarkDefaultTests = []string{
	"PING_INLINE", "PING_MBULK", "SET", "GET", "INCR", "LPUSH", "RPUSH", "LPOP", "RPOP", "SADD", "HSET", "SPOP",
	"ZADD", "ZPOPMIN", "LPUSH (needed to benchmark LRANGE)", "LRANGE_100 (first 100 elements)",
	"LRANGE_300 (first 300 elements)", "LRANGE_500 (first 500 elements)", "LRANGE_600 (first 600 elements)",
	"MSET (10 keys)",
}

// TestBenchmarkSuiteDefault runs redis-benchmark -q -n 2000, its whole
// default suite, against kvd and requires every test to finish without an
// error. It first runs the suite against redis-server to check that the
// list above is the one this redis-benchmark runs.
func TestBenchmarkSuiteDefault(t *testing.T) {
	bench := needTool(t, "redis-benchmark")
	redisConn(t)
	r := runTool(t, bench, env.redisAddr, nil, "-q", "-n", "2000")
	results, problems := benchmarkResults(r.stdout + r.stderr)
	var names []string
	for name := range results {
		names = append(names, name)
	}
	slices.Sort(names)
	want := slices.Sorted(slices.Values(benchmarkDefaultTests))
	if r.code != 0 || len(problems) > 0 || !slices.Equal(names, want) {
		t.Fatalf("redis-benchmark's default suite against redis-server: exit %d, problems %q, tests %q; want %q",
			r.code, problems, names, want)
	}
	checkBenchmark(t, benchmarkDefaultTests, nil, "-n", "2000")
}

// TestBenchmarkSuiteUnsupported checks how redis-benchmark reports a
// command kvd does not have (MODULE: kvd has no modules): the server's
// unknown-command error, as Redis words it, and exit status 1.
func TestBenchmarkSuiteUnsupported(t *testing.T) {
	bench := needTool(t, "redis-benchmark")
	kvdConn(t)
	r := runTool(t, bench, env.kvdAddr, nil, "-q", "-n", "10", "MODULE", "LIST")
	const want = "Error from server: ERR unknown command 'MODULE', with args beginning with: 'LIST' "
	if r.code != 1 || !strings.Contains(r.stdout+r.stderr, want) {
		t.Fatalf("redis-benchmark MODULE LIST against kvd: exit %d, output %q; want exit 1 and %q", r.code, r.stdout+r.stderr, want)
	}
}
