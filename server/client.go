package server

import (
	"github.com/kvdserver/kvd/resp"
)

// ioBufSize is the size of a standard query or reply buffer (Redis's PROTO_IOBUF_LEN).
const ioBufSize = 16 * 1024

// maxOutHint caps the output buffer a client starts a batch with (a pooled class).
const maxOutHint = 64 << 10

// Client flags.
const (
	flagCloseAfterReply = 1 << iota // close once pending replies are written
	flagClosed                      // fd closed; the client is gone
	flagReplyOff                    // CLIENT REPLY OFF
	flagReplySkip                   // CLIENT REPLY SKIP: skip this command's reply
	flagReplySkipNext               // CLIENT REPLY SKIP: skip the next command's reply
	flagNoEvict                     // CLIENT NO-EVICT on
	flagNoTouch                     // CLIENT NO-TOUCH on
	flagAuthenticated               // passed AUTH (or no password is set)
	flagLocal                       // connected over loopback or a Unix socket
	flagUnix                        // connected over a Unix socket
	flagPaused                      // held by CLIENT PAUSE, its command still in the query buffer
	flagInPausedList                // in Server.pausedClients
	flagProtocolError               // the input had a protocol error
	flagResumeQueued                // released by the end of a pause, in Server.resumeQueue
	flagDirtyExec                   // a command was rejected while queueing: EXEC aborts
	flagDirtyCAS                    // a watched key changed: EXEC fails
	flagBlocked                     // blocked by a blocking command (blocking.go)
	flagPubSub                      // subscribed to a channel, shard channel or pattern (pubsub.go)
	flagMonitor                     // a MONITOR client (monitor.go)
	flagCloseASAP                   // over its output limit: closed before the loop sleeps (pubsub.go)
	flagScriptCaller                // ran a script that is busy: input held until it ends (script_busy.go)
	flagReplica                     // a replica of this server (repl.go)
	flagMaster                      // this server's master (repl_client.go)
)

// Client is one connection, or a fake client that runs commands without
// one (see Server.newFakeClient). Its commands run against its Ctx. A
// Client is only ever used on the server's loop goroutine.
type Client struct {
	// Ctx is the context the client's commands run against; its out is
	// the client's one output buffer, of which out[wpos:] is not yet written.
	Ctx

	fd    int
	id    int64
	flags uint32

	parser resp.Parser
	qbuf   []byte // query buffer: unprocessed input is qbuf[qpos:]
	qpos   int

	// Ctx.out is the output buffer reply methods append to. Once a
	// command leaves it holding spillAt bytes or more, it joins outq, the
	// blocks waiting to be written before it, and the next reply starts a
	// new buffer: a client that does not read piles up blocks of about
	// their content's size, never one buffer grown by doubling (which
	// would hold up to twice the backlog, and copy it on every growth).
	// The loop writes head[wpos:], head being outq[0] if there is one,
	// else out (Output), and reports what it wrote (OnWritten).
	wpos      int
	outq      [][]byte
	outqBytes int // bytes in outq's blocks, written or not

	preArgv [][]byte // the first command, parsed by an I/O thread (Preparse)
	preN    int      // bytes of the received data it used; 0 if none
	inLen   int      // length of the received bytes being executed in place
	// outPeak is the most reply bytes the output buffer has held at once.
	outPeak int
	// outHint is the size of the last batch of replies sent, up to
	// maxOutHint: a new output buffer starts that large, so that a client
	// whose pipelined replies overflow the default size does not copy
	// them into a bigger buffer on every batch.
	outHint int
	// outLimitSince is when the output buffer first exceeded the soft limit (unix ms), 0 if not.
	outLimitSince int64

	lastCmd *cmdState // last command executed

	// user is the ACL user the client is authenticated as; nil for the
	// default user (and for a fake client: it may run anything).
	user *aclUser

	mstate  multiState    // commands queued since MULTI
	watched []watchedKey  // keys watched by WATCH
	blk     *blockState   // what the client waits for while flagBlocked; kept for reuse
	ps      *clientPubsub // what the client is subscribed to (pubsub.go); nil if never
	// pushKeep holds the Pub/Sub confirmations of a command whose replies
	// CLIENT REPLY OFF/SKIP drop; execute sends them anyway (pubsub.go).
	pushKeep []byte
	// monitorTag, if set, is what MONITOR shows instead of the client's
	// address ("lua" for a script's fake client, as Redis shows it).
	monitorTag string
	trk        *clientTracking // CLIENT TRACKING mode (tracking.go); nil if never

	repl    *replicaLink // set once the client is a replica (repl.go)
	replPre *replicaLink // what REPLCONF said before PSYNC
	woff    int64        // the replication offset after its last write (WAIT)

	name       string
	libName    string
	libVer     string
	addr       string // peer address, "ip:port" or "path:0" style
	laddr      string // local address
	ctime      int64  // connect time, unix ms
	lastActive int64  // last interaction, unix ms
}

