package server

import (
	"github.com/kvdserver/kvd/eventloop"
	"github.com/kvdserver/kvd/resp"
	"github.com/kvdserver/kvd/store"
	"golang.org/x/sys/unix"
)

// ioBufSize is the size of a standard query or reply buffer (Redis's PROTO_IOBUF_LEN).
const ioBufSize = 16 * 1024

// Client flags.
const (
	flagCloseAfterReply = 1 << iota // close once pending replies are written
	flagClosed                      // fd closed; the client is gone
	flagPendingWrite                // in Server.pendingWrite
	flagReplyOff                    // CLIENT REPLY OFF
	flagReplySkip                   // CLIENT REPLY SKIP: skip this command's reply
	flagReplySkipNext               // CLIENT REPLY SKIP: skip the next command's reply
	flagNoEvict                     // CLIENT NO-EVICT on
	flagNoTouch                     // CLIENT NO-TOUCH on
	flagAuthenticated               // passed AUTH (or no password is set)
	flagLocal                       // connected over loopback or a Unix socket
	flagUnix                        // connected over a Unix socket
	flagPaused                      // stopped by CLIENT PAUSE with input pending
	flagInPausedList                // in Server.pausedClients
	flagProtocolError               // the input had a protocol error
)

// Client is one connection. Command procedures receive it: they read its
// arguments (Args) and append their reply with its reply methods. A Client
// is only ever used on the server's loop goroutine.
type Client struct {
	srv   *Server
	fd    int
	id    int64
	flags uint32
	proto int

	db      *store.DB
	dbIndex int

	parser resp.Parser
	qbuf   []byte // query buffer: unprocessed input is qbuf[qpos:]
	qpos   int
	argv   [][]byte // the command being executed

	out  []byte // replies not yet written: out[wpos:]
	wpos int
	// outLimitSince is when the output buffer first exceeded the soft limit (unix ms), 0 if not.
	outLimitSince int64

	cmd     *cmdState // command being executed
	lastCmd *cmdState // last command executed
	errored bool      // an error reply was sent by the current command

	name       string
	libName    string
	libVer     string
	addr       string // peer address, "ip:port" or "path:0" style
	laddr      string // local address
	ctime      int64  // connect time, unix ms
	lastActive int64  // last interaction, unix ms
}

// Args returns the current command's arguments, the command name first.
// They alias the query buffer: copy what must outlive the command.
func (c *Client) Args() [][]byte { return c.argv }

// DB returns the client's selected database.
func (c *Client) DB() *store.DB { return c.db }

// Proto returns the protocol version the client speaks (2 or 3).
func (c *Client) Proto() int { return c.proto }

// Server returns the server the client is connected to.
func (c *Client) Server() *Server { return c.srv }

// ID returns the client's unique id.
func (c *Client) ID() int64 { return c.id }

func (c *Client) closed() bool { return c.flags&flagClosed != 0 }

// ---- reading ----

// readInput reads once from the socket into the query buffer. It returns
// false if the client was closed (EOF, error, or a query buffer over its limit).
func (c *Client) readInput() bool {
	s := c.srv
	if c.qbuf == nil {
		c.qbuf = s.getBuf()
	}
	// Make room: at least a standard chunk, or what a large bulk still
	// needs, but never more than what has already arrived, so the buffer
	// doubles as the argument comes in. A header alone ("$536870912")
	// must not make the server allocate the whole argument up front: a
	// few bytes from each of many clients would exhaust its memory.
	want := ioBufSize
	if need := c.parser.Need(); need > 0 && c.qpos+need > len(c.qbuf) {
		want = max(want, min(c.qpos+need-len(c.qbuf), len(c.qbuf)-c.qpos))
	}
	if cap(c.qbuf)-len(c.qbuf) < want/2 || cap(c.qbuf)-len(c.qbuf) == 0 {
		grown := make([]byte, len(c.qbuf)-c.qpos, max(2*(len(c.qbuf)-c.qpos), len(c.qbuf)-c.qpos+want))
		copy(grown, c.qbuf[c.qpos:])
		s.putBuf(c.qbuf)
		c.qbuf, c.qpos = grown, 0
	}
	n, err := readFd(c.fd, c.qbuf[len(c.qbuf):cap(c.qbuf)])
	if n > 0 {
		c.qbuf = c.qbuf[:len(c.qbuf)+n]
		s.stats.netInput += int64(n)
		c.lastActive = s.nowMs()
		if int64(len(c.qbuf)-c.qpos) > s.cfg.ClientQueryBufferLimit {
			s.logf(levelWarning, "Closing client that reached max query buffer length: %s (qbuf initial bytes: %q)", c.infoString(), prefix(c.qbuf[c.qpos:], 64))
			c.close()
			return false
		}
		return true
	}
	if err == unix.EAGAIN || err == unix.EINTR {
		c.releaseQueryBuf()
		return true
	}
	if err != nil && err != unix.ECONNRESET {
		s.logf(levelVerbose, "Reading from client: %v", err)
	}
	c.close()
	return false
}

