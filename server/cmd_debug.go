package server

import (
	"strconv"
	"strings"
	"time"

	"github.com/kvdserver/kvd/resp"
	"github.com/kvdserver/kvd/store"
)

// DEBUG, allowed only as enable-debug-command says (dispatch checks it).
// kvd has the subcommands below; DEBUG HELP lists them with Redis's text.

// allowProtected reports whether c may run a protected command (DEBUG):
// enable-debug-command is "yes", or "local" and c is connected over
// loopback or a Unix socket.
func (s *Server) allowProtected(c *Client) bool {
	switch s.cfg.EnableDebugCommand {
	case "yes":
		return true
	case "local":
		return c.flags&flagLocal != 0
	}
	return false
}

// debugSubcommand is one of DEBUG's subcommands: the fewest and most
// arguments it takes (counting DEBUG and the subcommand's name; -1 for no
// limit), its DEBUG HELP text and its procedure. A subcommand without a
// procedure is one Redis has and kvd does not (it crashes the server, or
// works on structures kvd does not have): HELP lists it, as Redis's does,
// and a call gets the unknown-subcommand error.
type debugSubcommand struct {
	name    string
	minArgs int
	maxArgs int
	help    []string
	proc    func(c *Ctx)
}

// debugSubcommands lists DEBUG's subcommands in DEBUG HELP's order, which
// is Redis 7.0.15's, with its text.
var debugSubcommands = []debugSubcommand{
	{"aof-flush-sleep", 3, 3, []string{
		"AOF-FLUSH-SLEEP <microsec>",
		"    Server will sleep before flushing the AOF, this is used for testing.",
	}, func(c *Ctx) {
		c.srv.debug.aofFlushSleep = atoi(c.argv[2])
		c.replyOK()
	}},
	{"assert", 2, 2, []string{
		"ASSERT",
		"    Crash by assertion failed.",
	}, nil},
	{"change-repl-id", 2, 2, []string{
		"CHANGE-REPL-ID",
		"    Change the replication IDs of the instance.",
		"    Dangerous: should be used only for testing the replication subsystem.",
	}, debugChangeReplID},
	{"config-rewrite-force-all", 2, 2, []string{
		"CONFIG-REWRITE-FORCE-ALL",
		"    Like CONFIG REWRITE but writes all configuration options, including",
		"    keywords not listed in original configuration file or default values.",
	}, nil},
	{"crash-and-recover", 2, 3, []string{
		"CRASH-AND-RECOVER [<milliseconds>]",
		"    Hard crash and restart after a <milliseconds> delay (default 0).",
	}, nil},
	{"digest", 2, 2, []string{
		"DIGEST",
		"    Output a hex signature representing the current DB content.",
	}, debugDigest},
	{"digest-value", 2, -1, []string{
		"DIGEST-VALUE <key> [<key> ...]",
		"    Output a hex signature of the values of all the specified keys.",
	}, debugDigestValue},
	{"error", 3, 3, []string{
		"ERROR <string>",
		"    Return a Redis protocol error with <string> as message. Useful for clients",
		"    unit tests to simulate Redis errors.",
	}, debugError},
	{"leak", 3, 3, []string{
		"LEAK <string>",
		"    Create a memory leak of the input string.",
	}, func(c *Ctx) { c.replyOK() }}, // nothing leaks under a garbage collector
	{"log", 3, 3, []string{
		"LOG <message>",
		"    Write <message> to the server log.",
	}, func(c *Ctx) {
		c.srv.logf(levelWarning, "DEBUG LOG: %s", c.argv[2])
		c.replyOK()
	}},
	{"htstats", 3, 3, []string{
		"HTSTATS <dbid>",
		"    Return hash table statistics of the specified Redis database.",
	}, debugHTStats},
	{"htstats-key", 3, -1, []string{
		"HTSTATS-KEY <key>",
		"    Like HTSTATS but for the hash table stored at <key>'s value.",
	}, nil},
	{"loadaof", 2, 2, []string{
		"LOADAOF",
		"    Flush the AOF buffers on disk and reload the AOF in memory.",
	}, nil},
	{"replicate", 3, -1, []string{
		"REPLICATE <string>",
		"    Replicates the provided string to replicas, allowing data divergence.",
	}, nil},
	{"mallctl", 3, -1, []string{
		"MALLCTL <key> [<val>]",
		"    Get or set a malloc tuning integer.",
	}, nil}, // as Redis built without jemalloc
	{"mallctl-str", 3, -1, []string{
		"MALLCTL-STR <key> [<val>]",
		"    Get or set a malloc tuning string.",
	}, nil},
	{"object", 3, 3, []string{
		"OBJECT <key>",
		"    Show low level info about `key` and associated value.",
	}, debugObject},
	{"drop-cluster-packet-filter", 3, 3, []string{
		"DROP-CLUSTER-PACKET-FILTER <packet-type>",
		"    Drop all packets that match the filtered type. Set to -1 allow all packets.",
	}, func(c *Ctx) {
		if _, ok := c.intArg(c.argv[2]); ok {
			c.replyOK()
		}
	}},
	{"oom", 2, 2, []string{
		"OOM",
		"    Crash the server simulating an out-of-memory error.",
	}, nil},
	{"panic", 2, 2, []string{
		"PANIC",
		"    Crash the server simulating a panic.",
	}, nil},
	{"populate", 3, 5, []string{
		"POPULATE <count> [<prefix>] [<size>]",
		"    Create <count> string keys named key:<num>. If <prefix> is specified then",
		"    it is used instead of the 'key' prefix. These are not propagated to",
		"    replicas. Cluster slots are not respected so keys not belonging to the",
		"    current node can be created in cluster mode.",
	}, debugPopulate},
	{"protocol", 3, 3, []string{
		"PROTOCOL <type>",
		"    Reply with a test value of the specified type. <type> can be: string,",
		"    integer, double, bignum, null, array, set, map, attrib, push, verbatim,",
		"    true, false.",
	}, debugProtocol},
	{"reload", 2, -1, []string{
		"RELOAD [option ...]",
		"    Save the RDB on disk and reload it back to memory. Valid <option> values:",
		"    * MERGE: conflicting keys will be loaded from RDB.",
		"    * NOFLUSH: the existing database will not be removed before load, but",
		"      conflicting keys will generate an exception and kill the server.",
		"    * NOSAVE: the database will be loaded from an existing RDB file.",
		"    Examples:",
		"    * DEBUG RELOAD: verify that the server is able to persist, flush and reload",
		"      the database.",
		"    * DEBUG RELOAD NOSAVE: replace the current database with the contents of an",
		"      existing RDB file.",
		"    * DEBUG RELOAD NOSAVE NOFLUSH MERGE: add the contents of an existing RDB",
		"      file to the database.",
	}, debugReload},
	{"restart", 2, 3, []string{
		"RESTART [<milliseconds>]",
		"    Graceful restart: save config, db, restart after a <milliseconds> delay (default 0).",
	}, nil},
	{"sdslen", 3, 3, []string{
		"SDSLEN <key>",
		"    Show low level SDS string info representing `key` and value.",
	}, nil},
	{"segfault", 2, 2, []string{
		"SEGFAULT",
		"    Crash the server with sigsegv.",
	}, nil},
	{"set-active-expire", 3, 3, []string{
		"SET-ACTIVE-EXPIRE <0|1>",
		"    Setting it to 0 disables expiring keys in background when they are not",
		"    accessed (otherwise the Redis behavior). Setting it to 1 reenables back the",
		"    default.",
	}, func(c *Ctx) {
		c.srv.noActiveExpire = atoi(c.argv[2]) == 0
		c.replyOK()
	}},
	{"quicklist-packed-threshold", 3, 3, []string{
		"QUICKLIST-PACKED-THRESHOLD <size>",
		"    Sets the threshold for elements to be inserted as plain vs packed nodes",
		"    Default value is 1GB, allows values up to 4GB. Setting to 0 restores to default.",
	}, debugQuicklistPackedThreshold},
	{"set-skip-checksum-validation", 3, 3, []string{
		"SET-SKIP-CHECKSUM-VALIDATION <0|1>",
		"    Enables or disables checksum checks for RDB files and RESTORE's payload.",
	}, func(c *Ctx) {
		c.srv.debug.skipChecksumValidation = atoi(c.argv[2]) != 0
		c.replyOK()
	}},
	{"sleep", 3, 3, []string{
		"SLEEP <seconds>",
		"    Stop the server for <seconds>. Decimals allowed.",
	}, debugSleep},
	{"stringmatch-test", 2, 2, []string{
		"STRINGMATCH-TEST",
		"    Run a fuzz tester against the stringmatchlen() function.",
	}, debugStringmatchTest},
	{"structsize", 2, 2, []string{
		"STRUCTSIZE",
		"    Return the size of different Redis core C structures.",
	}, func(c *Ctx) {
		// Redis's sizes on a 64-bit build: kvd has no such structures,
		// and tools that read this expect Redis's.
		c.replyBulkString("bits:64 robj:16 dictentry:24 sdshdr5:1 sdshdr8:3 sdshdr16:5 sdshdr32:9 sdshdr64:17 ")
	}},
	{"listpack", 3, 3, []string{
		"LISTPACK <key>",
		"    Show low level info about the listpack encoding of <key>.",
	}, debugListpack},
	{"quicklist", 3, 4, []string{
		"QUICKLIST <key> [<0|1>]",
		"    Show low level info about the quicklist encoding of <key>.",
		"    The optional argument (0 by default) sets the level of detail",
	}, debugQuicklist},
	{"client-eviction", 2, 2, []string{
		"CLIENT-EVICTION",
		"    Show low level client eviction pools info (maxmemory-clients).",
	}, debugClientEviction},
	{"pause-cron", 3, 3, []string{
		"PAUSE-CRON <0|1>",
		"    Stop periodic cron job processing.",
	}, func(c *Ctx) {
		c.srv.debug.pauseCron = atoi(c.argv[2]) != 0
		c.replyOK()
	}},
	{"replybuffer", 4, 4, []string{
		"REPLYBUFFER PEAK-RESET-TIME <NEVER||RESET|time>",
		"    Sets the time (in milliseconds) to wait between client reply buffer peak resets.",
		"    In case NEVER is provided the last observed peak will never be reset",
		"    In case RESET is provided the peak reset time will be restored to the default value",
		"REPLYBUFFER RESIZING <0|1>",
		"    Enable or disable the reply buffer resize cron job",
	}, debugReplyBuffer},
	{"clusterlink", 5, 5, []string{
		"CLUSTERLINK KILL <to|from|all> <node-id>",
		"    Kills the link based on the direction to/from (both) with the provided node.",
	}, func(c *Ctx) { c.replyError(errDebugClusterOnly) }},
}

