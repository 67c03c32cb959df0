package server

import (
	"bytes"
	"sync"
)

// CmdFlag is a command flag, as COMMAND INFO reports it.
type CmdFlag uint32

// Command flags (Redis's names in comments).
const (
	FlagWrite           CmdFlag = 1 << iota // write
	FlagReadonly                            // readonly
	FlagDenyOOM                             // denyoom
	FlagAdmin                               // admin
	FlagPubSub                              // pubsub
	FlagNoScript                            // noscript
	FlagBlocking                            // blocking
	FlagLoading                             // loading
	FlagStale                               // stale
	FlagSkipMonitor                         // skip_monitor
	FlagSkipSlowlog                         // skip_slowlog
	FlagFast                                // fast
	FlagNoAuth                              // no_auth
	FlagMayReplicate                        // may_replicate
	FlagNoMandatoryKeys                     // no_mandatory_keys
	FlagNoMulti                             // no_multi
	FlagMovableKeys                         // movablekeys
	FlagAllowBusy                           // allow_busy
	FlagSentinel                            // sentinel
	// FlagProtected marks a command allowed only as its enable-*-command
	// setting says (DEBUG); COMMAND INFO does not show it.
	FlagProtected
)

// Command maps a command (or subcommand) name to its procedure. Tables of
// them are declared at the top of each cmd_<family>.go file and never
// change. What Redis says of a command — arity, flags, key positions, key
// specs, ACL categories — is not repeated here: it comes from Redis 7.0's
// metadata (commanddata_gen.go, commanddata_extra.go) when a server builds
// its table.
type Command struct {
	// Name is the lower-case name: "get", or "get" under a container such as "config".
	Name string
	// Proc executes the command.
	Proc func(c *Ctx)
	// Subcommands, for a container command such as CONFIG.
	Subcommands []*Command
	// GetKeys, if set, extracts key positions for commands whose keys move
	// (movablekeys); it returns argument indexes.
	GetKeys func(argv [][]byte) []int
	// Extra are kvd's own flags (FlagProtected), added to Redis's.
	Extra CmdFlag
}

// cmdState is a command in one server's table: its definition, the facts
// Redis's metadata gives, and its statistics.
type cmdState struct {
	*Command
	fullName string // "get", or "config|get"
	parent   *cmdState
	sub      map[string]*cmdState

	// Arity is the number of arguments including the name: positive means
	// exactly, negative means at least -Arity. For a subcommand the
	// container's name counts.
	Arity int
	// Flags are the command's flags: Redis's, and kvd's Extra.
	Flags CmdFlag
	// FirstKey, LastKey and Step locate the keys among the arguments
	// (LastKey -1 is the last argument, -2 the one before); 0 means none.
	FirstKey, LastKey, Step int
	// aclID is the command's bit in ACL command bitmaps (-1: none).
	aclID int

	calls, usec, rejected, failed int64
	latency                       latencyHist
}

// newCmdState makes the table entry for cmd, named fullName, from Redis's
// metadata for it. A command without metadata is a build error that
// TestCommandDataComplete reports; New refuses to run with one.
func newCmdState(cmd *Command, fullName string, parent *cmdState) *cmdState {
	m := lookupMeta(fullName)
	if m == nil {
		panic("kvd: no COMMAND metadata for " + fullName + ": run go generate ./server")
	}
	st := &cmdState{
		Command: cmd, fullName: fullName, parent: parent,
		Arity: m.Arity, Flags: parseFlagNames(m.Flags) | cmd.Extra | hiddenCmdFlags[fullName],
		FirstKey: m.FirstKey, LastKey: m.LastKey, Step: m.Step,
		aclID: -1,
	}
	if ac := aclCommands().byName[fullName]; ac != nil {
		st.aclID = ac.id
	}
	return st
}

// commandTable is a server's command lookup table: the global, immutable
// command definitions plus per-server statistics.
type commandTable struct {
	byName map[string]*cmdState
	all    []*cmdState // top-level, in definition order
}

// allCommands lists every command family's table.
func allCommands() [][]*Command {
	return commandFamilies
}

// rename applies rename-command directives: the command is found under
// its new name only, or not at all for an empty one.
func (t *commandTable) rename(renames [][2]string) {
	for _, r := range renames {
		st := t.byName[r[0]]
		if st == nil {
			continue // checked when the directive was read
		}
		delete(t.byName, r[0])
		if r[1] != "" {
			t.byName[r[1]] = st
		}
	}
}

