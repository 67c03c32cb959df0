package server

import (
	"strconv"

	"github.com/kvdserver/kvd/resp"
)

// The propagation stream is what a replica or an AOF must apply to reach
// the same data set: after every command that changed data, the commands
// that reproduce its effect, with Redis 7.0's rewrites (relative expiries
// made absolute, non-deterministic commands replaced by their effect,
// expired keys deleted explicitly). An execution unit (one command from a
// client, and later a transaction or a script) that propagates more than
// one command is wrapped in MULTI/EXEC, as Redis 7.0 does. SELECT is
// inserted by each consumer's feed when the database changes.
//
// Nothing is recorded while no consumer is attached, so the stream costs
// the request path one branch.

// propConsumer receives the stream: one command at a time, in order, with
// the database it applies to. argv is only valid during the call.
type propConsumer func(db int, argv [][]byte)

// propOp is one command waiting for the end of its execution unit.
type propOp struct {
	db   int
	argv [][]byte // copies
}

// propagator collects the commands of the current execution unit and
// hands them to the consumers when it ends.
type propagator struct {
	consumers []propConsumer
	pending   []propOp
	depth     int // execution nesting: 0 outside any command
}

// on reports whether anything consumes the stream.
func (p *propagator) on() bool { return len(p.consumers) > 0 }

// add records argv (copied) for database db; it is emitted at the end of
// the current execution unit, or at once outside one.
func (p *propagator) add(db int, argv [][]byte) {
	if !p.on() {
		return
	}
	cp := make([][]byte, len(argv))
	for i, a := range argv {
		cp[i] = append([]byte(nil), a...)
	}
	p.pending = append(p.pending, propOp{db, cp})
	if p.depth == 0 {
		p.flush()
	}
}

// enter begins an execution unit (nested ones belong to the outermost).
func (p *propagator) enter() { p.depth++ }

// exit ends an execution unit, emitting its commands if it was the outermost.
func (p *propagator) exit() {
	p.depth--
	if p.depth == 0 && len(p.pending) > 0 {
		p.flush()
	}
}

var (
	argMULTI = [][]byte{[]byte("MULTI")}
	argEXEC  = [][]byte{[]byte("EXEC")}
)

// flush emits the pending commands, wrapped in MULTI/EXEC if more than one.
func (p *propagator) flush() {
	ops := p.pending
	wrap := len(ops) > 1
	for _, fn := range p.consumers {
		if wrap {
			fn(ops[0].db, argMULTI)
		}
		for _, op := range ops {
			fn(op.db, op.argv)
		}
		if wrap {
			fn(ops[len(ops)-1].db, argEXEC)
		}
	}
	clear(p.pending)
	p.pending = p.pending[:0]
}

// addPropConsumer attaches a consumer to the stream. It must be called on
// the loop (or before Serve).
func (s *Server) addPropConsumer(fn propConsumer) {
	s.prop.consumers = append(s.prop.consumers, fn)
}

// propFeed turns the stream into RESP for one consumer (an AOF, a
// replica), inserting SELECT whenever the database changes.
type propFeed struct {
	db  int // the database the consumer has selected; -1 for none yet
	buf []byte
}

func newPropFeed() *propFeed { return &propFeed{db: -1} }

// append adds one command of the stream to the feed.
func (f *propFeed) append(db int, argv [][]byte) {
	if db != f.db {
		f.buf = resp.AppendArray(f.buf, 2)
		f.buf = resp.AppendBulkString(f.buf, "SELECT")
		f.buf = resp.AppendBulk(f.buf, strconv.AppendInt(nil, int64(db), 10))
		f.db = db
	}
	f.buf = resp.AppendArray(f.buf, len(argv))
	for _, a := range argv {
		f.buf = resp.AppendBulk(f.buf, a)
	}
}

// ---- what commands use ----

// propagating reports whether the stream has a consumer, so that a command
// need not build a rewrite nobody reads.
func (x *Ctx) propagating() bool { return x.srv.prop.on() }

// propagate makes argv (part of) what this command propagates, instead of
// the command's own arguments. A command calls it once per command of its
// effect (SPOP's SREM, an expired key's DEL...), only when it changed data.
func (x *Ctx) propagate(argv ...[]byte) {
	x.rewritten = true
	x.srv.prop.add(x.dbIndex, argv)
}

// noChange marks a write command that changed nothing: it is neither
// counted as a change (rdb_changes_since_last_save) nor propagated.
func (x *Ctx) noChange() { x.changes = 0 }

// setChanges says how many changes a write command made, for the commands
// that Redis counts more than one of (or none of) in
// rdb_changes_since_last_save; 0 is noChange.
func (x *Ctx) setChanges(n int) { x.changes = n }

// Arguments of rewritten commands.
var (
	bDEL       = []byte("DEL")
	bSET       = []byte("SET")
	bSREM      = []byte("SREM")
	bHSET      = []byte("HSET")
	bPXAT      = []byte("PXAT")
	bKEEPTTL   = []byte("KEEPTTL")
	bPEXPIREAT = []byte("PEXPIREAT")
	bPERSIST   = []byte("PERSIST")
)

// propagateExpiryAt propagates a deadline (unix ms) given to key as
// PEXPIREAT key ms, followed by the options (EXPIRE's NX, XX, GT, LT are
// kept, as Redis keeps them).
func (x *Ctx) propagateExpiryAt(key []byte, ms int64, opts ...[]byte) {
	if !x.propagating() {
		x.rewritten = true
		return
	}
	argv := append([][]byte{bPEXPIREAT, key, strconv.AppendInt(nil, ms, 10)}, opts...)
	x.propagate(argv...)
}

// propagateSetAt propagates a string write with a deadline as
// SET key val PXAT ms.
func (x *Ctx) propagateSetAt(key, val []byte, ms int64) {
	if !x.propagating() {
		x.rewritten = true
		return
	}
	x.propagate(bSET, key, val, bPXAT, strconv.AppendInt(nil, ms, 10))
}

// propagateDel propagates the deletion of key.
func (x *Ctx) propagateDel(key []byte) { x.propagate(bDEL, key) }

// keyExpired is called by a database when it deletes a key whose deadline
// passed, lazily (inside a command) or in the active cycle: Redis
// propagates it as a DEL.
func (s *Server) keyExpired(db int, key []byte) {
	s.notifyKeyspaceEvent(notifyExpired, "expired", key, db)
	s.touchWatchedKey(db, key)
	if !s.prop.on() {
		return
	}
	s.prop.add(db, [][]byte{bDEL, key})
}