func debugCommand(c *Ctx) {
	sub := c.argv[1]
	if isOpt(sub, "help") && len(c.argv) == 2 {
		var lines []string
		for _, d := range debugSubcommands {
			lines = append(lines, d.help...)
		}
		c.replyHelpLines("DEBUG", lines)
		return
	}
	for i := range debugSubcommands {
		d := &debugSubcommands[i]
		if d.proc != nil && isOpt(sub, d.name) && len(c.argv) >= d.minArgs && (d.maxArgs < 0 || len(c.argv) <= d.maxArgs) {
			d.proc(c)
			return
		}
	}
	c.subcommandSyntaxError()
}

// strtod parses the longest leading float of b like C's strtod, 0 if none.
func strtod(b []byte) float64 {
	s := strings.TrimLeft(string(b), " \t\n\v\f\r")
	for end := len(s); end > 0; end-- {
		if f, err := strconv.ParseFloat(s[:end], 64); err == nil {
			return f
		} else if ne, ok := err.(*strconv.NumError); ok && ne.Err == strconv.ErrRange {
			return f
		}
	}
	return 0
}

// debugSleep blocks the whole server, as in Redis, for the given seconds.
// A shutdown (SIGTERM) cuts the sleep short, as the signal interrupts
// Redis's nanosleep; then, like Redis, which exits before writing it, the
// client gets no reply.
func debugSleep(c *Ctx) {
	usec := int64(strtod(c.argv[2]) * 1e6)
	if usec > 0 {
		t := time.NewTimer(time.Duration(usec) * time.Microsecond)
		select {
		case <-t.C:
		case <-c.srv.stopping:
			t.Stop()
			return
		}
	}
	c.replyOK()
}

