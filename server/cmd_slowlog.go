package server

import "github.com/kvdserver/kvd/internal/num"

// SLOWLOG GET|LEN|RESET|HELP, as Redis 7.0 answers them (slowlog.go keeps the log).

var slowlogCommands = []*Command{
	{Name: "slowlog", Subcommands: []*Command{
		{Name: "get", Proc: slowlogGetCommand},
		{Name: "len", Proc: slowlogLenCommand},
		{Name: "reset", Proc: slowlogResetCommand},
		{Name: "help", Proc: slowlogHelpCommand},
	}},
}

// slowlogGetCommand is SLOWLOG GET [count]: the newest count entries (10
// by default, -1 for all), each [id, time, duration, [args...], addr, name].
func slowlogGetCommand(c *Ctx) {
	l := &c.srv.slowlog
	count := int64(10)
	if len(c.argv) == 3 {
		n, ok := num.ParseInt(c.argv[2])
		if !ok || n < -1 {
			c.replyError(errSlowlogCount)
			return
		}
		count = n
		if count == -1 {
			count = int64(l.len())
		}
	} else if len(c.argv) > 3 {
		c.subcommandSyntaxError()
		return
	}
	count = min(count, int64(l.len()))
	c.replyArray(int(count))
	for i := 0; i < int(count); i++ {
		e := l.newest(i)
		c.replyArray(6)
		c.replyInt(e.id)
		c.replyInt(e.time)
		c.replyInt(e.duration)
		c.replyArray(len(e.argv))
		c.replyBulkItems(e.argv)
		c.replyBulkString(e.peer)
		c.replyBulkString(e.name)
	}
}

func slowlogLenCommand(c *Ctx) { c.replyInt(int64(c.srv.slowlog.len())) }

func slowlogResetCommand(c *Ctx) {
	c.srv.slowlog.reset()
	c.replyOK()
}

func slowlogHelpCommand(c *Ctx) {
	c.replyHelpLines("SLOWLOG", []string{
		"GET [<count>]",
		"    Return top <count> entries from the slowlog (default: 10, -1 mean all).",
		"    Entries are made of:",
		"    id, timestamp, time in microseconds, arguments array, client IP and port,",
		"    client name",
		"LEN",
		"    Return the length of the slowlog.",
		"RESET",
		"    Reset the slowlog.",
	})
}
