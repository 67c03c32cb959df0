package tests

import (
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kvdserver/kvd/server"
)

// Server and admin commands: INFO, CONFIG, COMMAND, TIME, DEBUG, SHUTDOWN.

func TestDiffServerConfig(t *testing.T) {
	diffCases(t, []dcase{
		{name: "get same defaults", steps: []step{
			"CONFIG GET tcp-backlog", "CONFIG GET tcp-keepalive", "CONFIG GET databases", "CONFIG GET maxclients",
			"CONFIG GET timeout", "CONFIG GET hz", "CONFIG GET loglevel", "CONFIG GET client-query-buffer-limit",
			"CONFIG GET proto-max-bulk-len", "CONFIG GET client-output-buffer-limit", "CONFIG GET requirepass",
			"CONFIG GET enable-debug-command", "CONFIG GET io-threads-do-reads", "CONFIG GET save", "CONFIG GET appendonly",
			"CONFIG GET unixsocket", "CONFIG GET unixsocketperm", "CONFIG GET bind",
		}},
		{name: "get patterns", steps: []step{
			"CONFIG GET MAXCLIENTS", "CONFIG GET maxclients MAXCLIENTS", "CONFIG GET MAXCLIENTS maxclient*",
			"CONFIG GET nosuch", "CONFIG GET nosuch*", "!pairs CONFIG GET timeout databases", "!pairs CONFIG GET tcp-*",
			"!pairs CONFIG GET client-*-limit", "CONFIG GET h?", "CONFIG GET *keepalive", "!pairs CONFIG GET unixsocket*",
			"CONFIG GET app*only", "!pairs CONFIG GET timeout tcp-*", "CONFIG GET", "CONFIG get Timeout",
		}},
		{name: "set and restore", steps: []step{
			"CONFIG SET timeout 5", "CONFIG GET timeout", "CONFIG SET timeout 0",
			"CONFIG SET hz 1000", "CONFIG GET hz", "CONFIG SET hz 0", "CONFIG GET hz", "CONFIG SET HZ 10", "CONFIG GET hz",
			"CONFIG SET timeout 7 tcp-keepalive 60", "!pairs CONFIG GET timeout tcp-keepalive",
			"CONFIG SET timeout 0 tcp-keepalive 300", "!pairs CONFIG GET timeout tcp-keepalive",
			"CONFIG SET loglevel WARNING", "CONFIG GET loglevel", "CONFIG SET loglevel notice",
			"CONFIG SET proto-max-bulk-len 2mb", "CONFIG GET proto-max-bulk-len", "CONFIG SET proto-max-bulk-len 512mb",
			"CONFIG SET client-query-buffer-limit 1GB", "CONFIG GET client-query-buffer-limit",
			`CONFIG SET client-output-buffer-limit "normal 1mb 512kb 10"`, "CONFIG GET client-output-buffer-limit",
			`CONFIG SET client-output-buffer-limit "normal 0 0 0"`, "CONFIG GET client-output-buffer-limit",
			`CONFIG SET save ""`, "CONFIG SET appendonly NO", "CONFIG SET maxclients 10000",
		}},
		{name: "set is all or nothing", steps: []step{
			"CONFIG SET timeout 5 hz abc", "CONFIG GET timeout", "CONFIG SET timeout 5 maxclients 0", "CONFIG GET timeout",
			"CONFIG SET timeout 5 nosuch 1", "CONFIG GET timeout",
		}},
		{name: "set errors", steps: []step{
			"CONFIG SET nosuch 1", "CONFIG SET hz 10 hz 11", "CONFIG SET hz 10 HZ 11", "CONFIG SET Timeout 5 timeout 5",
			"CONFIG SET hz", "CONFIG SET hz 10 timeout", "CONFIG SET timeout 5 databases 9", "CONFIG SET databases 9 nosuch 1",
			"CONFIG SET nosuch 1 databases 9", "CONFIG SET timeout abc nosuch 1", "CONFIG SET databases 3 databases 4",
			"CONFIG SET HZ abc", "CONFIG SET hz -1", "CONFIG SET maxclients 0", "CONFIG SET maxclients 10k",
			"CONFIG SET maxclients 4294967296", "CONFIG SET timeout 1kb", "CONFIG SET tcp-keepalive 1.5",
			"CONFIG SET tcp-keepalive -1", "CONFIG SET loglevel foo", "CONFIG SET loglevel nothing",
			"CONFIG SET io-threads-do-reads yes", "CONFIG SET io-threads 2", "CONFIG SET enable-debug-command no",
			"CONFIG SET unixsocketperm 1", "CONFIG SET tcp-backlog 1", "CONFIG SET unixsocket x", "CONFIG SET logfile x",
			"CONFIG SET proto-max-bulk-len 1", "CONFIG SET proto-max-bulk-len abc", "CONFIG SET client-query-buffer-limit 1",
			"CONFIG SET client-query-buffer-limit -1", `CONFIG SET save "1 2 3"`, `CONFIG SET save "a b"`, `CONFIG SET save "0 1"`,
			"CONFIG SET appendonly maybe",
			`CONFIG SET client-output-buffer-limit foo`, `CONFIG SET client-output-buffer-limit "foo 1 2 3"`,
			`CONFIG SET client-output-buffer-limit "normal x 2 3"`, `CONFIG SET client-output-buffer-limit "normal 1 2 -1"`,
			`CONFIG SET client-output-buffer-limit "normal 1 2 x"`, `CONFIG SET client-output-buffer-limit "normal 1"`,
		}},
		{name: "subcommands", steps: []step{
			"CONFIG", "CONFIG foo", "CONFIG HELP", "CONFIG help x", "CONFIG RESETSTAT x", "CONFIG RESETSTAT",
			"CONFIG REWRITE", "CONFIG REWRITE x", "CONFIG SET",
		}},
	})
}