// Server returns the server the client is connected to.
func (c *Client) Server() *Server { return c.srv }

// ID returns the client's unique id.
func (c *Client) ID() int64 { return c.id }

func (c *Client) closed() bool { return c.flags&flagClosed != 0 }

// ---- input ----

// The client is an eventloop.StreamHandler: the loop hands it the bytes it
// receives (OnData), writes the replies it has flushed (Output, OnWritten)
// and tells it when the connection ends (OnEOF, OnClosed). Received bytes
// are parsed where they arrive when nothing is buffered; only an incomplete
// tail is copied into the client's own query buffer.

// OnData handles bytes received from the client.
func (c *Client) OnData(data []byte) {
	s := c.srv
	defer s.recoverClient(c)
	s.stats.reads++
	s.stats.netInput += int64(len(data))
	// The clock is read when data arrives: the first command in it starts
	// from this reading, and each one after it from the end of the one
	// before (one reading per command). A reading from before the data
	// arrived could lag a deadline the client computed before sending.
	s.cmdMark = s.clock.mono()
	c.lastActive = s.clock.ms(s.cmdMark)
	if c.flags&(flagCloseAfterReply|flagClosed) != 0 {
		// Like Redis, a client about to be closed is not read any more.
		c.preN = 0
		return
	}
	if c.flags&flagScriptCaller != 0 {
		s.scripts.holdInput(c, data) // its script runs: kept for later, in order
		return
	}
	if c.qpos == len(c.qbuf) && c.flags&(flagPaused|flagBlocked) == 0 {
		c.releaseQueryBuf()
		c.inLen = len(data)
		n := c.runPreparsed(data)
		if n < len(data) && c.flags&(flagPaused|flagBlocked|flagClosed|flagCloseAfterReply) == 0 {
			n += c.run(data[n:])
		}
		c.inLen = 0
		if rest := data[n:]; len(rest) > 0 && !c.closed() && c.flags&flagCloseAfterReply == 0 {
			c.bufferInput(rest)
		}
	} else {
		c.preN = 0
		c.bufferInput(data)
		if c.closed() {
			return
		}
		c.processInput()
	}
	c.flush()
}

// Preparse runs on an I/O thread before OnData gets the same bytes: it
// parses the first command when nothing is buffered, so that the loop
// goroutine only has to execute it.
func (c *Client) Preparse(data []byte) {
	c.preN = 0
	if c.qpos != len(c.qbuf) || c.parser.Pending() || c.flags&(flagPaused|flagBlocked|flagCloseAfterReply|flagClosed) != 0 {
		return
	}
	c.parser.Unauthenticated = c.authRequired()
	argv, n, err := c.parser.Parse(data, c.preArgv)
	c.preArgv = argv
	if err == nil && n > 0 {
		c.preN = n
	}
}

// runPreparsed executes the command Preparse parsed out of data, if any,
// and returns how many bytes of data it used.
func (c *Client) runPreparsed(data []byte) int {
	n := c.preN
	if n == 0 {
		return 0
	}
	c.preN = 0
	c.argv, c.preArgv = c.preArgv, c.argv
	if len(c.argv) > 0 {
		c.srv.execute(c)
		if c.flags&flagPaused != 0 {
			n = 0 // held by CLIENT PAUSE: keep it to parse again later
		} else {
			c.srv.closeIfOverOutputLimit(c)
		}
	}
	c.argv = clearArgs(c.argv)
	c.preArgv = clearArgs(c.preArgv)
	return n
}

// run parses and executes the complete commands at the start of buf, in
// order, and returns how many bytes they used. It stops at an incomplete
// command, after a protocol error (consuming everything), and when CLIENT
// PAUSE holds the client back (leaving the held command unconsumed).
func (c *Client) run(buf []byte) int {
	pos := 0
	for pos < len(buf) && c.flags&(flagCloseAfterReply|flagClosed|flagPaused|flagBlocked) == 0 {
		c.parser.Unauthenticated = c.authRequired()
		argv, n, err := c.parser.Parse(buf[pos:], c.argv)
		c.argv = argv
		if err != nil {
			c.protocolError(err)
			pos = len(buf)
			break
		}
		if n == 0 {
			break
		}
		pos += n
		if len(argv) == 0 {
			continue
		}
		c.srv.execute(c)
		if c.flags&flagPaused != 0 {
			pos -= n
			break
		}
		if c.srv.closeIfOverOutputLimit(c) {
			pos = len(buf)
			break
		}
	}
	c.argv = clearArgs(c.argv)
	return pos
}