// debugError replies an error made of the argument, as given. Like Redis,
// which writes it as raw protocol, it counts neither as an error reply nor
// as a failed call.
func debugError(c *Ctx) { c.replyRaw(resp.AppendError(nil, string(c.argv[2]))) }

// debugPopulate creates count string keys "prefix:N" holding "value:N"
// (padded with zero bytes or cut to size when a size is given), skipping
// keys that exist.
func debugPopulate(c *Ctx) {
	count, ok := c.positiveArg(c.argv[2])
	if !ok {
		return
	}
	size := int64(0)
	if len(c.argv) == 5 {
		if size, ok = c.positiveArg(c.argv[4]); !ok {
			return
		}
	}
	prefix := "key"
	if len(c.argv) >= 4 {
		prefix = string(c.argv[3])
	}
	now := c.now
	var key, val []byte
	for j := int64(0); j < count; j++ {
		key = append(append(key[:0], prefix...), ':')
		key = strconv.AppendInt(key, j, 10)
		// Redis formats the name into a 128-byte buffer.
		key = truncate(key, 127)
		if _, exists := c.lookupWrite(key); exists {
			continue
		}
		val = strconv.AppendInt(append(val[:0], "value:"...), j, 10)
		if size > 0 {
			padded := make([]byte, size)
			copy(padded, val)
			val = padded
		}
		c.db.SetString(key, val, store.LengthEncoding(val), store.SetOptions{Deadline: -1}, now)
	}
	c.replyOK()
}