func TestDiffServerCommand(t *testing.T) {
	diffCases(t, []dcase{
		{name: "info", steps: []step{
			"COMMAND INFO get", "COMMAND INFO set GET nosuch", "COMMAND INFO config|get", "COMMAND INFO CONFIG|GET",
			"COMMAND INFO config|nosuch", "COMMAND INFO get|x", "COMMAND INFO config|get|x", "COMMAND INFO command|docs",
			"COMMAND INFO shutdown debug time info", "COMMAND INFO nosuch", "COMMAND INFO |", "COMMAND INFO get get",
		}},
		{name: "docs", steps: []step{
			"COMMAND DOCS get", "COMMAND DOCS set", "COMMAND DOCS nosuch", "COMMAND DOCS get nosuch GET",
			"COMMAND DOCS config|get", "COMMAND DOCS Config|Set", "COMMAND DOCS shutdown", "COMMAND DOCS command|list",
		}},
		{name: "getkeys", steps: []step{
			"COMMAND GETKEYS get k", "COMMAND GETKEYS GET k", "COMMAND GETKEYS set k v", "COMMAND GETKEYS set k v get",
			"COMMAND GETKEYS get", "COMMAND GETKEYS get a b", "COMMAND GETKEYS nosuch a", "COMMAND GETKEYS ping x",
			"COMMAND GETKEYS config get x", "COMMAND GETKEYS config nosuch x", "COMMAND GETKEYS setex k 10 v",
			"COMMAND GETKEYS command getkeys get", "COMMAND GETKEYS debug sleep",
			"COMMAND GETKEYSANDFLAGS get k", "COMMAND GETKEYSANDFLAGS set k v", "COMMAND GETKEYSANDFLAGS set k v nx GET",
			"COMMAND GETKEYSANDFLAGS set k v get", "COMMAND GETKEYSANDFLAGS setnx k v", "COMMAND GETKEYSANDFLAGS psetex k 1 v",
			"COMMAND GETKEYSANDFLAGS ping x", "COMMAND GETKEYSANDFLAGS get",
		}},
		{name: "list filters", steps: []step{
			"COMMAND LIST FILTERBY PATTERN get", "COMMAND LIST FILTERBY pattern config|G*", "COMMAND LIST FILTERBY pattern CONF*G",
			"COMMAND LIST FILTERBY aclcat nosuch", "COMMAND LIST FILTERBY aclcat @admin", "COMMAND LIST FILTERBY module x",
			"COMMAND LIST FILTERBY", "COMMAND LIST foo", "COMMAND LIST FILTERBY foo x", "COMMAND LIST FILTERBY pattern a b",
			"COMMAND LIST FILTERBY pattern x FILTERBY pattern y",
		}},
		{name: "misc", steps: []step{"COMMAND HELP", "COMMAND foo", "COMMAND COUNT x", "COMMAND HELP x", "!type COMMAND COUNT"}},
	})
}

// beyondRedis lists the commands kvd has from Redis versions after 7.0.15
// (client libraries send them): they have no 7.0.15 replies to compare.
var beyondRedis = map[string]bool{"client|setinfo": true, "client|no-touch": true}

// TestServerBeyondRedis checks that the commands beyondRedis exempts from
// comparison are indeed unknown to Redis 7.0.15 and known to kvd.
func TestServerBeyondRedis(t *testing.T) {
	rc := redisConn(t)
	kc := kvdConn(t)
	for name := range beyondRedis {
		if r := rc.do("COMMAND", "INFO", name); r != "*1\r\n$-1\r\n" {
			t.Errorf("Redis knows %s: compare it (%q)", name, truncateStr(r, 100))
		}
		if r := kc.do("COMMAND", "INFO", name); !strings.HasPrefix(r, "*1\r\n*10\r\n") {
			t.Errorf("kvd does not describe %s: %q", name, r)
		}
	}
}

