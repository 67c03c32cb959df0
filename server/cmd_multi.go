package server

import (
	"github.com/kvdserver/kvd/store"
)

// Transactions: MULTI, EXEC, DISCARD, WATCH, UNWATCH, as Redis 7.0 has
// them. Between MULTI and EXEC a client's commands are checked (name,
// arity, permissions) and queued; EXEC runs them through the command
// context one after the other, with nothing else running in between, and
// their effects propagate as one MULTI/EXEC unit. WATCH makes EXEC fail
// (a null reply) if a watched key was changed by anyone, or expired, since.

var multiCommands = []*Command{
	{Name: "multi", Proc: multiCommand},
	{Name: "exec", Proc: execCommand},
	{Name: "discard", Proc: discardCommand},
	{Name: "watch", Proc: watchCommand},
	{Name: "unwatch", Proc: unwatchCommand},
}

// multiState is what a client in MULTI has queued. Its buffers are kept
// from one transaction to the next, so that a client running transactions
// over and over allocates nothing for them.
type multiState struct {
	active bool // between MULTI and the end of EXEC (or DISCARD)
	cmds   []queuedCmd
	flags  CmdFlag  // the union of the queued commands' flags
	mem    int64    // bytes of queued arguments (CLIENT LIST multi-mem)
	arena  []byte   // the queued arguments' bytes
	args   [][]byte // the queued argument vectors, back to back
}

// reset empties the queue, keeping small buffers for the next transaction.
func (m *multiState) reset() {
	clear(m.cmds)
	clear(m.args)
	m.active, m.cmds, m.flags, m.mem, m.args = false, m.cmds[:0], 0, 0, m.args[:0]
	m.arena = m.arena[:0]
	if cap(m.arena) > 64<<10 {
		m.arena = nil // a big transaction's arguments are not kept
	}
	if cap(m.args) > 4096 {
		m.cmds, m.args = nil, nil
	}
}

// queuedCmd is a command queued by MULTI, with its arguments copied out of
// the query buffer.
type queuedCmd struct {
	cmd  *cmdState
	argv [][]byte
}

// watchedKey is a key a client watches: its database, and whether it had
// already expired (but was not yet deleted) when WATCH was called, which
// Redis 7.0 does not count as a change.
type watchedKey struct {
	db      int
	key     string
	expired bool
}

// watchID identifies a watched key in the server's index.
type watchID struct {
	db  int
	key string
}

// isTxControl reports whether cmd runs at once inside MULTI instead of
// being queued, as Redis's processCommand decides.
func isTxControl(cmd *cmdState) bool {
	switch cmd.fullName {
	case "exec", "discard", "multi", "watch", "quit", "reset":
		return true
	}
	return false
}

// inMulti reports whether the client is between MULTI and EXEC.
func (c *Client) inMulti() bool { return c.mstate.active }

// flagTransaction marks a client's transaction as failed because a command
// was rejected while queueing, so that EXEC answers EXECABORT.
func (c *Client) flagTransaction() {
	if c.inMulti() {
		c.flags |= flagDirtyExec
	}
}

// queueMulti queues the command in c.argv for EXEC, its arguments copied
// out of the query buffer. (When the arena or the vector grows, the slices
// already queued keep pointing into the old arrays, which stay as they were.)
func (c *Client) queueMulti(cmd *cmdState) {
	m := &c.mstate
	first := len(m.args)
	for _, a := range c.argv {
		start := len(m.arena)
		m.arena = append(m.arena, a...)
		m.args = append(m.args, m.arena[start:len(m.arena):len(m.arena)])
		m.mem += int64(len(a))
	}
	m.cmds = append(m.cmds, queuedCmd{cmd: cmd, argv: m.args[first:len(m.args):len(m.args)]})
	m.flags |= cmd.Flags
	c.replyStatus("QUEUED")
}

// discardTransaction leaves MULTI and forgets the watched keys.
func (c *Client) discardTransaction() {
	c.mstate.reset()
	c.flags &^= flagDirtyExec | flagDirtyCAS
	c.srv.unwatchAll(c)
}