// cmdTemplates are the table entries every server's command table starts
// from, computed once per process: the command definitions and Redis's
// metadata they are derived from never change, and deriving them (flag
// names parsed, ACL ids looked up) was most of a server's start-up. A
// container's subcommands follow it.
var cmdTemplates = sync.OnceValue(func() []cmdState {
	var tpl []cmdState
	for _, family := range allCommands() {
		for _, cmd := range family {
			tpl = append(tpl, *newCmdState(cmd, cmd.Name, nil))
			for _, sc := range cmd.Subcommands {
				tpl = append(tpl, *newCmdState(sc, cmd.Name+"|"+sc.Name, nil))
			}
		}
	}
	return tpl
})

// newCommandTable makes a server's command table, with statistics of its
// own, from the templates: one allocation for every entry.
func newCommandTable() *commandTable {
	tpl := cmdTemplates()
	states := make([]cmdState, len(tpl))
	copy(states, tpl)
	t := &commandTable{byName: make(map[string]*cmdState, len(tpl))}
	for i := 0; i < len(states); {
		st := &states[i]
		i++
		if n := len(st.Subcommands); n > 0 {
			st.sub = make(map[string]*cmdState, n)
			for _, sc := range st.Subcommands {
				sub := &states[i]
				i++
				sub.parent = st
				st.sub[sc.Name] = sub
			}
		}
		t.byName[st.Name] = st
		t.all = append(t.all, st)
	}
	return t
}

// lowerKey lower-cases a command name into buf for a map lookup that does not allocate.
func lowerKey(buf *[32]byte, name []byte) ([]byte, bool) {
	if len(name) > len(buf) {
		return nil, false
	}
	for i, c := range name {
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		buf[i] = c
	}
	return buf[:len(name)], true
}

// subcommands returns a container's subcommands in table order, or nil for
// a command without any.
func (st *cmdState) subcommands() []*cmdState {
	if st.sub == nil {
		return nil
	}
	subs := make([]*cmdState, 0, len(st.Subcommands))
	for _, sc := range st.Subcommands {
		subs = append(subs, st.sub[sc.Name])
	}
	return subs
}