// kvdCommandNames splits kvd's commands into containers (commands with
// subcommands) and the others.
func kvdCommandNames() (plain, containers []string) {
	names := server.CommandNames()
	isContainer := map[string]bool{}
	for _, n := range names {
		if top, _, ok := strings.Cut(n, "|"); ok {
			isContainer[top] = true
		}
	}
	for _, n := range names {
		if isContainer[n] {
			containers = append(containers, n)
		} else if !beyondRedis[n] {
			plain = append(plain, n)
		}
	}
	return plain, containers
}

// TestDiffServerCommandDataAll compares COMMAND INFO and COMMAND DOCS for
// every command kvd has, byte for byte.
func TestDiffServerCommandDataAll(t *testing.T) {
	plain, _ := kvdCommandNames()
	var cases []dcase
	for _, n := range plain {
		cases = append(cases, dcase{name: n, steps: []step{"COMMAND INFO " + n, "COMMAND DOCS " + n}})
	}
	diffCases(t, cases)
}

// TestServerCommandContainers compares COMMAND INFO and DOCS for commands
// with subcommands, which Redis lists in its hash table's order: the
// subcommands are compared as a set, without those Redis 7.0.15 lacks.
func TestServerCommandContainers(t *testing.T) {
	needRedis(t)
	_, containers := kvdCommandNames()
	for _, proto := range []int{2, 3} {
		for _, name := range containers {
			for _, sub := range []string{"INFO", "DOCS"} {
				t.Run(fmt.Sprintf("resp%d/%s/%s", proto, sub, name), func(t *testing.T) {
					c := dcase{steps: []step{"COMMAND " + sub + " " + name}}
					want := normalizeContainer(t, runCase(t, env.redisAddr, proto, c)[0], sub == "DOCS", nil)
					got := normalizeContainer(t, runCase(t, env.kvdAddr, proto, c)[0], sub == "DOCS", beyondRedis)
					if want != got {
						t.Errorf("\n redis: %s\n   kvd: %s", want, got)
					}
				})
			}
		}
	}
}

// normalizeContainer sorts the subcommands in a COMMAND INFO or COMMAND
// DOCS reply about one container command, and drops those named in drop.
func normalizeContainer(t *testing.T, raw string, docs bool, drop map[string]bool) string {
	t.Helper()
	v, err := parseValue(raw)
	if err != nil || len(v.elems) < 1 {
		t.Fatalf("bad reply %q: %v", raw, err)
	}
	if !docs {
		info := v.elems[0]
		subs := info.elems[9]
		var kept []value
		for _, sc := range subs.elems {
			if !drop[sc.elems[0].str] {
				kept = append(kept, sc)
			}
		}
		subs.elems = kept
		info.elems[9] = subs.sorted()
		v.elems[0] = info
		return v.String()
	}
	doc := v.elems[1]
	for i := 0; i+1 < len(doc.elems); i += 2 {
		if doc.elems[i].str == "subcommands" {
			subs := doc.elems[i+1]
			var kept []value
			for j := 0; j+1 < len(subs.elems); j += 2 {
				if !drop[subs.elems[j].str] {
					kept = append(kept, subs.elems[j], subs.elems[j+1])
				}
			}
			subs.elems = kept
			if subs.kind != '%' {
				subs = subs.sortedPairs()
			} else {
				subs = subs.sorted()
			}
			doc.elems[i+1] = subs
		}
	}
	v.elems[1] = doc
	return v.String()
}

