package server

import (
	"strconv"
	"time"
)

const adminFlags = FlagAdmin | FlagNoScript | FlagLoading | FlagStale

var serverCommands = []*Command{
	{Name: "dbsize", Arity: 1, Flags: FlagReadonly | FlagFast, Proc: dbsizeCommand},
	{Name: "flushdb", Arity: -1, Flags: FlagWrite, Proc: flushdbCommand},
	{Name: "flushall", Arity: -1, Flags: FlagWrite, Proc: flushallCommand},
	{Name: "info", Arity: -1, Flags: FlagLoading | FlagStale, Proc: infoCommand},
	{Name: "time", Arity: 1, Flags: FlagLoading | FlagStale | FlagFast, Proc: timeCommand},
	{Name: "config", Arity: -2, Subcommands: []*Command{
		{Name: "get", Arity: -3, Flags: adminFlags, Proc: configGetCommand},
		{Name: "set", Arity: -4, Flags: adminFlags, Proc: configSetCommand},
		{Name: "resetstat", Arity: 2, Flags: adminFlags, Proc: configResetStatCommand},
		{Name: "rewrite", Arity: 2, Flags: adminFlags, Proc: configRewriteCommand},
		{Name: "help", Arity: 2, Flags: FlagLoading | FlagStale, Proc: configHelpCommand},
	}},
	{Name: "command", Arity: -1, Flags: FlagLoading | FlagStale, Proc: commandCommand, Subcommands: []*Command{
		{Name: "count", Arity: 2, Flags: FlagLoading | FlagStale, Proc: commandCountCommand},
		{Name: "list", Arity: -2, Flags: FlagLoading | FlagStale, Proc: commandListCommand},
		{Name: "info", Arity: -2, Flags: FlagLoading | FlagStale, Proc: commandInfoCommand},
		{Name: "docs", Arity: -2, Flags: FlagLoading | FlagStale, Proc: commandDocsCommand},
		{Name: "getkeys", Arity: -4, Flags: FlagLoading | FlagStale, Proc: commandGetKeysCommand},
		{Name: "getkeysandflags", Arity: -4, Flags: FlagLoading | FlagStale, Proc: commandGetKeysAndFlagsCommand},
		{Name: "help", Arity: 2, Flags: FlagLoading | FlagStale, Proc: commandHelpCommand},
	}},
	{Name: "debug", Arity: -2, Flags: adminFlags | FlagProtected, Proc: debugCommand},
	{Name: "shutdown", Arity: -1, Flags: adminFlags | FlagNoMulti | FlagAllowBusy, Proc: shutdownCommand},
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
	c.db.Flush()
	c.replyOK()
}

func flushallCommand(c *Ctx) {
	if !flushMode(c) {
		return
	}
	for _, db := range c.allDBs() {
		db.Flush()
	}
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
// no persistence and no replicas, so there is nothing to save or wait for:
// without SAVE the server stops at once, as Shutdown does, with no reply
// (the connection closes). SAVE cannot be honoured: like Redis when its
// final save fails, it refuses with an error unless FORCE is given.
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
		c.replyError("ERR No shutdown in progress.")
		return
	}
	s.logf(levelWarning, "User requested shutdown...")
	if save {
		s.logf(levelNotice, "Saving the final RDB snapshot before exiting.")
		if !force {
			s.logf(levelWarning, "Error trying to save the DB, can't exit: kvd has no persistence.")
			s.logf(levelWarning, "Errors trying to shut down the server. Check the logs for more information.")
			c.replyError("ERR Errors trying to SHUTDOWN. Check logs.")
			return
		}
		s.logf(levelWarning, "Error trying to save the DB. Exit anyway: kvd has no persistence.")
	}
	s.shutdown = true
	c.client.flags |= flagCloseAfterReply
	s.loop.Submit(func() { s.stopLoop(true) })
}
