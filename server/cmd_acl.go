package server

import (
	"crypto/rand"
	"encoding/hex"
	"slices"
	"time"

	"github.com/kvdserver/kvd/internal/glob"
)

// ACL and its subcommands, as Redis 7.0 has them (acl.go has the users
// and the checks).

var aclCommandTable = []*Command{
	{Name: "acl", Subcommands: []*Command{
		{Name: "cat", Proc: aclCatCommand},
		{Name: "deluser", Proc: aclDelUserCommand},
		{Name: "dryrun", Proc: aclDryRunCommand},
		{Name: "genpass", Proc: aclGenPassCommand},
		{Name: "getuser", Proc: aclGetUserCommand},
		{Name: "help", Proc: aclHelpCommand},
		{Name: "list", Proc: aclListCommand},
		{Name: "load", Proc: aclLoadCommand},
		{Name: "log", Proc: aclLogCommand},
		{Name: "save", Proc: aclSaveCommand},
		{Name: "setuser", Proc: aclSetUserCommand},
		{Name: "users", Proc: aclUsersCommand},
		{Name: "whoami", Proc: aclWhoAmICommand},
	}},
}

// ACL SETUSER username [rule ...]
func aclSetUserCommand(c *Ctx) {
	s, t := c.srv, aclCommands()
	name := string(c.argv[2])
	if hasSpaces(name) {
		c.replyError(errACLUserSpaces)
		return
	}
	ops := make([]string, 0, len(c.argv)-3)
	for _, a := range c.argv[3:] {
		ops = append(ops, string(a))
	}
	merged, bad := mergeSelectorArgs(ops)
	if bad >= 0 {
		c.replyError(errACLUnmatched(c.argv[bad+3]))
		return
	}
	u := s.acl.users[name]
	var temp *aclUser
	if u != nil {
		temp = u.clone(name)
	} else {
		temp = newUser(name, s.pubsubDefault())
	}
	for _, op := range merged {
		if e := temp.set(t, op, s.pubsubDefault()); e != aclErrNone {
			c.replyError(errACLSetUser(op, e))
			return
		}
	}
	if u != nil {
		s.killPubsubClientsIfNeeded(temp, u, c.client)
		u.copyFrom(temp)
	} else {
		s.acl.users[name] = temp
	}
	c.replyOK()
}

// killPubsubClientsIfNeeded disconnects the subscribers of user old whose
// new permissions (newU's) no longer allow one of their subscriptions, as
// Redis's ACLKillPubsubClientsIfNeeded: nothing is checked if a selector
// of newU allows every channel, or if every channel pattern of old is
// among newU's (and none of old's allowed every channel); otherwise a pattern subscription must be one of newU's
// patterns literally and a channel must match one. The calling client is
// closed once its reply is written.
func (s *Server) killPubsubClientsIfNeeded(newU, old *aclUser, current *Client) {
	var upcoming []string
	for _, sel := range newU.selectors {
		if sel.flags&selAllChannels != 0 {
			return
		}
		upcoming = append(upcoming, sel.channels...)
	}
	kept := true
	for _, sel := range old.selectors {
		if sel.flags&selAllChannels != 0 {
			kept = false // every channel was allowed; newU's selectors do not allow them all
		}
		for _, ch := range sel.channels {
			if !slices.Contains(upcoming, ch) {
				kept = false
			}
		}
	}
	if kept {
		return
	}
	allowed := func(name string, pattern bool) bool {
		for _, p := range upcoming {
			if pattern && p == name || !pattern && glob.MatchPattern(p, []byte(name)) {
				return true
			}
		}
		return false
	}
	for _, cl := range s.clientList() {
		if cl.aclUser() != old || cl.ps == nil || cl.clientType() != clientTypePubSub {
			continue
		}
		kill := false
		for _, p := range cl.ps.patterns {
			kill = kill || !allowed(p, true)
		}
		for _, ch := range cl.ps.channels.names {
			kill = kill || !allowed(ch, false)
		}
		for _, ch := range cl.ps.shard.names {
			kill = kill || !allowed(ch, false)
		}
		if !kill {
			continue
		}
		if cl == current {
			cl.flags |= flagCloseAfterReply
		} else {
			cl.close()
		}
	}
}