func prefix(b []byte, n int) []byte {
	if len(b) > n {
		return b[:n]
	}
	return b
}

// processInput parses and executes every complete command in the query
// buffer, in order, then compacts or releases the buffer.
func (c *Client) processInput() {
	s := c.srv
	for c.qpos < len(c.qbuf) && c.flags&(flagCloseAfterReply|flagClosed) == 0 {
		if s.paused != pauseOff && c.flags&flagPaused == 0 && s.pausedFor(c) {
			break
		}
		c.parser.Unauthenticated = c.flags&flagAuthenticated == 0
		argv, n, err := c.parser.Parse(c.qbuf[c.qpos:], c.argv)
		c.argv = argv
		if err != nil {
			c.protocolError(err)
			break
		}
		if n == 0 {
			break
		}
		c.qpos += n
		if len(argv) == 0 {
			continue
		}
		if s.paused != pauseOff && s.pausedFor(c) {
			// Hold the command until CLIENT UNPAUSE: put it back.
			c.qpos -= n
			c.flags |= flagPaused
			s.addPaused(c)
			break
		}
		c.flags &^= flagPaused
		s.execute(c)
		if s.closeIfOverOutputLimit(c) {
			break
		}
	}
	c.argv = clearArgs(c.argv)
	if c.closed() {
		return
	}
	if c.qpos == len(c.qbuf) {
		c.releaseQueryBuf()
	} else if c.qpos > 0 && !c.parser.Pending() || c.qpos > len(c.qbuf)/2 {
		// Move the partial request to the front (the parser's progress is
		// relative to the request's start, so it survives the move).
		n := copy(c.qbuf, c.qbuf[c.qpos:])
		c.qbuf = c.qbuf[:n]
		c.qpos = 0
	}
	s.queueWrite(c)
}

// clearArgs drops references into the query buffer so it can be reused.
func clearArgs(argv [][]byte) [][]byte {
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
	c.qpos = len(c.qbuf)
	c.parser.Reset()
}

// ---- writing ----

// writeOutput writes pending replies with one write call. On a short write
// it arms the writable event; once drained it disarms it.
func (c *Client) writeOutput() {
	s := c.srv
	if c.wpos < len(c.out) {
		n, err := writeFd(c.fd, c.out[c.wpos:])
		if n > 0 {
			c.wpos += n
			s.stats.netOutput += int64(n)
			c.lastActive = s.nowMs()
		}
		if err != nil && err != unix.EAGAIN && err != unix.EINTR {
			s.logf(levelVerbose, "Error writing to client: %v", err)
			c.close()
			return
		}
	}
	if c.wpos < len(c.out) {
		c.setWritable(true)
		return
	}
	c.releaseOutBuf()
	c.outLimitSince = 0
	c.setWritable(false)
	if c.flags&flagCloseAfterReply != 0 {
		c.close()
	}
}

func (c *Client) setWritable(on bool) {
	mask := eventloop.Readable
	if on {
		mask |= eventloop.Writable
	}
	if err := c.srv.loop.Modify(c.fd, mask); err != nil {
		c.srv.logf(levelWarning, "%v", err)
		c.close()
	}
}

func (c *Client) releaseOutBuf() {
	if c.out != nil {
		c.srv.putBuf(c.out)
	}
	c.out, c.wpos = nil, 0
}

// pendingOutput is the number of reply bytes not yet written.
func (c *Client) pendingOutput() int { return len(c.out) - c.wpos }