// processInput executes what the query buffer holds, then compacts it or
// gives it back to the pool.
func (c *Client) processInput() {
	c.qpos += c.run(c.qbuf[c.qpos:])
	if c.closed() {
		return
	}
	if c.qpos == len(c.qbuf) {
		c.releaseQueryBuf()
	} else if c.qpos > 0 {
		// Move the partial request to the front (the parser's progress is
		// relative to the request's start, so it survives the move).
		n := copy(c.qbuf, c.qbuf[c.qpos:])
		c.qbuf = c.qbuf[:n]
		c.qpos = 0
	}
}

// bufferInput appends received bytes to the query buffer, growing it at
// once to what a large bulk argument in progress needs, and closes the
// client if its unprocessed input exceeds client-query-buffer-limit.
func (c *Client) bufferInput(data []byte) {
	s := c.srv
	if c.qbuf == nil {
		c.qbuf = s.getBuf()
	}
	if len(c.qbuf)+len(data) > cap(c.qbuf) {
		live := len(c.qbuf) - c.qpos
		grown := make([]byte, live, queryBufCap(live, live+len(data), c.parser.Need()))
		copy(grown, c.qbuf[c.qpos:])
		s.putBuf(c.qbuf)
		c.qbuf, c.qpos = grown, 0
	}
	c.qbuf = append(c.qbuf, data...)
	if int64(len(c.qbuf)-c.qpos) > s.cfg.ClientQueryBufferLimit {
		s.logf(levelWarning, "Closing client that reached max query buffer length: %s (qbuf initial bytes: %q)", c.infoString(), prefix(c.qbuf[c.qpos:], 64))
		c.close()
	}
}

// bigArgTrust is how many times what has arrived of a request the query
// buffer may grow to at once for a big bulk argument in progress.
const bigArgTrust = 16

// queryBufCap is the capacity a query buffer that holds live unprocessed
// bytes grows to when have bytes must fit, need being what the parser says
// the request in progress needs (0 if unknown). It doubles, except that a
// big bulk argument gets a buffer of its exact size (as Redis reads one
// into a buffer of its exact size) once a sixteenth of it has arrived: the
// buffers outgrown on the way add up to an eighth of the argument instead
// of its whole size, and a header alone ("$536870912") still cannot make
// the server allocate the whole argument.
func queryBufCap(live, have, need int) int {
	want := max(have, 2*live, ioBufSize)
	if need > want {
		if need <= bigArgTrust*have {
			return need
		}
		want = max(want, min(need, 2*have))
	}
	return want
}

func prefix(b []byte, n int) []byte {
	if len(b) > n {
		return b[:n]
	}
	return b
}

// maxKeptArgs is the most argument slots a client keeps room for between
// commands; the array of a command with more is dropped after it.
const maxKeptArgs = 16 << 10

// clearArgs drops references into the input so its buffer can be reused.
func clearArgs(argv [][]byte) [][]byte {
	if cap(argv) > maxKeptArgs {
		return nil
	}
	clear(argv)
	return argv[:0]
}

// releaseQueryBuf gives an empty query buffer back to the pool.
func (c *Client) releaseQueryBuf() {
	if c.qbuf != nil && c.qpos == len(c.qbuf) && !c.parser.Pending() {
		c.srv.putBuf(c.qbuf)
		c.qbuf, c.qpos = nil, 0
	}
}

func (c *Client) protocolError(err error) {
	c.srv.logf(levelVerbose, "Protocol error (%s) from client: %s", err, c.infoString())
	c.flags |= flagProtocolError
	c.replyError(err.Error())
	c.srv.stats.countError(err.Error())
	c.flags |= flagCloseAfterReply
	c.parser.Reset()
}

// ---- output ----

// flush asks the loop to write the pending replies before it sleeps (one
// write, or one submitted send, per client per iteration). The output
// buffer limit is not checked here: it was, after every command.
func (c *Client) flush() {
	if c.pendingOutput() > 0 && !c.closed() {
		c.srv.loop.Flush(c.fd)
	}
}

// Output gives the loop the replies to write; they stay in place until
// OnWritten reports them written.
func (c *Client) Output() []byte {
	if c.closed() {
		return nil
	}
	n := c.pendingOutput()
	c.outPeak = max(c.outPeak, n)
	c.outHint = min(n, maxOutHint)
	if len(c.outq) > 0 {
		return c.outq[0][c.wpos:]
	}
	return c.out[c.wpos:]
}

// spillAt is the size from which a command's replies leave the output
// buffer for the queue of blocks (see Client.outq).
const spillAt = 64 << 10