func TestDiffServerMisc(t *testing.T) {
	diffCases(t, []dcase{
		{name: "time", steps: []step{"!type TIME", "TIME x"}},
		{name: "debug", steps: []step{
			"DEBUG SLEEP 0", "DEBUG SLEEP abc", "DEBUG SLEEP -1", "DEBUG SLEEP 0.01", "DEBUG sleep", "DEBUG SLEEP 0 x",
			"DEBUG", "DEBUG foo", "DEBUG foo bar", "DEBUG HELP x", "DEBUG LOG hello", "DEBUG ERROR oops", "DEBUG error \"WRONGTYPE x y\"",
			"DEBUG ERROR", "DEBUG SET-ACTIVE-EXPIRE 1", "DEBUG SET-ACTIVE-EXPIRE x", "DEBUG SET-ACTIVE-EXPIRE 1",
		}},
		{name: "debug protocol", steps: []step{
			"DEBUG PROTOCOL string", "DEBUG PROTOCOL integer", "DEBUG PROTOCOL double", "DEBUG PROTOCOL bignum",
			"DEBUG PROTOCOL null", "DEBUG PROTOCOL array", "DEBUG PROTOCOL set", "DEBUG PROTOCOL map", "DEBUG PROTOCOL attrib",
			"DEBUG PROTOCOL push", "DEBUG PROTOCOL verbatim", "DEBUG PROTOCOL true", "DEBUG PROTOCOL false",
			"DEBUG PROTOCOL STRING", "DEBUG PROTOCOL foo", "DEBUG PROTOCOL",
		}},
		{name: "debug populate", steps: []step{
			"SET key:1 mine", "DEBUG POPULATE 3", "DBSIZE", "GET key:0", "GET key:1", "GET key:2", "DEBUG POPULATE 2 p 5",
			"GET p:0", "DEBUG POPULATE 1 q 10", "GET q:0", "DEBUG POPULATE 0", "DEBUG POPULATE -1", "DEBUG POPULATE x",
			"DEBUG POPULATE 2 p -1", "DEBUG POPULATE 2 p x", "DEBUG POPULATE 1 p 1 x", "DBSIZE",
		}},
		{name: "shutdown errors", steps: []step{
			"SHUTDOWN ABORT", "SHUTDOWN abort abort", "SHUTDOWN foo", "SHUTDOWN SAVE NOSAVE", "SHUTDOWN ABORT NOW",
			"SHUTDOWN NOSAVE ABORT", "SHUTDOWN now ABORT",
		}},
		{name: "info", steps: []step{
			"INFO foo", "INFO cluster", "INFO CLUSTER foo", "INFO modules", "INFO module_list", "INFO keyspace",
			"SET a 1", "SELECT 3", "SET b 2", "INFO keyspace", "INFO Keyspace KEYSPACE", "INFO cluster keyspace",
			"INFO keyspace cluster modules",
		}},
		{name: "errorstats", steps: []step{
			"CONFIG RESETSTAT", "GET", "FOO", "SET k v", "DEBUG ERROR \"WRONGTYPE x\"", "DEBUG ERROR oops", "CONFIG SET nosuch 1",
			"INFO errorstats",
		}},
	})
}

// parseInfo parses INFO's reply into sections of (field, value) pairs, in order.
func parseInfo(t testing.TB, raw string) map[string][][2]string {
	t.Helper()
	v, err := parseValue(raw)
	if err != nil {
		t.Fatalf("INFO reply %q: %v", truncateStr(raw, 200), err)
	}
	text := v.str
	if v.kind == '=' {
		text = strings.TrimPrefix(text, "txt:")
	}
	out := map[string][][2]string{}
	section := ""
	for _, line := range strings.Split(text, "\r\n") {
		switch {
		case line == "":
		case strings.HasPrefix(line, "# "):
			section = strings.ToLower(line[2:])
			out[section] = [][2]string{}
		default:
			k, val, ok := strings.Cut(line, ":")
			if !ok {
				t.Fatalf("INFO line without a colon: %q", line)
			}
			out[section] = append(out[section], [2]string{k, val})
		}
	}
	return out
}

func infoValue(fields [][2]string, name string) (string, bool) {
	for _, f := range fields {
		if f[0] == name {
			return f[1], true
		}
	}
	return "", false
}

// TestServerInfoFields requires every field Redis's INFO has in the
// sections kvd implements, in Redis's order, and sane values.
func TestServerInfoFields(t *testing.T) {
	for _, proto := range []int{2, 3} {
		t.Run(fmt.Sprintf("resp%d", proto), func(t *testing.T) {
			rc := redisConn(t)
			kc := kvdConn(t)
			if proto == 3 {
				rc.do("HELLO", "3")
				kc.do("HELLO", "3")
			}
			want := parseInfo(t, rc.do("INFO", "everything"))
			got := parseInfo(t, kc.do("INFO", "everything"))
			var wantSections, gotSections []string
			for s := range want {
				wantSections = append(wantSections, s)
			}
			for s := range got {
				gotSections = append(gotSections, s)
			}
			sort.Strings(wantSections)
			sort.Strings(gotSections)
			if strings.Join(wantSections, ",") != strings.Join(gotSections, ",") {
				t.Errorf("sections %v, Redis has %v", gotSections, wantSections)
			}
			for _, sec := range []string{"server", "clients", "memory", "persistence", "stats", "replication", "cpu", "cluster"} {
				var wantNames, gotNames []string
				for _, f := range want[sec] {
					wantNames = append(wantNames, f[0])
				}
				for _, f := range got[sec] {
					gotNames = append(gotNames, f[0])
				}
				// kvd's own fields follow Redis's at the end of the Server section.
				if len(gotNames) > len(wantNames) && sec == "server" {
					for _, extra := range gotNames[len(wantNames):] {
						if !strings.HasPrefix(extra, "kvd_") {
							t.Errorf("server: extra field %q", extra)
						}
					}
					gotNames = gotNames[:len(wantNames)]
				}
				if strings.Join(gotNames, ",") != strings.Join(wantNames, ",") {
					t.Errorf("%s fields:\n  kvd: %v\nredis: %v", sec, gotNames, wantNames)
				}
			}
			checkInfoValues(t, got)
		})
	}
}

