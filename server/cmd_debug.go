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

// debugSubcommands lists DEBUG's subcommands, in DEBUG HELP's order: the
// fewest and most arguments each takes (counting DEBUG and the
// subcommand's name), its help text and its procedure.
var debugSubcommands = []struct {
	name    string
	minArgs int
	maxArgs int
	help    []string
	proc    func(c *Ctx)
}{
	{"error", 3, 3, []string{
		"ERROR <string>",
		"    Return a Redis protocol error with <string> as message. Useful for clients",
		"    unit tests to simulate Redis errors.",
	}, debugError},
	{"log", 3, 3, []string{
		"LOG <message>",
		"    Write <message> to the server log.",
	}, func(c *Ctx) {
		c.srv.logf(levelWarning, "DEBUG LOG: %s", c.argv[2])
		c.replyOK()
	}},
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
	{"reload", 2, 1 << 30, []string{
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
	{"set-active-expire", 3, 3, []string{
		"SET-ACTIVE-EXPIRE <0|1>",
		"    Setting it to 0 disables expiring keys in background when they are not",
		"    accessed (otherwise the Redis behavior). Setting it to 1 reenables back the",
		"    default.",
	}, func(c *Ctx) {
		c.srv.noActiveExpire = atoi(c.argv[2]) == 0
		c.replyOK()
	}},
	{"sleep", 3, 3, []string{
		"SLEEP <seconds>",
		"    Stop the server for <seconds>. Decimals allowed.",
	}, debugSleep},
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
	for _, d := range debugSubcommands {
		if isOpt(sub, d.name) && len(c.argv) >= d.minArgs && len(c.argv) <= d.maxArgs {
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
