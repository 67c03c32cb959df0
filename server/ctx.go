package server

import (
	"bytes"

	"github.com/kvdserver/kvd/resp"
	"github.com/kvdserver/kvd/store"
)

// Ctx is what a command runs against: its arguments, the selected
// database, the command's clock, a read-only view of the configuration,
// the calling client and a reply sink. Command procedures take a *Ctx and
// nothing else; the same procedure serves a socket client, commands queued
// by MULTI and run by EXEC, a script's redis.call, an AOF being loaded and
// a master's stream, which differ only in the client behind the context
// and in where replies go.
//
// A connection's context lives inside its Client (see Client), so a command
// from a socket costs no allocation; other callers make a fake client with
// Server.newFakeClient. A Ctx is only used on the server's loop goroutine.
type Ctx struct {
	argv    [][]byte  // the command, its name first; aliases the input: copy what must outlive the command
	db      *store.DB // the selected database
	dbIndex int
	proto   int   // the protocol the replies are in (2 or 3)
	now     int64 // the command's clock, unix milliseconds: one reading per command

	cfg    *Config // read-only view of the configuration
	client *Client // the caller: a connection, or a fake client (script, AOF, master, tests)
	srv    *Server // for the server-level families (CONFIG, INFO, CLIENT, DEBUG, COMMAND) only

	cmd *cmdState // the command being executed

	// out is the reply sink: replies are appended to it. For a connection
	// it is the client's one output buffer, taken from the server's pool
	// (pooled); for a fake client it is a plain buffer that the caller
	// reads (a script converts it to Lua values) or drops.
	out    []byte
	pooled bool

	errored bool // an error reply was sent by the current command

	// denyBlocking is set while commands run inside EXEC (and, later,
	// scripts): a blocking command must then behave as if its timeout had
	// already expired, as in Redis.
	denyBlocking bool

	// Propagation: see propagate.go.
	changes   int  // changes the command made, if it counted them; -1: one for a write that succeeded
	rewritten bool // the command propagated its own effect instead of its argv

	touchedSelf bool // the command flagged the watchers of the keys it changed itself
}

// Args returns the command's arguments, the command name first. They
// alias the client's input: copy what must outlive the command.
func (x *Ctx) Args() [][]byte { return x.argv }

// DB returns the selected database.
func (x *Ctx) DB() *store.DB { return x.db }

// Proto returns the protocol the replies are written in (2 or 3).
func (x *Ctx) Proto() int { return x.proto }

// selectDB makes database i the selected one.
func (x *Ctx) selectDB(i int) {
	x.db, x.dbIndex = x.srv.dbs[i], i
}

// ---- replies ----

// The reply methods append one reply to the sink. They are the only way
// command procedures answer.

func (x *Ctx) replyOK()                 { x.out = resp.AppendOK(x.buf()) }
func (x *Ctx) replyStatus(s string)     { x.out = resp.AppendStatus(x.buf(), s) }
func (x *Ctx) replyInt(n int64)         { x.out = resp.AppendInt(x.buf(), n) }
func (x *Ctx) replyBulk(b []byte)       { x.out = resp.AppendBulk(x.reserve(len(b)+24), b) }
func (x *Ctx) replyBulkString(s string) { x.out = resp.AppendBulkString(x.reserve(len(s)+24), s) }
func (x *Ctx) replyBulkInt(n int64)     { x.out = resp.AppendBulkInt(x.buf(), n) }
func (x *Ctx) replyArray(n int)         { x.out = resp.AppendArray(x.buf(), n) }
func (x *Ctx) replyNull()               { x.out = resp.AppendNull(x.buf(), x.proto) }
func (x *Ctx) replyNullArray()          { x.out = resp.AppendNullArray(x.buf(), x.proto) }
func (x *Ctx) replyMap(n int)           { x.out = resp.AppendMap(x.buf(), x.proto, n) }
func (x *Ctx) replySet(n int)           { x.out = resp.AppendSet(x.buf(), x.proto, n) }
func (x *Ctx) replyDouble(f float64)    { x.out = resp.AppendDouble(x.buf(), x.proto, f) }
func (x *Ctx) replyBool(v bool)         { x.out = resp.AppendBool(x.buf(), x.proto, v) }
func (x *Ctx) replyBigNumber(n string)  { x.out = resp.AppendBigNumber(x.buf(), x.proto, n) }
func (x *Ctx) replyVerbatim(s []byte)   { x.out = resp.AppendVerbatim(x.buf(), x.proto, "txt", s) }
func (x *Ctx) replyRaw(b []byte)        { x.out = append(x.reserve(len(b)), b...) }
func (x *Ctx) replyEmptyArray()         { x.replyArray(0) }