func checkInfoValues(t *testing.T, info map[string][][2]string) {
	t.Helper()
	num := func(sec, name string) int64 {
		t.Helper()
		v, ok := infoValue(info[sec], name)
		if !ok {
			t.Fatalf("%s: no %s", sec, name)
		}
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			t.Fatalf("%s: %s = %q is not an integer", sec, name, v)
		}
		return n
	}
	str := func(sec, name string) string {
		v, _ := infoValue(info[sec], name)
		return v
	}
	_, port, _ := net.SplitHostPort(env.kvdAddr)
	checks := []struct {
		name string
		ok   bool
	}{
		{"redis_version", str("server", "redis_version") == server.RedisVersion},
		{"kvd_version", str("server", "kvd_version") == server.Version},
		{"process_id", num("server", "process_id") == int64(os.Getpid())},
		{"tcp_port", str("server", "tcp_port") == port},
		{"run_id", regexp.MustCompile(`^[0-9a-f]{40}$`).MatchString(str("server", "run_id"))},
		{"master_replid", regexp.MustCompile(`^[0-9a-f]{40}$`).MatchString(str("replication", "master_replid"))},
		{"uptime", num("server", "uptime_in_seconds") >= 0 && num("server", "uptime_in_days") == 0},
		{"server_time_usec", time.Since(time.UnixMicro(num("server", "server_time_usec"))).Abs() < time.Minute},
		{"lru_clock", num("server", "lru_clock") == time.Now().Unix()&(1<<24-1) || num("server", "lru_clock") == (time.Now().Unix()-1)&(1<<24-1)},
		{"hz", num("server", "hz") == 10 && num("server", "configured_hz") == 10},
		{"executable", strings.HasPrefix(str("server", "executable"), "/")},
		{"connected_clients", num("clients", "connected_clients") >= 1},
		{"maxclients", num("clients", "maxclients") == 10000},
		{"used_memory", num("memory", "used_memory") > 0 && num("memory", "used_memory_peak") >= num("memory", "used_memory")},
		{"used_memory_rss", num("memory", "used_memory_rss") > 0},
		{"total_system_memory", num("memory", "total_system_memory") > 0},
		{"used_memory_human", regexp.MustCompile(`^\d+(\.\d\d[KMGTP])?B?$`).MatchString(str("memory", "used_memory_human"))},
		{"mem_fragmentation_ratio", regexp.MustCompile(`^\d+\.\d\d$`).MatchString(str("memory", "mem_fragmentation_ratio"))},
		{"total_connections_received", num("stats", "total_connections_received") >= 1},
		{"total_commands_processed", num("stats", "total_commands_processed") >= 1},
		{"total_net_input_bytes", num("stats", "total_net_input_bytes") > 0},
		{"total_reads_processed", num("stats", "total_reads_processed") > 0},
		{"role", str("replication", "role") == "master"},
		{"used_cpu_user", regexp.MustCompile(`^\d+\.\d{6}$`).MatchString(str("cpu", "used_cpu_user"))},
		{"used_cpu_user_main_thread", regexp.MustCompile(`^\d+\.\d{6}$`).MatchString(str("cpu", "used_cpu_user_main_thread"))},
		{"cluster_enabled", str("cluster", "cluster_enabled") == "0"},
	}
	for _, c := range checks {
		if !c.ok {
			t.Errorf("INFO %s looks wrong: %v", c.name, info)
		}
	}
}