// ACL DELUSER username [username ...]
func aclDelUserCommand(c *Ctx) {
	s := c.srv
	for _, a := range c.argv[2:] {
		if string(a) == defaultUser {
			c.replyError(errACLDeleteDef)
			return
		}
	}
	deleted := 0
	for _, a := range c.argv[2:] {
		u := s.acl.users[string(a)]
		if u == nil {
			continue
		}
		delete(s.acl.users, u.name)
		s.dropUserClients(u, c.client)
		deleted++
	}
	c.replyInt(int64(deleted))
}

// ACL GETUSER username
func aclGetUserCommand(c *Ctx) {
	if len(c.argv) != 3 {
		c.replyError(errUnknownSubcommand(c.argv[1], "acl"))
		return
	}
	u := c.srv.acl.users[string(c.argv[2])]
	if u == nil {
		c.replyNull()
		return
	}
	t := aclCommands()
	c.replyMap(6)
	c.replyBulkString("flags")
	n := 0
	for i := range userFlagNames {
		if u.flags&(1<<i) != 0 {
			n++
		}
	}
	c.replySet(n)
	for i, name := range userFlagNames {
		if u.flags&(1<<i) != 0 {
			c.replyBulkString(name)
		}
	}
	c.replyBulkString("passwords")
	c.replyArray(len(u.passwords))
	for _, p := range u.passwords {
		c.replyBulkString(p)
	}
	replySelector(c, t, u.root())
	c.replyBulkString("selectors")
	c.replyArray(len(u.selectors) - 1)
	for _, sel := range u.selectors[1:] {
		c.replyMap(3)
		replySelector(c, t, sel)
	}
}

func replySelector(c *Ctx, t *aclTable, sel *aclSelector) {
	c.replyBulkString("commands")
	c.replyBulkString(sel.describeCommands(t))
	c.replyBulkString("keys")
	c.replyBulkString(sel.keysString())
	c.replyBulkString("channels")
	c.replyBulkString(sel.channelsString())
}

// ACL LIST
func aclListCommand(c *Ctx) {
	if len(c.argv) != 2 {
		c.replyError(errUnknownSubcommand(c.argv[1], "acl"))
		return
	}
	t := aclCommands()
	users := c.srv.sortedUsers()
	c.replyArray(len(users))
	for _, u := range users {
		c.replyBulkString("user " + u.name + " " + u.describe(t))
	}
}

// ACL USERS
func aclUsersCommand(c *Ctx) {
	if len(c.argv) != 2 {
		c.replyError(errUnknownSubcommand(c.argv[1], "acl"))
		return
	}
	users := c.srv.sortedUsers()
	c.replyArray(len(users))
	for _, u := range users {
		c.replyBulkString(u.name)
	}
}

// ACL WHOAMI
func aclWhoAmICommand(c *Ctx) {
	if len(c.argv) != 2 {
		c.replyError(errUnknownSubcommand(c.argv[1], "acl"))
		return
	}
	c.replyBulkString(c.client.aclUser().name)
}

// ACL LOAD
func aclLoadCommand(c *Ctx) {
	if c.cfg.ACLFile == "" {
		c.replyError(errACLNoFile)
		return
	}
	if len(c.argv) != 2 {
		c.replyError(errUnknownSubcommand(c.argv[1], "acl"))
		return
	}
	if errs := c.srv.loadACLFile(); errs != "" {
		c.replyError(errACLLoad(errs))
		return
	}
	// The caller itself is dropped if its user was replaced.
	if c.client.user != nil && c.srv.acl.users[c.client.user.name] != c.client.user {
		c.client.flags |= flagCloseAfterReply
	}
	c.replyOK()
}

// ACL SAVE
func aclSaveCommand(c *Ctx) {
	if c.cfg.ACLFile == "" {
		c.replyError(errACLNoFile)
		return
	}
	if len(c.argv) != 2 {
		c.replyError(errUnknownSubcommand(c.argv[1], "acl"))
		return
	}
	if err := c.srv.saveACLFile(); err != nil {
		c.srv.logf(levelWarning, "%v", err)
		c.replyError(errACLSaveFailed)
		return
	}
	c.replyOK()
}

// ACL CAT [category]
func aclCatCommand(c *Ctx) {
	switch len(c.argv) {
	case 2:
		c.replyArray(len(aclCategoryNames))
		for _, n := range aclCategoryNames {
			c.replyBulkString(n)
		}
	case 3:
		cat := aclCategory(string(c.argv[2]))
		if cat == 0 {
			c.replyError(errACLUnknownCategory(c.argv[2]))
			return
		}
		var names []string
		for _, ac := range aclCommands().cmds {
			if ac.cats&cat != 0 {
				names = append(names, ac.name)
			}
		}
		c.replyArray(len(names))
		for _, n := range names {
			c.replyBulkString(n)
		}
	default:
		c.replyError(errUnknownSubcommand(c.argv[1], "acl"))
	}
}