func (x *Ctx) replyBulkItems(items [][]byte) {
	for _, it := range items {
		x.replyBulk(it)
	}
}

// replyError sends an error reply. msg begins with the error code ("ERR
// ...", "WRONGTYPE ..."). Like Redis's addReplyErrorFormat, CR and LF at
// either end are trimmed and the others become spaces, so that an
// argument quoted in the message cannot break the protocol. The error is
// counted in the error statistics.
func (x *Ctx) replyError(msg string) {
	if needsSanitizing(msg) {
		msg = sanitizeError(msg)
	}
	x.out = resp.AppendError(x.buf(), msg)
	x.errored = true
	if x.client.flags&flagProtocolError == 0 {
		x.srv.stats.countError(msg)
	}
}

func needsSanitizing(msg string) bool {
	for i := 0; i < len(msg); i++ {
		if msg[i] == '\r' || msg[i] == '\n' {
			return true
		}
	}
	return false
}

// sanitizeError trims CR and LF from both ends of msg and turns the ones
// inside into spaces.
func sanitizeError(msg string) string {
	b := bytes.Trim([]byte(msg), "\r\n")
	for i, c := range b {
		if c == '\r' || c == '\n' {
			b[i] = ' '
		}
	}
	return string(b)
}

// buf returns the sink, taking a buffer from the pool for a connection
// that has none.
func (x *Ctx) buf() []byte {
	if x.out == nil && x.pooled {
		x.out = x.srv.getBufCap(max(ioBufSize, x.client.outHint))
	}
	return x.out
}

// reserve makes room for n more reply bytes. A connection's buffer moves
// to a bigger pooled one rather than letting append allocate one that the
// pool cannot take back.
func (x *Ctx) reserve(n int) []byte {
	b := x.buf()
	if len(b)+n <= cap(b) {
		return b
	}
	if !x.pooled {
		nb := make([]byte, len(b), 2*(len(b)+n))
		copy(nb, b)
		x.out = nb
		return nb
	}
	if len(b) == 0 {
		// A reply that alone needs more than the buffer (a big bulk, often
		// the first of a new block): a buffer of its size, not twice it.
		// A client that is not reading (blocks queued) gets one of the
		// reply's size exactly rather than of the pool's next class, so
		// that its backlog costs about what it holds.
		var nb []byte
		if len(x.client.outq) > 0 && n > 64<<10 {
			nb = make([]byte, 0, (n+4095)&^4095)
		} else {
			nb = x.srv.getBufCap(n)
		}
		x.srv.putBuf(b)
		x.out = nb
		return nb
	}
	nb := append(x.srv.getBufCap(2*(len(b)+n)), b...)
	if !x.client.headLent() {
		// A buffer being sent belongs to the loop until OnWritten.
		x.srv.putBuf(b)
	}
	x.out = nb
	return nb
}

// dbAt returns database id, or nil if there is no such database.
func (x *Ctx) dbAt(id int64) *store.DB { return x.srv.dbByIndex(id) }

// allDBs returns every database, in order.
func (x *Ctx) allDBs() []*store.DB { return x.srv.dbs }

// overLimit reports whether the replies built so far put a connection over
// its output buffer limit, so that a command producing a huge reply can
// stop early (the client is about to be closed anyway).
func (x *Ctx) overLimit() bool {
	return x.pooled && x.srv.overOutputLimit(x.client)
}