// TestServerInfoStats checks the counters INFO reports against what a
// client did, on kvd and Redis alike.
func TestServerInfoStats(t *testing.T) {
	for _, addr := range []string{env.redisAddr, env.kvdAddr} {
		if addr == "" {
			needRedis(t)
		}
		c := dial(t, addr)
		c.do("FLUSHALL")
		c.do("CONFIG", "RESETSTAT")
		c.do("SET", "k", "v")
		c.do("GET", "k")
		c.do("GET", "k")
		c.do("GET", "missing")
		c.do("GET")
		c.do("SET", "k", "v", "EX", "abc")
		info := parseInfo(t, c.do("INFO", "stats", "commandstats", "keyspace", "latencystats"))
		stats := info["stats"]
		for _, want := range [][2]string{
			{"total_connections_received", "0"}, {"keyspace_hits", "2"}, {"keyspace_misses", "1"},
			{"total_error_replies", "2"}, {"rejected_connections", "0"},
			// RESETSTAT, 2 SET, 3 GET: INFO itself counts once it has run.
			{"total_commands_processed", "6"},
		} {
			if v, _ := infoValue(stats, want[0]); v != want[1] {
				t.Errorf("%s: %s = %s, want %s", addr, want[0], v, want[1])
			}
		}
		cmdstats := info["commandstats"]
		for _, want := range []struct{ name, calls, rejected, failed string }{
			{"cmdstat_get", "3", "1", "0"}, {"cmdstat_set", "2", "0", "1"}, {"cmdstat_config|resetstat", "1", "0", "0"},
		} {
			v, ok := infoValue(cmdstats, want.name)
			re := regexp.MustCompile(`^calls=` + want.calls + `,usec=\d+,usec_per_call=\d+\.\d\d,rejected_calls=` + want.rejected + `,failed_calls=` + want.failed + `$`)
			if !ok || !re.MatchString(v) {
				t.Errorf("%s: %s = %q, want calls=%s rejected=%s failed=%s", addr, want.name, v, want.calls, want.rejected, want.failed)
			}
		}
		if _, ok := infoValue(cmdstats, "cmdstat_flushall"); ok {
			t.Errorf("%s: RESETSTAT left flushall's statistics", addr)
		}
		lat, ok := infoValue(info["latencystats"], "latency_percentiles_usec_get")
		if !ok || !regexp.MustCompile(`^p50=\d+\.\d{3},p99=\d+\.\d{3},p99\.9=\d+\.\d{3}$`).MatchString(lat) {
			t.Errorf("%s: latency_percentiles_usec_get = %q", addr, lat)
		}
		if v, _ := infoValue(info["keyspace"], "db0"); v != "keys=1,expires=0,avg_ttl=0" {
			t.Errorf("%s: db0 = %q", addr, v)
		}
	}
}

// TestServerInfoInstantaneousOps checks that the sampled rate rises when
// commands are sent.
func TestServerInfoInstantaneousOps(t *testing.T) {
	c := kvdConn(t)
	waitFor(t, 5*time.Second, "instantaneous_ops_per_sec > 0", func() bool {
		for i := 0; i < 50; i++ {
			c.do("PING")
		}
		v, _ := infoValue(parseInfo(t, c.do("INFO", "stats"))["stats"], "instantaneous_ops_per_sec")
		n, _ := strconv.Atoi(v)
		return n > 0
	})
}

// TestServerInfoConfigFile checks config_file and executable-related
// values on a server started from a config file.
func TestServerInfoConfigFile(t *testing.T) {
	srv := newKvd(t, func(cfg *server.Config) { cfg.ConfigFile = "/etc/kvd/kvd.conf" })
	c := dial(t, srv.Addr().String())
	info := parseInfo(t, c.do("INFO", "server"))
	if v, _ := infoValue(info["server"], "config_file"); v != "/etc/kvd/kvd.conf" {
		t.Errorf("config_file = %q", v)
	}
}