// ACL GENPASS [bits]
func aclGenPassCommand(c *Ctx) {
	bits := int64(256)
	switch len(c.argv) {
	case 2:
	case 3:
		n, ok := c.intArg(c.argv[2])
		if !ok {
			return
		}
		bits = n
	default:
		c.replyError(errUnknownSubcommand(c.argv[1], "acl"))
		return
	}
	if bits <= 0 || bits > 4096 {
		c.replyError(errACLGenpassBits)
		return
	}
	chars := (bits + 3) / 4
	buf := make([]byte, (chars+1)/2)
	if _, err := rand.Read(buf); err != nil {
		c.srv.logf(levelWarning, "ACL GENPASS: %v", err)
	}
	c.replyBulkString(hex.EncodeToString(buf)[:chars])
}

// ACL LOG [count | RESET]
func aclLogCommand(c *Ctx) {
	s := c.srv
	count := int64(10)
	switch len(c.argv) {
	case 2:
	case 3:
		if isOpt(c.argv[2], "reset") {
			clear(s.acl.log)
			s.acl.log = s.acl.log[:0]
			c.replyOK()
			return
		}
		n, ok := c.intArg(c.argv[2])
		if !ok {
			return
		}
		count = max(n, 0)
	default:
		c.replyError(errUnknownSubcommand(c.argv[1], "acl"))
		return
	}
	count = min(count, int64(len(s.acl.log)))
	c.replyArray(int(count))
	now := time.Now().UnixMilli()
	for _, e := range s.acl.log[:count] {
		c.replyMap(7)
		c.replyBulkString("count")
		c.replyInt(e.count)
		c.replyBulkString("reason")
		c.replyBulkString([...]string{"", "command", "key", "auth", "channel"}[e.reason])
		c.replyBulkString("context")
		c.replyBulkString([...]string{"toplevel", "multi", "lua"}[e.context])
		c.replyBulkString("object")
		c.replyBulkString(e.object)
		c.replyBulkString("username")
		c.replyBulkString(e.username)
		c.replyBulkString("age-seconds")
		c.replyDouble(float64(now-e.ctime) / 1000)
		c.replyBulkString("client-info")
		c.replyBulkString(e.cinfo)
	}
}

// ACL DRYRUN username command [arg ...]
func aclDryRunCommand(c *Ctx) {
	s := c.srv
	u := s.acl.users[string(c.argv[2])]
	if u == nil {
		c.replyError(errACLNoUser(c.argv[2]))
		return
	}
	argv := c.argv[3:]
	cmd := s.commands.lookup(argv)
	if cmd == nil {
		c.replyError(errACLNoCommand(c.argv[3]))
		return
	}
	if (cmd.Arity > 0 && cmd.Arity != len(argv)) || len(argv) < -cmd.Arity {
		c.replyError(errACLDryRunArity(cmd.fullName))
		return
	}
	if res, idx := u.checkCommand(cmd, argv); res != aclOK {
		c.replyBulkString(aclDryRunDenied(res, cmd.fullName, argv[idx]))
		return
	}
	c.replyOK()
}

// ACL HELP
func aclHelpCommand(c *Ctx) {
	c.replyHelpLines("ACL", []string{
		"CAT [<category>]",
		"    List all commands that belong to <category>, or all command categories",
		"    when no category is specified.",
		"DELUSER <username> [<username> ...]",
		"    Delete a list of users.",
		"DRYRUN <username> <command> [<arg> ...]",
		"    Returns whether the user can execute the given command without executing the command.",
		"GETUSER <username>",
		"    Get the user's details.",
		"GENPASS [<bits>]",
		"    Generate a secure 256-bit user password. The optional `bits` argument can",
		"    be used to specify a different size.",
		"LIST",
		"    Show users details in config file format.",
		"LOAD",
		"    Reload users from the ACL file.",
		"LOG [<count> | RESET]",
		"    Show the ACL log entries.",
		"SAVE",
		"    Save the current config to the ACL file.",
		"SETUSER <username> <attribute> [<attribute> ...]",
		"    Create or modify a user with the specified attributes.",
		"USERS",
		"    List all the registered usernames.",
		"WHOAMI",
		"    Return the current connection username.",
	})
}
