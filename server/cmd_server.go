package server

import (
	"strconv"
	"time"
)

var serverCommands = []*Command{
	{Name: "dbsize", Proc: dbsizeCommand},
	{Name: "flushdb", Proc: flushdbCommand},
	{Name: "flushall", Proc: flushallCommand},
	{Name: "info", Proc: infoCommand},
	{Name: "time", Proc: timeCommand},
	{Name: "config", Subcommands: []*Command{
		{Name: "get", Proc: configGetCommand},
		{Name: "set", Proc: configSetCommand},
		{Name: "resetstat", Proc: configResetStatCommand},
		{Name: "rewrite", Proc: configRewriteCommand},
		{Name: "help", Proc: configHelpCommand},
	}},
	{Name: "command", Proc: commandCommand, Subcommands: []*Command{
		{Name: "count", Proc: commandCountCommand},
		{Name: "list", Proc: commandListCommand},
		{Name: "info", Proc: commandInfoCommand},
		{Name: "docs", Proc: commandDocsCommand},
		{Name: "getkeys", Proc: commandGetKeysCommand},
		{Name: "getkeysandflags", Proc: commandGetKeysAndFlagsCommand},
		{Name: "help", Proc: commandHelpCommand},
	}},
	{Name: "debug", Extra: FlagProtected, Proc: debugCommand},
	{Name: "shutdown", Proc: shutdownCommand},
	{Name: "wait", Proc: waitCommand},
}

func dbsizeCommand(c *Ctx) { c.replyInt(int64(c.db.Len())) }

// flushMode parses FLUSHDB/FLUSHALL's optional ASYNC or SYNC. Both free
// memory in the background here (the garbage collector does), so they differ
// only in name.
func flushMode(c *Ctx) bool {
	if len(c.argv) > 2 || len(c.argv) == 2 && !isOpt(c.argv[1], "async") && !isOpt(c.argv[1], "sync") {
		c.replyError(errSyntax)
		return false
	}
	return true
}

func flushdbCommand(c *Ctx) {
	if !flushMode(c) {
		return
	}
	c.srv.touchAllWatchedKeys(c.dbIndex, nil, c.now)
	c.srv.trackingFlushed()
	c.db.Flush()
	c.srv.signalDB(c.dbIndex) // XREADGROUP readers of a stream gone: -UNBLOCKED
	c.touchedSelf = true
	c.replyOK()
}

func flushallCommand(c *Ctx) {
	if !flushMode(c) {
		return
	}
	for i, db := range c.allDBs() {
		c.srv.touchAllWatchedKeys(i, nil, c.now)
		db.Flush()
		c.srv.signalDB(i) // XREADGROUP readers of a stream gone: -UNBLOCKED
	}
	c.srv.flushallSave()
	c.srv.trackingFlushed()
	c.touchedSelf = true
	c.replyOK()
}

// timeCommand replies the server's time: seconds and microseconds, as bulk strings.
func timeCommand(c *Ctx) {
	now := time.Now() // TIME reads the real clock
	c.replyArray(2)
	c.replyBulkString(strconv.FormatInt(now.Unix(), 10))
	c.replyBulkString(strconv.FormatInt(int64(now.Nanosecond()/1000), 10))
}

// shutdownCommand is SHUTDOWN [NOSAVE|SAVE] [NOW] [FORCE] [ABORT]. kvd has
// no replicas, so there is nothing to wait for: after the final save (with
// save points unless NOSAVE, or with SAVE; see shutdownSave) the server
// stops at once, as Shutdown does, with no reply (the connection closes).
// Like Redis, a failed final save refuses the shutdown unless FORCE.
func shutdownCommand(c *Ctx) {
	var save, nosave, now, force, abort bool
	for _, a := range c.argv[1:] {
		switch {
		case isOpt(a, "nosave"):
			nosave = true
		case isOpt(a, "save"):
			save = true
		case isOpt(a, "now"):
			now = true
		case isOpt(a, "force"):
			force = true
		case isOpt(a, "abort"):
			abort = true
		default:
			c.replyError(errSyntax)
			return
		}
	}
	if (abort && (save || nosave || now || force)) || (save && nosave) {
		c.replyError(errSyntax)
		return
	}
	s := c.srv
	if abort {
		// A SHUTDOWN here never waits (no replicas to catch up), so none is ever in progress.
		c.replyError(errNoShutdown)
		return
	}
	s.logf(levelWarning, "User requested shutdown...")
	if err := s.shutdownSave(save, nosave, force); err != nil {
		c.replyError(errShutdownFails)
		return
	}
	s.shutdown = true
	c.client.flags |= flagCloseAfterReply
	s.loop.Submit(func() { s.stopLoop(true) })
}