// TestServerConfigRewrite rewrites the config file of a private server.
func TestServerConfigRewrite(t *testing.T) {
	path := t.TempDir() + "/kvd.conf"
	if err := os.WriteFile(path, []byte("# test\ntimeout 5\nhz 10\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	srv := newKvd(t, func(cfg *server.Config) { cfg.ConfigFile = path; cfg.Timeout = 5 })
	c := dial(t, srv.Addr().String())
	for _, cmd := range [][]string{{"CONFIG", "SET", "timeout", "30", "tcp-keepalive", "60"}, {"CONFIG", "REWRITE"}} {
		if r := c.do(cmd...); r != "+OK\r\n" {
			t.Fatalf("%v: %q", cmd, r)
		}
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"# test\ntimeout 30\nhz 10\n", "\n# Generated by CONFIG REWRITE\n", "\ntcp-keepalive 60\n", "\nbind 127.0.0.1\n", "\nenable-debug-command yes\n"} {
		if !strings.Contains(string(data), want) {
			t.Errorf("rewritten file lacks %q:\n%s", want, data)
		}
	}
}

// TestServerDebugGate checks enable-debug-command against Redis's replies.
func TestServerDebugGate(t *testing.T) {
	for _, mode := range []string{"no", "local", "yes"} {
		t.Run(mode, func(t *testing.T) {
			s := privateServers(t, func(cfg *server.Config) { cfg.EnableDebugCommand = mode }, "--enable-debug-command", mode)
			steps := dcase{steps: []step{"DEBUG SLEEP 0", "DEBUG", "DEBUG foo", "CONFIG GET enable-debug-command", "INFO commandstats"}}
			want := runCase(t, s.redis, 2, steps)
			got := runCase(t, s.kvd, 2, steps)
			for i := 0; i < 4; i++ {
				if want[i] != got[i] {
					t.Errorf("%s:\n redis: %q\n   kvd: %q", steps.steps[i], want[i], got[i])
				}
			}
			// The refused calls count as rejected, not as calls.
			wantStats, gotStats := parseInfo(t, want[4])["commandstats"], parseInfo(t, got[4])["commandstats"]
			w, _ := infoValue(wantStats, "cmdstat_debug")
			g, _ := infoValue(gotStats, "cmdstat_debug")
			re := regexp.MustCompile(`usec=\d+,usec_per_call=[\d.]+`)
			if re.ReplaceAllString(w, "") != re.ReplaceAllString(g, "") {
				t.Errorf("cmdstat_debug: redis %q, kvd %q", w, g)
			}
		})
	}
}

// TestServerShutdown checks that SHUTDOWN stops a server the way Shutdown
// does: no reply, every connection closed, Serve returning ErrServerClosed.
func TestServerShutdown(t *testing.T) {
	for _, cmd := range []string{"SHUTDOWN", "SHUTDOWN NOSAVE", "shutdown now force", "SHUTDOWN SAVE FORCE", "SHUTDOWN NOSAVE NOW FORCE"} {
		t.Run(cmd, func(t *testing.T) {
			cfg := testConfig()
			if err := cfg.Set("dir", t.TempDir()); err != nil { // SHUTDOWN SAVE writes dump.rdb there
				t.Fatal(err)
			}
			srv, err := server.New(cfg)
			if err != nil {
				t.Fatal(err)
			}
			if err := srv.Listen(); err != nil {
				t.Fatal(err)
			}
			served := make(chan error, 1)
			go func() { served <- srv.Serve() }()
			t.Cleanup(func() { srv.Close() })
			addr := srv.Addr().String()
			other := dial(t, addr)
			if r := other.do("SET", "k", "v"); r != "+OK\r\n" {
				t.Fatalf("SET: %q", r)
			}
			c := dial(t, addr)
			// Commands pipelined after SHUTDOWN are not run.
			c.write(append(encode(strings.Fields(cmd)...), encode("PING")...))
			if r, err := c.readErr(5 * time.Second); err == nil {
				t.Fatalf("SHUTDOWN replied %q; want the connection closed", r)
			}
			select {
			case err := <-served:
				if !errors.Is(err, server.ErrServerClosed) {
					t.Fatalf("Serve returned %v, want ErrServerClosed", err)
				}
			case <-time.After(5 * time.Second):
				t.Fatal("Serve did not return after SHUTDOWN")
			}
			if _, err := other.readErr(5 * time.Second); err == nil {
				t.Error("another client's connection stayed open")
			}
			if nc, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
				nc.Close()
				t.Error("the server still accepts connections")
			}
		})
	}
}

// TestServerShutdownSaveRefused checks that SHUTDOWN SAVE whose save fails
// (its directory is gone) leaves the server running.
func TestServerShutdownSaveRefused(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "gone")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	srv := newKvd(t, func(cfg *server.Config) {
		if err := cfg.Set("dir", dir); err != nil {
			t.Fatal(err)
		}
	})
	if err := os.Remove(dir); err != nil {
		t.Fatal(err)
	}
	c := dial(t, srv.Addr().String())
	if r := c.do("SHUTDOWN", "SAVE"); r != "-ERR Errors trying to SHUTDOWN. Check logs.\r\n" {
		t.Fatalf("SHUTDOWN SAVE: %q", r)
	}
	if r := c.do("PING"); r != "+PONG\r\n" {
		t.Fatalf("PING after a refused SHUTDOWN: %q", r)
	}
	select {
	case <-srv.Done():
		t.Fatal("the server stopped")
	default:
	}
}

// TestServerDebugSleep checks that DEBUG SLEEP sleeps.
func TestServerDebugSleep(t *testing.T) {
	c := kvdConn(t)
	start := time.Now()
	if r := c.do("DEBUG", "SLEEP", "0.2"); r != "+OK\r\n" {
		t.Fatalf("DEBUG SLEEP: %q", r)
	}
	if d := time.Since(start); d < 200*time.Millisecond {
		t.Errorf("DEBUG SLEEP 0.2 returned after %v", d)
	}
}