// maybeSpill moves the output buffer to the queue of blocks once it holds
// spillAt bytes; it runs between commands, never inside one (a command may
// still patch the replies it appended).
func (c *Client) maybeSpill() {
	if len(c.out) < spillAt || c.fd < 0 {
		return
	}
	c.outq = append(c.outq, c.out)
	c.outqBytes += len(c.out)
	c.out = nil
}

// outMem is the capacity of the client's reply buffers: the output buffer
// and the queued blocks.
func (c *Client) outMem() int {
	n := cap(c.out)
	for _, b := range c.outq {
		n += cap(b)
	}
	return n
}

// headLent reports whether the loop holds the output buffer (not a queued
// block) for a write in progress.
func (c *Client) headLent() bool {
	return len(c.outq) == 0 && c.srv.loop.Writing(c.fd)
}

// OnWritten is told by the loop that n bytes of the replies were written.
// An emptied buffer goes back to the pool; what is left the loop writes
// when the socket can take more.
func (c *Client) OnWritten(n int) {
	s := c.srv
	s.stats.writes++
	s.stats.netOutput += int64(n)
	c.lastActive = s.lastNow
	c.wpos += n
	if len(c.outq) > 0 {
		head := c.outq[0]
		if c.wpos < len(head) {
			return
		}
		// The block is written: the loop, which asks for more output
		// after a complete write, gets the next one.
		c.outq[0] = nil
		c.outq = c.outq[1:]
		if len(c.outq) == 0 {
			c.outq = nil
		}
		c.outqBytes -= len(head)
		c.wpos = 0
		s.putBuf(head)
		if c.pendingOutput() > 0 {
			return
		}
	} else if c.wpos < len(c.out) {
		return
	}
	c.releaseOutBuf()
	c.outLimitSince = 0
	if c.flags&flagCloseAfterReply != 0 {
		c.close()
	}
}

// OnEOF is told by the loop that the client shut down its side of the
// connection. Replies still pending are written first (a client that sends
// its requests and half-closes, like `echo PING | nc`, gets its answers);
// then the connection is closed.
func (c *Client) OnEOF() {
	if c.flags&flagScriptCaller != 0 {
		c.flags |= flagCloseAfterReply // closed once its script's reply is written
		return
	}
	if c.pendingOutput() > 0 {
		c.flags |= flagCloseAfterReply
		c.flush()
		return
	}
	c.close()
}

// OnClosed is told by the loop that the connection failed (a read or write
// error); the loop has closed the descriptor.
func (c *Client) OnClosed(err error) {
	c.srv.logf(levelVerbose, "Client %s closed: %v", c.addr, err)
	if c.flags&flagScriptCaller != 0 {
		c.srv.scripts.callerGone = true // forgotten when its script ends
		return
	}
	// A send may still be in flight (io_uring): the buffer is not reused.
	c.forget(true)
}

// releaseOutBuf gives the output buffer back to the pool; the loop must
// not be holding it.
func (c *Client) releaseOutBuf() {
	for _, b := range c.outq {
		c.srv.putBuf(b)
	}
	c.outq, c.outqBytes = nil, 0
	if c.out != nil {
		c.srv.putBuf(c.out)
	}
	c.out, c.wpos = nil, 0
}

// pendingOutput is the number of reply bytes not yet written.
func (c *Client) pendingOutput() int { return c.outqBytes + len(c.out) - c.wpos }

// close closes the connection now and forgets the client.
func (c *Client) close() {
	if c.closed() {
		return
	}
	lent := c.srv.loop.Writing(c.fd)
	c.srv.loop.CloseStream(c.fd)
	c.forget(lent)
}

// forget drops a client whose connection is gone. lent says the loop may
// still hold the output buffer (a send in flight).
func (c *Client) forget(lent bool) {
	if c.closed() {
		return
	}
	s := c.srv
	s.unblock(c)
	c.flags |= flagClosed
	s.removeClient(c)
	s.unwatchAll(c)
	s.pubsubFree(c)
	s.disableTracking(c)
	s.monitorFree(c)
	s.replicaGone(c)
	c.mstate = multiState{}
	if c.qbuf != nil && len(c.qbuf) <= ioBufSize {
		s.putBuf(c.qbuf)
	} else {
		s.dropBuf(c.qbuf)
	}
	c.qbuf, c.qpos = nil, 0
	if lent {
		// The kernel may still read the buffer being sent: leave it to the
		// garbage collector rather than the pool.
		if len(c.outq) > 0 {
			s.dropBuf(c.outq[0])
			c.outqBytes -= len(c.outq[0])
			c.outq = c.outq[1:]
		} else {
			s.dropBuf(c.out)
			c.out = nil
		}
	}
	c.releaseOutBuf()
	c.argv, c.preArgv = nil, nil
}