// debugProtocol replies a sample value of each RESP type, for client tests.
func debugProtocol(c *Ctx) {
	switch name := toLowerASCII(string(c.argv[2])); name {
	case "string":
		c.replyBulkString("Hello World")
	case "integer":
		c.replyInt(12345)
	case "double":
		c.replyDouble(3.141)
	case "bignum":
		c.replyBigNumber("1234567999999999999999999999999999999")
	case "null":
		c.replyNull()
	case "array", "set", "map":
		if name == "array" {
			c.replyArray(3)
		} else if name == "set" {
			c.replySet(3)
		} else {
			c.replyMap(3)
		}
		for j := int64(0); j < 3; j++ {
			c.replyInt(j)
			if name == "map" {
				c.replyBool(j == 1)
			}
		}
	case "attrib":
		if c.proto >= 3 {
			c.replyRaw([]byte("|1\r\n"))
			c.replyBulkString("key-popularity")
			c.replyArray(2)
			c.replyBulkString("key:123")
			c.replyInt(90)
		}
		c.replyBulkString("Some real reply following the attribute")
	case "push":
		if c.proto < 3 {
			c.replyError(errProtocolRESP2)
			return
		}
		c.replyRaw([]byte(">2\r\n"))
		c.replyBulkString("server-cpu-usage")
		c.replyInt(42)
		c.replyBulkString("Some real reply following the push reply")
	case "verbatim":
		c.replyVerbatim([]byte("This is a verbatim\nstring"))
	case "true":
		c.replyBool(true)
	case "false":
		c.replyBool(false)
	default:
		c.replyError(errProtocolType)
	}
}