func multiCommand(c *Ctx) {
	cl := c.client
	if cl.inMulti() {
		c.replyError(errMultiNested)
		return
	}
	cl.mstate.active = true
	c.replyOK()
}

func discardCommand(c *Ctx) {
	if !c.client.inMulti() {
		c.replyError(errDiscardWithoutMulti)
		return
	}
	c.client.discardTransaction()
	c.replyOK()
}

func execCommand(c *Ctx) {
	cl, s := c.client, c.srv
	if !cl.inMulti() {
		c.replyError(errExecWithoutMulti)
		return
	}
	if cl.flags&flagDirtyExec != 0 {
		c.replyError(errExecAbort)
		cl.discardTransaction()
		return
	}
	if cl.flags&flagDirtyCAS == 0 && s.watchedKeyExpired(cl, c.now) {
		cl.flags |= flagDirtyCAS
	}
	if cl.flags&flagDirtyCAS != 0 {
		c.replyNullArray()
		cl.discardTransaction()
		return
	}
	queued := cl.mstate.cmds
	// The watched keys are forgotten before the commands run: a change a
	// queued command makes must not flag this client. The client stays in
	// MULTI until the end, as CLIENT INFO inside the transaction shows.
	s.unwatchAll(cl)
	c.replyArray(len(queued))
	saved := c.callState()
	c.denyBlocking = true
	for _, q := range queued {
		c.argv = q.argv
		// The ACLs are checked again: they may have changed since the
		// command was queued.
		if u := cl.user; u != nil && !u.unrestricted() {
			if res, pos := u.checkCommandScratch(q.cmd, q.argv, &s.aclKeys); res != aclOK {
				s.addACLLog(cl, res, aclCtxMulti, pos, "", aclLogObject(res, q.cmd, q.argv, pos))
				c.replyError(errNoPermExec(res))
				continue
			}
		}
		s.call(c, q.cmd)
	}
	c.denyBlocking = false
	c.restoreCallState(saved)
	cl.mstate.reset()
	cl.flags &^= flagDirtyExec | flagDirtyCAS
}

// callState is what call keeps of the command being executed, saved by a
// command (EXEC, a script) that calls others on the same context.
type callState struct {
	argv      [][]byte
	cmd       *cmdState
	errored   bool
	changes   int
	rewritten bool
}

func (x *Ctx) callState() callState {
	return callState{x.argv, x.cmd, x.errored, x.changes, x.rewritten}
}

func (x *Ctx) restoreCallState(st callState) {
	x.argv, x.cmd, x.errored, x.changes, x.rewritten = st.argv, st.cmd, st.errored, st.changes, st.rewritten
}

func watchCommand(c *Ctx) {
	cl := c.client
	if cl.inMulti() {
		c.replyError(errWatchInMulti)
		return
	}
	// Redis answers OK without watching anything once a watched key changed.
	if cl.flags&flagDirtyCAS == 0 {
		for _, key := range c.argv[1:] {
			c.srv.watch(cl, c.dbIndex, c.db, key, c.now)
		}
	}
	c.replyOK()
}

func unwatchCommand(c *Ctx) {
	c.srv.unwatchAll(c.client)
	c.client.flags &^= flagDirtyCAS
	c.replyOK()
}

// ---- the watched keys index ----

// watch adds key of database dbIndex to the keys c watches.
func (s *Server) watch(c *Client, dbIndex int, db *store.DB, key []byte, now int64) {
	for _, wk := range c.watched {
		if wk.db == dbIndex && wk.key == string(key) {
			return
		}
	}
	id := watchID{dbIndex, string(key)}
	if s.watchers == nil {
		s.watchers = make(map[watchID][]*Client)
	}
	s.watchers[id] = append(s.watchers[id], c)
	c.watched = append(c.watched, watchedKey{db: dbIndex, key: id.key, expired: db.ExpiredNotDeleted(key, now)})
}