// TestServerMaxClientsLimit checks CONFIG SET maxclients against the open
// files limit, like Redis: a value the system can serve is accepted.
func TestServerMaxClientsLimit(t *testing.T) {
	srv := newKvd(t, nil)
	c := dial(t, srv.Addr().String())
	if r := c.do("CONFIG", "SET", "maxclients", "200"); r != "+OK\r\n" {
		t.Fatalf("CONFIG SET maxclients 200: %q", r)
	}
	if r := c.do("CONFIG", "GET", "maxclients"); r != "*2\r\n$10\r\nmaxclients\r\n$3\r\n200\r\n" {
		t.Fatalf("CONFIG GET maxclients: %q", r)
	}
	r := c.do("CONFIG", "SET", "maxclients", "4294967295")
	if r != "+OK\r\n" && !strings.HasPrefix(r, "-ERR CONFIG SET failed (possibly related to argument 'maxclients') - The operating system is not able to handle the specified number of clients, try with ") {
		t.Fatalf("CONFIG SET maxclients 4294967295: %q", r)
	}
	if strings.HasPrefix(r, "-") {
		if r := c.do("CONFIG", "GET", "maxclients"); r != "*2\r\n$10\r\nmaxclients\r\n$3\r\n200\r\n" {
			t.Fatalf("maxclients after a refused CONFIG SET: %q", r)
		}
	}
}

// TestServerCommandTimeExcludesIdle checks that the time a connection is
// idle between commands, and the time spent by the cron, never count
// towards a command's usec (kvd reuses the reading that ended one command
// as the start of the next within a loop iteration).
func TestServerCommandTimeExcludesIdle(t *testing.T) {
	s := newKvd(t, func(cfg *server.Config) { cfg.Hz = 1 }) // the cron restarts the clock: keep it out of the way
	c := dial(t, s.Addr().String())
	c.do("CONFIG", "RESETSTAT")
	for range 5 {
		c.do("PING")
		time.Sleep(30 * time.Millisecond)
	}
	// Two pipelined commands: the second one's time starts where the first ended.
	c.write(append(encode("PING"), encode("PING")...))
	c.read()
	c.read()
	v, ok := infoValue(parseInfo(t, c.do("INFO", "commandstats"))["commandstats"], "cmdstat_ping")
	m := regexp.MustCompile(`^calls=7,usec=(\d+),`).FindStringSubmatch(v)
	if !ok || m == nil {
		t.Fatalf("cmdstat_ping = %q, want 7 calls", v)
	}
	// 150 ms of idle time in total; seven PINGs take microseconds.
	if usec, _ := strconv.Atoi(m[1]); usec > 20000 {
		t.Fatalf("7 PINGs took %d µs: idle time was counted", usec)
	}
}

// TestServerCloseStopsAccepting checks that the port refuses connections
// as soon as Close has returned. With the proactor an accept queued in the
// ring keeps the listening socket alive after its descriptor is closed, so
// the listener must be shut down, not only closed; the race is narrow, so
// the test repeats it.
func TestServerCloseStopsAccepting(t *testing.T) {
	n := 100
	if testing.Short() {
		n = 10
	}
	for i := range n {
		srv, err := startKvd(nil)
		if err != nil {
			t.Fatal(err)
		}
		addr := srv.Addr().String()
		c := dial(t, addr)
		if r := c.do("PING"); r != "+PONG\r\n" {
			srv.Close()
			t.Fatalf("PING: %q", r)
		}
		srv.Close()
		if nc, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
			nc.Close()
			t.Fatalf("round %d: %s still accepts connections after Close", i, addr)
		}
	}
}

// TestIOThreadsActiveInInfo: INFO's io_threads_active is 0 without I/O
// threads and 1 while they are in use; io-threads-adaptive no (kvd only)
// keeps them in use whatever the machine's load.
func TestIOThreadsActiveInInfo(t *testing.T) {
	for _, tc := range []struct {
		threads  int
		adaptive bool
		want     string
	}{
		{1, true, "0"},
		{2, false, "1"},
		{4, false, "1"},
	} {
		srv := newKvd(t, func(c *server.Config) {
			c.IOThreads, c.IOThreadsAdaptive, c.IOModel = tc.threads, tc.adaptive, "reactor"
		})
		c := dial(t, srv.Addr().String())
		got := ""
		for _, kv := range parseInfo(t, c.do("INFO", "server"))["server"] {
			if kv[0] == "io_threads_active" {
				got = kv[1]
			}
		}
		if got != tc.want {
			t.Errorf("io-threads %d, io-threads-adaptive %v: io_threads_active %q, want %q", tc.threads, tc.adaptive, got, tc.want)
		}
	}
}
