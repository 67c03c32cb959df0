package server

import (
	"slices"
	"strings"

	"github.com/kvdserver/kvd/internal/glob"
)

// COMMAND and its subcommands. Their replies come from the command table
// and the metadata generated from Redis (commanddata_gen.go).

// commandCommand replies COMMAND INFO for every command.
func commandCommand(c *Ctx) {
	all := c.srv.commands.all
	c.replyArray(len(all))
	for _, st := range all {
		c.replyCommandInfo(st)
	}
}

func commandCountCommand(c *Ctx) { c.replyInt(int64(len(c.srv.commands.all))) }

// lookupCommandName finds a command by its full name ("get", "config|get"),
// in any case, like Redis's lookupCommandBySds.
func (t *commandTable) lookupCommandName(name []byte) *cmdState {
	parts := strings.Split(string(name), "|")
	if len(parts) > 2 {
		return nil
	}
	st := t.lookupTop([]byte(parts[0]))
	if st == nil {
		return nil
	}
	if len(parts) == 1 {
		return st
	}
	if st.sub == nil {
		return nil
	}
	return st.sub[toLowerASCII(parts[1])]
}

func commandInfoCommand(c *Ctx) {
	if len(c.argv) == 2 {
		commandCommand(c)
		return
	}
	c.replyArray(len(c.argv) - 2)
	for _, name := range c.argv[2:] {
		if st := c.srv.commands.lookupCommandName(name); st != nil {
			c.replyCommandInfo(st)
		} else {
			c.replyNull()
		}
	}
}

func commandDocsCommand(c *Ctx) {
	var list []*cmdState
	if len(c.argv) == 2 {
		list = c.srv.commands.all
	} else {
		for _, name := range c.argv[2:] {
			if st := c.srv.commands.lookupCommandName(name); st != nil {
				list = append(list, st)
			}
		}
	}
	// A command added since the data was generated has no documentation to show.
	list = slices.DeleteFunc(slices.Clone(list), func(st *cmdState) bool { return lookupMeta(st.fullName) == nil })
	c.replyMap(len(list))
	for _, st := range list {
		c.replyBulkString(st.fullName)
		c.replyCommandDocs(st)
	}
}

// commandListCommand is COMMAND LIST [FILTERBY MODULE name|ACLCAT category|PATTERN pattern].
func commandListCommand(c *Ctx) {
	keep := func(*cmdState) bool { return true }
	for i := 2; i < len(c.argv); i += 3 {
		if !isOpt(c.argv[i], "filterby") || len(c.argv)-1-i != 2 {
			c.replyError(errSyntax)
			return
		}
		arg := string(c.argv[i+2])
		switch {
		case isOpt(c.argv[i+1], "module"):
			// kvd has no modules: no command belongs to one.
			keep = func(*cmdState) bool { return false }
		case isOpt(c.argv[i+1], "aclcat"):
			keep = func(st *cmdState) bool {
				for _, cat := range st.meta().ACLCategories {
					if strings.EqualFold(strings.TrimPrefix(cat, "@"), arg) {
						return true
					}
				}
				return false
			}
		case isOpt(c.argv[i+1], "pattern"):
			keep = func(st *cmdState) bool { return glob.MatchFold(arg, st.fullName) }
		default:
			c.replyError(errSyntax)
			return
		}
	}
	var names []string
	for _, st := range c.srv.commands.all {
		if keep(st) {
			names = append(names, st.fullName)
		}
		for _, sc := range st.subcommands() {
			if keep(sc) {
				names = append(names, sc.fullName)
			}
		}
	}
	c.replyArray(len(names))
	for _, n := range names {
		c.replyBulkString(n)
	}
}

func commandGetKeysCommand(c *Ctx)         { getKeysGeneric(c, false) }
func commandGetKeysAndFlagsCommand(c *Ctx) { getKeysGeneric(c, true) }

// getKeysGeneric is COMMAND GETKEYS and GETKEYSANDFLAGS: the keys of the
// command line that follows, found without running it.
func getKeysGeneric(c *Ctx, withFlags bool) {
	argv := c.argv[2:]
	st := c.srv.commands.lookup(argv)
	switch {
	case st == nil:
		c.replyError(errGetKeysCommand)
		return
	case !st.hasKeys():
		c.replyError(errGetKeysNoKeys)
		return
	case (st.Arity > 0 && st.Arity != len(argv)) || len(argv) < -st.Arity:
		c.replyError(errGetKeysArity)
		return
	}
	refs := st.findKeys(argv)
	if len(refs) == 0 {
		if st.Flags&FlagNoMandatoryKeys != 0 {
			c.replyArray(0)
		} else {
			c.replyError(errGetKeysArgs)
		}
		return
	}
	c.replyArray(len(refs))
	for _, r := range refs {
		if withFlags {
			c.replyArray(2)
			c.replyBulk(argv[r.pos])
			c.replyStatusSet(r.flags)
		} else {
			c.replyBulk(argv[r.pos])
		}
	}
}

func commandHelpCommand(c *Ctx) {
	c.replyHelpLines("COMMAND", []string{
		"(no subcommand)",
		"    Return details about all Redis commands.",
		"COUNT",
		"    Return the total number of commands in this Redis server.",
		"LIST",
		"    Return a list of all commands in this Redis server.",
		"INFO [<command-name> ...]",
		"    Return details about multiple Redis commands.",
		"    If no command names are given, documentation details for all",
		"    commands are returned.",
		"DOCS [<command-name> ...]",
		"    Return documentation details about multiple Redis commands.",
		"    If no command names are given, documentation details for all",
		"    commands are returned.",
		"GETKEYS <full-command>",
		"    Return the keys from a full Redis command.",
		"GETKEYSANDFLAGS <full-command>",
		"    Return the keys and the access flags from a full Redis command.",
	})
}

// replyHelpLines replies a container command's HELP text the way Redis's
// addReplyHelp does: a header, the lines, and the HELP entry, each a
// simple string.
func (c *Ctx) replyHelpLines(name string, lines []string) {
	c.replyArray(len(lines) + 3)
	c.replyStatus(name + " <subcommand> [<arg> [value] [opt] ...]. Subcommands are:")
	for _, l := range lines {
		c.replyStatus(l)
	}
	c.replyStatus("HELP")
	c.replyStatus("    Prints this help.")
}