// unwatchAll forgets every key c watches.
func (s *Server) unwatchAll(c *Client) {
	for _, wk := range c.watched {
		id := watchID{wk.db, wk.key}
		list := s.watchers[id]
		for i, w := range list {
			if w == c {
				list = append(list[:i], list[i+1:]...)
				break
			}
		}
		if len(list) == 0 {
			delete(s.watchers, id)
		} else {
			s.watchers[id] = list
		}
	}
	clear(c.watched)
	c.watched = c.watched[:0]
}

// touchWatchedKey flags the clients watching key of database dbIndex: their
// EXEC will fail. Like Redis 7.0, a key that had already expired when it
// was watched and is now gone counts as unchanged.
func (s *Server) touchWatchedKey(dbIndex int, key []byte) {
	if s.trk.on() {
		s.trackingInvalidate(key) // the same point invalidates client-side caches
	}
	if len(s.watchers) == 0 {
		return
	}
	list := s.watchers[watchID{dbIndex, string(key)}]
	for _, c := range list {
		wk := c.watchedEntry(dbIndex, key)
		if wk.expired {
			if !s.dbs[dbIndex].Contains(key) {
				wk.expired = false
				continue
			}
		}
		c.flags |= flagDirtyCAS
	}
}

// touchAllWatchedKeys flags the clients watching any key of database
// dbIndex that exists in it, or in with (the database that will replace
// its contents, for SWAPDB), as Redis's touchAllWatchedKeysInDb does before
// a flush or a swap.
func (s *Server) touchAllWatchedKeys(dbIndex int, with *store.DB, now int64) {
	if len(s.watchers) == 0 {
		return
	}
	emptied := s.dbs[dbIndex]
	for id, list := range s.watchers {
		if id.db != dbIndex {
			continue
		}
		key := []byte(id.key)
		inEmptied := emptied.Contains(key)
		inWith := with != nil && with.Contains(key)
		if !inEmptied && !inWith {
			continue
		}
		for _, c := range list {
			wk := c.watchedEntry(dbIndex, key)
			if wk.expired {
				if !inWith {
					wk.expired = false // deleted, as it would have been by expiring
					continue
				}
				if with.ExpiredNotDeleted(key, now) {
					continue // replaced by a key that is expired too
				}
			} else if !inEmptied && with.ExpiredNotDeleted(key, now) {
				wk.expired = true
				continue
			}
			c.flags |= flagDirtyCAS
		}
	}
}

// watchedKeyExpired reports whether a key c watches has expired since it
// was watched (Redis checks this at EXEC, as an expired key may not have
// been deleted yet).
func (s *Server) watchedKeyExpired(c *Client, now int64) bool {
	for _, wk := range c.watched {
		if !wk.expired && s.dbs[wk.db].ExpiredNotDeleted([]byte(wk.key), now) {
			return true
		}
	}
	return false
}

// watchedEntry returns c's entry for a watched key.
func (c *Client) watchedEntry(db int, key []byte) *watchedKey {
	for i := range c.watched {
		if c.watched[i].db == db && c.watched[i].key == string(key) {
			return &c.watched[i]
		}
	}
	return &watchedKey{} // not reached: the index and the client agree
}

// touchKeys flags the watchers of the keys a write command changed: those
// its key specs mark as written, unless the command said which keys it
// touched itself. It costs nothing while no key is watched.
func (s *Server) touchKeys(x *Ctx, cmd *cmdState) {
	if len(s.watchers) == 0 && !s.trk.on() || x.touchedSelf {
		return
	}
	for _, ref := range cmd.findKeys(x.argv) {
		if ref.pos < len(x.argv) && !readOnlyKey(ref.flags) {
			s.touchWatchedKey(x.dbIndex, x.argv[ref.pos])
		}
	}
}

// readOnlyKey reports whether key-spec flags say a key is only read.
func readOnlyKey(flags []string) bool {
	for _, f := range flags {
		if f == "RO" {
			return true
		}
	}
	return false
}

// touched says that the command changed key of database db; a command that
// calls it is trusted to report every key it changed (touchKeys then
// leaves it alone).
func (x *Ctx) touched(db int, key []byte) {
	x.touchedSelf = true
	x.srv.touchWatchedKey(db, key)
}