// onEvent is the client's event-loop handler.
func (c *Client) onEvent(_ int, ev eventloop.Event) {
	if ev&(eventloop.Readable|eventloop.HangUp|eventloop.Error) != 0 && c.flags&flagCloseAfterReply == 0 {
		if !c.srv.safeRead(c) {
			return
		}
	}
	if ev&eventloop.Writable != 0 && !c.closed() {
		c.writeOutput()
	}
}

// close closes the connection now and forgets the client.
func (c *Client) close() {
	if c.closed() {
		return
	}
	c.flags |= flagClosed
	s := c.srv
	if err := s.loop.Unregister(c.fd); err != nil {
		s.logf(levelWarning, "%v", err)
	}
	unix.Close(c.fd)
	s.removeClient(c)
	if c.qbuf != nil && len(c.qbuf) <= ioBufSize {
		s.putBuf(c.qbuf)
	}
	c.qbuf, c.qpos = nil, 0
	c.releaseOutBuf()
	c.argv = nil
}

// ---- replies ----

// The reply methods append one reply to the client's output. They are the
// only way command procedures answer.

func (c *Client) replyOK()                   { c.out = resp.AppendOK(c.buf()) }
func (c *Client) replyStatus(s string)       { c.out = resp.AppendStatus(c.buf(), s) }
func (c *Client) replyInt(n int64)           { c.out = resp.AppendInt(c.buf(), n) }
func (c *Client) replyBulk(b []byte)         { c.out = resp.AppendBulk(c.buf(), b) }
func (c *Client) replyBulkString(s string)   { c.out = resp.AppendBulkString(c.buf(), s) }
func (c *Client) replyBulkInt(n int64)       { c.out = resp.AppendBulkInt(c.buf(), n) }
func (c *Client) replyArray(n int)           { c.out = resp.AppendArray(c.buf(), n) }
func (c *Client) replyNull()                 { c.out = resp.AppendNull(c.buf(), c.proto) }
func (c *Client) replyNullArray()            { c.out = resp.AppendNullArray(c.buf(), c.proto) }
func (c *Client) replyMap(n int)             { c.out = resp.AppendMap(c.buf(), c.proto, n) }
func (c *Client) replySet(n int)             { c.out = resp.AppendSet(c.buf(), c.proto, n) }
func (c *Client) replyDouble(f float64)      { c.out = resp.AppendDouble(c.buf(), c.proto, f) }
func (c *Client) replyBool(v bool)           { c.out = resp.AppendBool(c.buf(), c.proto, v) }
func (c *Client) replyBigNumber(n string)    { c.out = resp.AppendBigNumber(c.buf(), c.proto, n) }
func (c *Client) replyVerbatim(s []byte)     { c.out = resp.AppendVerbatim(c.buf(), c.proto, "txt", s) }
func (c *Client) replyRaw(b []byte)          { c.out = append(c.buf(), b...) }
func (c *Client) replyEmptyArray()           { c.replyArray(0) }
func (c *Client) replyBulks(items ...[]byte) { c.replyArray(len(items)); c.replyBulkItems(items) }

func (c *Client) replyBulkItems(items [][]byte) {
	for _, it := range items {
		c.replyBulk(it)
	}
}

// replyError sends an error reply. msg begins with the error code ("ERR
// ...", "WRONGTYPE ..."). It is counted in the error statistics.
func (c *Client) replyError(msg string) {
	c.out = resp.AppendError(c.buf(), msg)
	c.errored = true
	if c.flags&flagProtocolError == 0 {
		c.srv.stats.countError(msg)
	}
}

// buf returns the output buffer, taking one from the pool if there is none.
func (c *Client) buf() []byte {
	if c.out == nil {
		c.out = c.srv.getBuf()
	}
	return c.out
}

// ---- fd helpers ----

func readFd(fd int, p []byte) (int, error) {
	for {
		n, err := unix.Read(fd, p)
		if err == unix.EINTR {
			continue
		}
		if n == 0 && err == nil {
			return 0, nil
		}
		if n < 0 {
			n = 0
		}
		return n, err
	}
}

func writeFd(fd int, p []byte) (int, error) {
	for {
		n, err := unix.Write(fd, p)
		if err == unix.EINTR {
			continue
		}
		if n < 0 {
			n = 0
		}
		return n, err
	}
}
