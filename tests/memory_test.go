package tests

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
)

// TestMemoryCommand compares MEMORY's replies and errors with Redis's:
// HELP, PURGE, USAGE's arguments and missing keys, and the shape of STATS
// (its field names, in order) and DOCTOR.
func TestMemoryCommand(t *testing.T) {
	diffCases(t, []dcase{
		{name: "help", steps: []step{"MEMORY HELP", "MEMORY", "MEMORY FOO", "MEMORY PURGE", "MEMORY PURGE x"}},
		{name: "usage", steps: []step{
			"SET k v", "MEMORY USAGE nokey", "MEMORY USAGE", "!re:^:[0-9]+\r\n$ MEMORY USAGE k",
			"!re:^:[0-9]+\r\n$ MEMORY USAGE k SAMPLES 0", "MEMORY USAGE k SAMPLES -1", "MEMORY USAGE k SAMPLES x",
			"MEMORY USAGE k SAMPLES", "MEMORY USAGE k FOO", "MEMORY USAGE nokey SAMPLES x",
			"!re:^:[0-9]+\r\n$ MEMORY USAGE k samples 5",
		}},
		{name: "doctor-empty", steps: []step{"MEMORY DOCTOR", "MEMORY DOCTOR x"}},
		{name: "stats-type", steps: []step{"!type MEMORY STATS", "SET k v", "!type MEMORY STATS", "MEMORY STATS x"}},
	})
	s := sharedServers()
	for _, proto := range []int{2, 3} {
		var names [2][]string
		for i, addr := range []string{s.redis, s.kvd} {
			c := dialProto(t, addr, proto)
			c.do("FLUSHALL")
			c.do("SET", "k", "v")
			c.do("SELECT", "3")
			c.do("SET", "k", "v")
			c.do("EXPIRE", "k", "100")
			v, err := parseValue(c.do("MEMORY", "STATS"))
			c.do("FLUSHALL")
			c.nc.Close()
			if err != nil {
				t.Fatal(err)
			}
			names[i] = statsNames(v)
		}
		if fmt.Sprint(names[0]) != fmt.Sprint(names[1]) {
			t.Errorf("RESP%d MEMORY STATS fields:\n redis: %v\n   kvd: %v", proto, names[0], names[1])
		}
	}
}

// statsNames lists the names of a MEMORY STATS reply, nested maps' as
// "db.N/name".
func statsNames(v value) []string {
	var out []string
	for i := 0; i+1 < len(v.elems); i += 2 {
		name := v.elems[i].str
		out = append(out, name)
		if len(v.elems[i+1].elems) > 0 {
			for _, n := range statsNames(v.elems[i+1]) {
				out = append(out, name+"/"+n)
			}
		}
	}
	return out
}

// TestMemoryAccounting checks that used_memory follows the data set as keys
// of every type are added and removed: the change in used_memory_dataset
// stays within 10% of the sum of MEMORY USAGE over the keys (a walk), and
// returns to where it started when they are deleted.
func TestMemoryAccounting(t *testing.T) {
	srv := newKvd(t, nil)
	c := dial(t, srv.Addr().String())
	dataset := func() int64 {
		n, _ := strconv.ParseInt(infoField(t, c, "memory", "used_memory_dataset"), 10, 64)
		return n
	}
	base := dataset()
	val := strings.Repeat("v", 100)
	fill := map[string]func(i, j int) []string{
		"string": func(i, j int) []string { return []string{"SET", fmt.Sprintf("s:%d", i), val[:j%100]} },
		"hash": func(i, j int) []string {
			return []string{"HSET", fmt.Sprintf("h:%d", i%20), fmt.Sprint("f", j), val[:j%90]}
		},
		"list": func(i, j int) []string { return []string{"RPUSH", fmt.Sprintf("l:%d", i%20), val[:j%100]} },
		"set":  func(i, j int) []string { return []string{"SADD", fmt.Sprintf("t:%d", i%20), fmt.Sprint("member:", j)} },
		"zset": func(i, j int) []string {
			return []string{"ZADD", fmt.Sprintf("z:%d", i%20), fmt.Sprint(j), fmt.Sprint("member:", j)}
		},
		"expire": func(i, j int) []string { return []string{"SET", fmt.Sprintf("e:%d", i), val, "EX", "1000"} },
	}
	for _, typ := range []string{"string", "hash", "list", "set", "zset", "expire"} {
		for round := range 2 {
			for i := range 3000 {
				c.do(fill[typ](i, i*7+round)...)
			}
			walk := int64(0)
			keys := 0
			for _, k := range strings.Split(strings.TrimSpace(rawKeys(t, c)), "\n") {
				if k == "" {
					continue
				}
				keys++
				n, _ := strconv.ParseInt(strings.Trim(c.do("MEMORY", "USAGE", k), ":\r\n"), 10, 64)
				walk += n - 32 // MEMORY USAGE adds the key's table slot, counted as overhead
			}
			got := dataset() - base
			t.Logf("%s round %d: %d keys, dataset %d, walk %d", typ, round, keys, got, walk)
			if d := float64(got - walk); d > 0.1*float64(walk) || d < -0.1*float64(walk) {
				t.Errorf("%s: used_memory_dataset grew by %d, the keys' MEMORY USAGE sums to %d", typ, got, walk)
			}
		}
		c.do("FLUSHALL")
		if got := dataset() - base; got != 0 {
			t.Errorf("%s: dataset %d above the start after FLUSHALL", typ, got)
		}
	}
}

// rawKeys returns KEYS * one key a line.
func rawKeys(t *testing.T, c *conn) string {
	v, err := parseValue(c.do("KEYS", "*"))
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, e := range v.elems {
		b.WriteString(e.str + "\n")
	}
	return b.String()
}