// toLowerASCII lower-cases the ASCII letters of s.
func toLowerASCII(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

// lookupTop finds a top-level command by name, in any case.
func (t *commandTable) lookupTop(name []byte) *cmdState {
	var buf [32]byte
	k, ok := lowerKey(&buf, name)
	if !ok {
		return nil
	}
	return t.byName[string(k)]
}

// lookup finds the command argv asks for, descending into a subcommand for
// a container. It returns nil if there is none.
func (t *commandTable) lookup(argv [][]byte) *cmdState {
	if len(argv) == 0 {
		return nil
	}
	st := t.lookupTop(argv[0])
	if st == nil || st.sub == nil || len(argv) < 2 {
		return st
	}
	var buf [32]byte
	k, ok := lowerKey(&buf, argv[1])
	if !ok {
		return nil
	}
	return st.sub[string(k)]
}

// cstr returns b up to its first NUL byte, as C's %s would print it.
func cstr(b []byte) []byte {
	if i := bytes.IndexByte(b, 0); i >= 0 {
		return b[:i]
	}
	return b
}

func truncate(b []byte, n int) []byte {
	if len(b) > n {
		return b[:n]
	}
	return b
}

// initCtx prepares a client's command context: database 0, RESP2, the
// server's configuration, and for a connection (pooled) replies in pooled
// buffers.
func (s *Server) initCtx(c *Client, pooled bool) {
	c.Ctx = Ctx{srv: s, client: c, cfg: &s.cfg, proto: 2, pooled: pooled}
	c.selectDB(0)
}

// newFakeClient returns a client with no connection, for running commands
// from elsewhere than a socket (a script, an AOF being loaded, a master's
// stream, tests): its replies accumulate in its Ctx.out, which the caller
// reads or drops. It is authenticated and has no id of its own in CLIENT LIST.
func (s *Server) newFakeClient() *Client {
	c := &Client{fd: -1, flags: flagAuthenticated}
	s.initCtx(c, false)
	return c
}

// runFake executes argv for a fake client (see newFakeClient) and returns
// its reply, which stays valid until the client's next command.
func (s *Server) runFake(c *Client, argv [][]byte) []byte {
	s.cmdMark = 0 // not part of a batch of input: read the clock
	c.argv = argv
	c.out = c.out[:0]
	s.execute(c)
	c.argv = nil
	return c.out
}

// execute runs the command in c.argv: lookup, arity and permission checks,
// the procedure, statistics, propagation.
func (s *Server) execute(c *Client) {
	mark := len(c.out)
	s.dispatch(c)
	if c.trk != nil {
		c.trackingClientReset()
	}
	if c.flags&flagPaused != 0 {
		// Held by CLIENT PAUSE: it has not run yet, so it has no reply.
		return
	}
	// CLIENT REPLY OFF/SKIP discard whatever the command answered.
	if c.flags&(flagReplyOff|flagReplySkip) != 0 {
		c.out = c.out[:mark]
		c.flags &^= flagReplySkip
		if len(c.pushKeep) > 0 {
			// Pub/Sub confirmations are not silenced (pubsub.go).
			c.replyRaw(c.pushKeep)
			c.pushKeep = c.pushKeep[:0]
		}
	}
	if c.flags&flagReplySkipNext != 0 {
		c.flags = c.flags&^flagReplySkipNext | flagReplySkip
	}
}

func (s *Server) dispatch(c *Client) {
	if s.embed.err != "" && c.fd >= 0 {
		c.lastCmd = nil
		c.replyError(s.embed.err) // SetError (embed.go)
		return
	}
	t := s.commands
	top := t.lookupTop(c.argv[0])
	cmd := top
	if top != nil && top.sub != nil && len(c.argv) >= 2 {
		cmd = t.lookup(c.argv)
		if cmd == nil {
			c.lastCmd = nil
			c.flagTransaction()
			c.replyError(errUnknownSubcommand(c.argv[1], top.Name))
			return
		}
	}
	// Like Redis's lastcmd, set at lookup: CLIENT LIST shows it even for a
	// command that is then rejected or held by a pause (NULL if unknown).
	c.lastCmd = cmd
	if cmd == nil {
		c.flagTransaction()
		c.replyError(errUnknownCommand(c.argv))
		return
	}
	if (cmd.Arity > 0 && cmd.Arity != len(c.argv)) || len(c.argv) < -cmd.Arity {
		s.reject(c, cmd, errWrongArgs(cmd.fullName))
		return
	}
	if cmd.Flags&FlagProtected != 0 && !s.allowProtected(c) {
		s.reject(c, cmd, errProtectedCommand(cmd.fullName))
		return
	}
	if c.authRequired() && cmd.Flags&FlagNoAuth == 0 {
		s.reject(c, cmd, errNoAuth)
		return
	}
	if c.inMulti() && cmd.Flags&FlagNoMulti != 0 {
		s.reject(c, cmd, errNotInMulti)
		return
	}
	// ACLs, as Redis's processCommand checks them next. A client of an
	// unrestricted user (the default user, by default) checks no more.
	if u := c.user; u != nil && !u.unrestricted() {
		if res, pos := u.checkCommandScratch(cmd, c.argv, &s.aclKeys); res != aclOK {
			s.aclDeny(c, cmd, res, pos)
			return
		}
	}
	if s.evict.maxmemory > 0 && (s.scripts == nil || !s.scripts.busy) && s.checkOOM(c, cmd) {
		s.reject(c, cmd, errOOM) // evict.go
		return
	}
	if s.save.failed && s.writesDenied() && (cmd.Flags&FlagWrite != 0 || cmd.fullName == "ping" ||
		cmd.fullName == "exec" && c.inMulti() && c.mstate.flags&FlagWrite != 0) {
		s.reject(c, cmd, errBgsaveMisconf)
		return
	}
	if s.aof.writeErr != nil && s.aofDeniesWrites() && c.fd >= 0 && (cmd.Flags&FlagWrite != 0 || cmd.fullName == "ping" ||
		cmd.fullName == "exec" && c.inMulti() && c.mstate.flags&FlagWrite != 0) {
		s.reject(c, cmd, s.aofMisconf()) // aof.go
		return
	}
	if s.cfg.MinReplicasToWrite > 0 && cmd.Flags&FlagWrite != 0 && s.replNoWrite() && c.flags&flagMaster == 0 {
		s.reject(c, cmd, errNoReplicas) // min-replicas-to-write (repl.go)
		return
	}
	if s.repl.master != nil {
		if msg := s.replRefuses(c, cmd); msg != "" {
			s.reject(c, cmd, msg) // a replica's READONLY, MASTERDOWN (repl_client.go)
			return
		}
	}
	if c.flags&flagPubSub != 0 && c.proto == 2 && !allowedSubscribed(cmd) {
		s.reject(c, cmd, errSubscribedContext(cmd.fullName))
		return
	}
	if c.flags&flagMonitor != 0 && monitorRefuses(c, cmd) {
		s.reject(c, cmd, errReplicaKeyspace)
		return
	}
	if s.scripts != nil && s.scripts.busy && s.busyRejects(c, cmd) {
		return // a script is running long: -BUSY (script_busy.go)
	}
	// Like Redis's replicas, monitors are never paused.
	if s.paused != pauseOff && c.flags&(flagMonitor|flagMaster) == 0 && (s.pauseHolds(s.scriptCmdFlags(c, cmd)) || cmd.fullName == "exec" && c.inMulti() && s.pauseHolds(&cmdState{Flags: c.mstate.flags})) {
		s.holdClient(c)
		return
	}
	if c.inMulti() && !isTxControl(cmd) {
		c.queueMulti(cmd)
		return
	}
	s.call(&c.Ctx, cmd)
}

// reject answers a command that may not run with err, as Redis's
// rejectCommand: counted as rejected, and inside MULTI it makes EXEC abort;
// EXEC itself rejected aborts the transaction at once.
func (s *Server) reject(c *Client, cmd *cmdState, err string) {
	cmd.rejected++
	if cmd.fullName == "exec" && c.inMulti() {
		c.replyError(errExecAbortBecause(err))
		c.discardTransaction()
		return
	}
	c.flagTransaction()
	c.replyError(err)
}

// call runs cmd's procedure against x and records its statistics; a write
// that changed data is counted (rdb_changes_since_last_save) and
// propagated. Calls nest (EXEC, scripts): what the outermost one's unit
// propagates is emitted when it returns.
func (s *Server) call(x *Ctx, cmd *cmdState) {
	start := s.cmdMark
	if start == 0 {
		start = s.clock.mono()
	}
	x.now = s.clock.ms(start)
	if s.scriptNow != 0 {
		x.now = s.scriptNow // a script's commands all see the time it started
	}
	s.lastNow = x.now
	x.errored, x.changes, x.rewritten, x.touchedSelf = false, -1, false, false
	x.cmd = cmd
	s.prop.enter()
	outer := s.prop.depth == 1
	if outer {
		s.trk.current = x.client
	}
	if len(s.mon.clients) > 0 && feedsBefore(cmd) {
		s.feedMonitorsLine(x, cmd)
	}
	cmd.Proc(x)
	if len(s.mon.clients) > 0 {
		s.feedMonitors(x, cmd)
	}
	if s.trk.clients > 0 {
		s.trackingAfterCommand(x, cmd)
	}
	x.cmd = nil
	cmd.calls++
	end := s.clock.mono()
	s.cmdMark = end
	usec := (end - start) / 1000
	cmd.usec += usec
	s.afterCallIntrospect(x, cmd, usec) // latency histogram, latency monitor, slow log: latency.go
	if x.errored {
		cmd.failed++
	}
	changes := x.changes
	if changes < 0 {
		changes = 0
		if !x.errored && cmd.Flags&FlagWrite != 0 {
			changes = 1
		}
	}
	if changes > 0 {
		s.stats.dirty += int64(changes)
		s.touchKeys(x, cmd)
		if !x.rewritten {
			s.prop.add(x.dbIndex, x.argv)
		}
	}
	s.prop.exit()
	if outer {
		s.trackingCommandDone()
	}
	s.stats.commands++
	if s.blk.blocked > 0 {
		// Blocked clients: mark the keys written as ready and, at the
		// end of the outermost unit, serve them (blocking.go).
		s.afterCall(x, cmd, changes)
	}
}

// now returns the time of the command being executed, in unix ms.
func (s *Server) now() int64 { return s.lastNow }
