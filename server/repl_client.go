package server

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/kvdserver/kvd/resp"
)

// Replication, replica side: kvd as the replica of another server
// (redis-server or kvd), after REPLICAOF host port.
//
// The link to the master runs in a goroutine: it connects, does the
// handshake (PING, AUTH with masterauth/masteruser, REPLCONF
// listening-port and capa eof psync2, PSYNC), reads the RDB payload of a
// full sync into memory, and then reads the stream. Everything that
// touches the data set runs on the loop (Submit): the payload is loaded
// there, and each chunk of the stream is parsed and executed there as the
// master client (a fake client with no replies), the goroutine waiting
// for each chunk to be applied before it reads the next (back-pressure).
//
// The master's stream bytes, as received, are also this server's own
// stream: they go to its backlog and its own replicas, and its offset is
// the master's, so that replicas of a promoted replica can continue
// (PSYNC2: the old ID becomes master_replid2, valid up to the offset of
// the promotion). A replica does not expire keys actively: the master
// sends DELs.

// Link states, as ROLE names them.
const (
	linkNone       = iota
	linkConnect    // to connect
	linkConnecting // connecting, handshake
	linkSync       // receiving the payload
	linkConnected  // streaming
)

var linkStateNames = [...]string{"none", "connect", "connecting", "sync", "connected"}

// masterLink is the link to this server's master.
type masterLink struct {
	host     string
	port     int
	state    int
	gen      int // bumped by every new link: stale events are ignored
	conn     net.Conn
	client   *Client // runs the stream's commands
	parser   resp.Parser
	qbuf     []byte
	argv     [][]byte
	lastIO   int64 // unix ms of the last data from the master
	down     int64 // unix ms since the link is down (0: never up)
	lastTry  int64 // unix ms of the last connection attempt
	syncSize int64 // the payload's size (-1 for EOF-marked), while in sync
	syncRead int64
	acks     chan []byte
	stop     chan struct{} // closed to end the link's goroutines
	// dbIndex is the database the master client had selected when the
	// link dropped: a partial resync continues in it, as Redis's cached
	// master does.
	dbIndex int
	// txBytes holds the stream of a transaction being received: the
	// offset moves past it only at its EXEC, so that a link lost in the
	// middle continues from before its MULTI (as Redis's replicas do).
	txBytes []byte
}

// replIsReplica reports whether the server replicates a master.
func (s *Server) replIsReplica() bool { return s.repl.master != nil }

// replMasterLinkUp reports whether the link to the master is up.
func (s *Server) replMasterLinkUp() bool {
	return s.repl.master != nil && s.repl.master.state == linkConnected
}

// replAnswerGetack answers a master's REPLCONF GETACK with an ACK.
func (s *Server) replAnswerGetack(c *Client) {
	if c.flags&flagMaster != 0 {
		s.replSendAck()
	}
}

// replSendAck sends REPLCONF ACK <offset> to the master.
func (s *Server) replSendAck() {
	m := s.repl.master
	if m == nil || m.state != linkConnected || m.acks == nil {
		return
	}
	off := strconv.FormatInt(s.repl.offset, 10)
	msg := "*3\r\n$8\r\nREPLCONF\r\n$3\r\nACK\r\n$" + strconv.Itoa(len(off)) + "\r\n" + off + "\r\n"
	select {
	case m.acks <- []byte(msg):
	default: // the writer is behind: the next ACK carries a later offset
	}
}

// replClientCron is the replica side's part of the once-a-second cron:
// reconnect a lost link, send the ACK.
func (s *Server) replClientCron() {
	m := s.repl.master
	if m == nil {
		return
	}
	now := s.nowMs()
	switch m.state {
	case linkConnect:
		if now-m.lastTry >= 1000 {
			s.replConnect()
		}
	case linkConnected:
		s.replSendAck()
		if timeout := s.replCfgInt("repl-timeout") * 1000; now-m.lastIO > timeout {
			s.logf(levelWarning, "MASTER timeout: no data nor PING received...")
			s.replLinkLost(m.gen, errors.New("timeout"))
		}
	case linkConnecting, linkSync:
		if timeout := s.replCfgInt("repl-timeout") * 1000; now-m.lastIO > timeout {
			s.logf(levelWarning, "Timeout connecting to the MASTER...")
			s.replLinkLost(m.gen, errors.New("timeout"))
		}
	}
}

// replicaofCommand is REPLICAOF (and SLAVEOF) host port | NO ONE.
func replicaofCommand(c *Ctx) {
	s := c.srv
	if isOpt(c.argv[1], "no") && isOpt(c.argv[2], "one") {
		if s.repl.master != nil {
			s.replUnsetMaster()
			s.logf(levelNotice, "MASTER MODE enabled (user request from '%s')", c.client.infoString())
		}
		c.replyOK()
		return
	}
	if c.client.flags&flagReplica != 0 {
		c.replyError("ERR Command is not valid when client is a replica.")
		return
	}
	port, ok := c.intArg(c.argv[2])
	if !ok {
		return
	}
	if port < 0 || port > 65535 {
		c.replyError("ERR Invalid master port")
		return
	}
	host := string(c.argv[1])
	if m := s.repl.master; m != nil && strings.EqualFold(m.host, host) && m.port == int(port) {
		s.logf(levelNotice, "REPLICAOF would result into synchronization with the master we are already connected with. No operation performed.")
		c.replyStatus("OK Already connected to specified master")
		return
	}
	s.replSetMaster(host, int(port))
	s.logf(levelNotice, "REPLICAOF %s:%d enabled (user request from '%s')", host, port, c.client.infoString())
	c.replyOK()
}

// replSetMaster makes the server a replica of host:port.
func (s *Server) replSetMaster(host string, port int) {
	s.replInit()
	r := &s.repl
	old := r.master
	gen := 1
	if old != nil {
		gen = old.gen + 1
		s.replDropLink(old)
	}
	// Blocked clients (WAIT, or writes a replica will refuse) are freed.
	for _, w := range r.waiters {
		if w.c.flags&flagBlocked != 0 {
			mark := len(w.c.out)
			w.c.replyError("UNBLOCKED force unblock from blocking operation, instance state changed (master -> replica?)")
			s.unblocked(w.c, mark)
		}
	}
	r.waiters = nil
	r.master = &masterLink{host: host, port: port, state: linkConnect, gen: gen, down: s.nowMs()}
	s.replConnect()
}

// replUnsetMaster makes a replica a master (REPLICAOF NO ONE): its
// replication ID becomes the secondary one, valid up to its offset, so
// that the other replicas of its former master can continue from it.
func (s *Server) replUnsetMaster() {
	r := &s.repl
	m := r.master
	s.replDropLink(m)
	r.master = nil
	s.replShiftIDs()
	r.feed.db = -1
	// Its replicas reconnect and continue under the new ID.
	for _, c := range append([]*Client(nil), r.replicas...) {
		c.close()
	}
}

// replDropLink closes a link and forgets its client.
func (s *Server) replDropLink(m *masterLink) {
	if m == nil {
		return
	}
	m.gen++ // the goroutine's events are now stale
	if m.stop != nil {
		close(m.stop) // closes the connection
		m.stop = nil
	}
	m.conn = nil
	if m.acks != nil {
		close(m.acks)
		m.acks = nil
	}
	if m.client != nil {
		m.dbIndex = m.client.dbIndex
		m.client.mstate = multiState{}
		m.client = nil
	}
	m.txBytes = m.txBytes[:0]
	m.state = linkConnect
}

// replConnect starts a connection attempt to the master.
func (s *Server) replConnect() {
	m := s.repl.master
	m.lastTry = s.nowMs()
	m.lastIO = m.lastTry
	m.state = linkConnecting
	m.gen++
	gen := m.gen
	s.logf(levelNotice, "Connecting to MASTER %s:%d", m.host, m.port)
	s.logf(levelNotice, "MASTER <-> REPLICA sync started")
	// PSYNC continues our own history: the master's ID and our offset.
	hs := replHandshake{
		addr:     net.JoinHostPort(m.host, strconv.Itoa(m.port)),
		auth:     s.replCfg("masterauth"),
		user:     s.replCfg("masteruser"),
		port:     s.replAnnouncePort(),
		ip:       s.replCfg("replica-announce-ip"),
		replID:   s.replID(),
		offset:   s.repl.offset + 1,
		timeout:  time.Duration(s.replCfgInt("repl-timeout")) * time.Second,
		maxBulk:  0,
		loopGen:  gen,
		diskless: s.replCfg("repl-diskless-load") != "disabled",
	}
	go s.replRunLink(hs)
}

// replAnnouncePort is the port sent as REPLCONF listening-port.
func (s *Server) replAnnouncePort() int {
	if p := s.replCfgInt("replica-announce-port"); p > 0 {
		return int(p)
	}
	if a, ok := s.Addr().(*net.TCPAddr); ok {
		return a.Port
	}
	return s.cfg.Port
}

// replHandshake is what the link goroutine needs to know.
type replHandshake struct {
	addr, auth, user, ip string
	port                 int
	replID               string
	offset               int64
	timeout              time.Duration
	maxBulk              int64
	loopGen              int
	diskless             bool
}

// replRunLink runs the link: handshake, payload, stream. Its results go
// to the loop; any failure ends it (the cron reconnects).
func (s *Server) replRunLink(hs replHandshake) {
	fail := func(err error) {
		s.loop.Submit(func() { s.replLinkLost(hs.loopGen, err) })
	}
	conn, err := net.DialTimeout("tcp", hs.addr, hs.timeout)
	if err != nil {
		fail(fmt.Errorf("Error condition on socket for SYNC: %w", err))
		return
	}
	stop := make(chan struct{})
	go func() {
		select {
		case <-s.done:
		case <-stop:
		}
		conn.Close()
	}()
	if !s.replOnLoop(func() bool {
		m := s.repl.master
		if m == nil || m.gen != hs.loopGen {
			close(stop)
			return false
		}
		m.conn, m.stop = conn, stop
		return true
	}) {
		conn.Close()
		return
	}
	r := bufio.NewReaderSize(conn, 64<<10)
	cmd := func(args ...string) (string, error) {
		conn.SetDeadline(time.Now().Add(hs.timeout))
		var b []byte
		b = resp.AppendArray(b, len(args))
		for _, a := range args {
			b = resp.AppendBulkString(b, a)
		}
		if _, err := conn.Write(b); err != nil {
			return "", err
		}
		line, err := r.ReadString('\n')
		return strings.TrimRight(line, "\r\n"), err
	}
	step := func(args ...string) (string, bool) {
		line, err := cmd(args...)
		if err != nil {
			fail(err)
			conn.Close()
			return "", false
		}
		return line, true
	}
	line, good := step("PING")
	if !good {
		return
	}
	if strings.HasPrefix(line, "-") && !strings.HasPrefix(line, "-NOAUTH") && !strings.HasPrefix(line, "-NOPERM") && !strings.HasPrefix(line, "-ERR operation not permitted") {
		fail(fmt.Errorf("Error reply to PING from master: '%s'", line))
		conn.Close()
		return
	}
	if hs.auth != "" {
		args := []string{"AUTH", hs.auth}
		if hs.user != "" {
			args = []string{"AUTH", hs.user, hs.auth}
		}
		if line, good = step(args...); !good {
			return
		}
		if strings.HasPrefix(line, "-") {
			fail(fmt.Errorf("Unable to AUTH to MASTER: %s", line))
			conn.Close()
			return
		}
	}
	if line, good = step("REPLCONF", "listening-port", strconv.Itoa(hs.port)); !good {
		return
	}
	if hs.ip != "" {
		if line, good = step("REPLCONF", "ip-address", hs.ip); !good {
			return
		}
	}
	if line, good = step("REPLCONF", "capa", "eof", "capa", "psync2"); !good {
		return
	}
	id, off := hs.replID, strconv.FormatInt(hs.offset, 10)
	if line, good = step("PSYNC", id, off); !good {
		return
	}
	switch {
	case strings.HasPrefix(line, "+FULLRESYNC"):
		f := strings.Fields(line)
		if len(f) < 3 {
			fail(fmt.Errorf("Bad +FULLRESYNC reply: %s", line))
			conn.Close()
			return
		}
		moff, _ := strconv.ParseInt(f[2], 10, 64)
		payload, err := s.replReadPayload(conn, r, hs)
		if err != nil {
			fail(err)
			conn.Close()
			return
		}
		if !s.replOnLoop(func() bool { return s.replLoadFull(hs.loopGen, f[1], moff, payload) }) {
			conn.Close()
			return
		}
	case strings.HasPrefix(line, "+CONTINUE"):
		newID := strings.TrimSpace(strings.TrimPrefix(line, "+CONTINUE"))
		if !s.replOnLoop(func() bool { return s.replContinued(hs.loopGen, newID) }) {
			conn.Close()
			return
		}
	default:
		fail(fmt.Errorf("Unexpected reply to PSYNC from master: %s", line))
		conn.Close()
		return
	}
	s.replReadStream(conn, r, hs)
}

// replReadPayload reads the RDB payload of a full sync.
func (s *Server) replReadPayload(conn net.Conn, r *bufio.Reader, hs replHandshake) ([]byte, error) {
	var line string
	for {
		conn.SetReadDeadline(time.Now().Add(hs.timeout))
		l, err := r.ReadString('\n')
		if err != nil {
			return nil, fmt.Errorf("I/O error reading bulk count from MASTER: %w", err)
		}
		if l == "\n" {
			continue // a keep-alive newline while the master prepares it
		}
		line = strings.TrimRight(l, "\r\n")
		break
	}
	if !strings.HasPrefix(line, "$") {
		return nil, fmt.Errorf("Bad protocol from MASTER, the first byte is not '$' (we received '%s'), are you sure the host and port are right?", line)
	}
	if mark, ok := strings.CutPrefix(line, "$EOF:"); ok && len(mark) == 40 {
		s.loop.Submit(func() { s.replSyncProgress(hs.loopGen, -1, 0) })
		var buf []byte
		chunk := make([]byte, 64<<10)
		for {
			conn.SetReadDeadline(time.Now().Add(hs.timeout))
			n, err := r.Read(chunk)
			buf = append(buf, chunk[:n]...)
			if len(buf) >= 40 && string(buf[len(buf)-40:]) == mark {
				return buf[:len(buf)-40], nil
			}
			if err != nil {
				return nil, fmt.Errorf("I/O error trying to sync with MASTER: %w", err)
			}
		}
	}
	size, err := strconv.ParseInt(line[1:], 10, 64)
	if err != nil || size < 0 {
		return nil, fmt.Errorf("Bad bulk count from MASTER: %s", line)
	}
	s.loop.Submit(func() { s.replSyncProgress(hs.loopGen, size, 0) })
	buf := make([]byte, size)
	conn.SetReadDeadline(time.Now().Add(hs.timeout + time.Duration(size/(1<<20))*time.Second))
	if _, err := io.ReadFull(r, buf); err != nil {
		return nil, fmt.Errorf("I/O error trying to sync with MASTER: %w", err)
	}
	return buf, nil
}

// replReadStream reads the stream, handing each chunk to the loop and
// waiting for it to be applied.
func (s *Server) replReadStream(conn net.Conn, r *bufio.Reader, hs replHandshake) {
	acks := make(chan []byte, 16)
	if !s.replOnLoop(func() bool {
		m := s.repl.master
		if m == nil || m.gen != hs.loopGen {
			return false
		}
		m.acks = acks
		return true
	}) {
		conn.Close()
		return
	}
	go func() {
		for msg := range acks {
			conn.SetWriteDeadline(time.Now().Add(hs.timeout))
			if _, err := conn.Write(msg); err != nil {
				return
			}
		}
	}()
	conn.SetDeadline(time.Time{})
	buf := make([]byte, 64<<10)
	for {
		n, err := r.Read(buf)
		if n > 0 {
			data := buf[:n]
			if !s.replOnLoop(func() bool { return s.replApply(hs.loopGen, data) }) {
				conn.Close()
				return
			}
		}
		if err != nil {
			s.loop.Submit(func() { s.replLinkLost(hs.loopGen, err) })
			conn.Close()
			return
		}
	}
}

// replOnLoop runs f on the loop and returns its result, or false if the
// server stops first.
func (s *Server) replOnLoop(f func() bool) bool {
	res := make(chan bool, 1)
	s.loop.Submit(func() { res <- f() })
	select {
	case ok := <-res:
		return ok
	case <-s.done:
		return false
	}
}

// replSyncProgress records the payload's size (INFO master_sync_*).
func (s *Server) replSyncProgress(gen int, size, read int64) {
	m := s.repl.master
	if m == nil || m.gen != gen {
		return
	}
	m.state = linkSync
	m.syncSize, m.syncRead = size, read
	m.lastIO = s.nowMs()
	if size < 0 {
		s.logf(levelNotice, "MASTER <-> REPLICA sync: receiving streamed RDB from master with EOF to disk")
	} else {
		s.logf(levelNotice, "MASTER <-> REPLICA sync: receiving %d bytes from master to disk", size)
	}
}

// replLinkLost marks the link down; the cron reconnects.
func (s *Server) replLinkLost(gen int, err error) {
	m := s.repl.master
	if m == nil || m.gen != gen {
		return
	}
	if m.state == linkConnected {
		s.logf(levelNotice, "Connection with master lost.")
		s.logf(levelNotice, "* Caching the disconnected master state.")
		m.down = s.nowMs()
	} else if err != nil {
		s.logf(levelWarning, "%v", err)
	}
	s.replDropLink(m)
	m.state = linkConnect
}

// replNewMasterClient makes the fake client the stream runs as.
func (s *Server) replNewMasterClient(m *masterLink) {
	c := s.newFakeClient()
	c.flags |= flagMaster
	c.denyBlocking = true
	m.client = c
	m.parser = resp.Parser{}
	m.qbuf = m.qbuf[:0]
	m.state = linkConnected
	m.lastIO = s.nowMs()
	m.down = 0
}

// replLoadFull loads a full sync's payload (on the loop).
func (s *Server) replLoadFull(gen int, id string, off int64, payload []byte) bool {
	m := s.repl.master
	if m == nil || m.gen != gen {
		return false
	}
	r := &s.repl
	s.logf(levelNotice, "MASTER <-> REPLICA sync: Flushing old data")
	now := s.nowMs()
	for i, db := range s.dbs {
		s.touchAllWatchedKeys(i, nil, now)
		db.FlushAndReseed()
	}
	s.trackingFlushed()
	s.logf(levelNotice, "MASTER <-> REPLICA sync: Loading DB in memory")
	if err := s.loadRDB(bytes.NewReader(payload), int64(len(payload)), now, false); err != nil {
		s.logf(levelWarning, "Failed trying to load the MASTER synchronization DB from socket: %v", err)
		for _, db := range s.dbs {
			db.FlushAndReseed()
		}
		s.replLinkLost(gen, nil)
		return false
	}
	s.logf(levelNotice, "Done loading RDB, keys loaded: %d, keys expired: %d.", s.rdb.lastLoadLoaded, s.rdb.lastLoadExpire)
	// Our history is now the master's.
	s.static().replID = id
	s.replClearID2()
	r.offset = off
	r.backlog = newBacklog(max(s.replCfgInt("repl-backlog-size"), 16<<10), off)
	for _, c := range append([]*Client(nil), r.replicas...) {
		c.close() // they resync with the new history
	}
	s.replNewMasterClient(m)
	s.logf(levelNotice, "MASTER <-> REPLICA sync: Finished with success")
	return true
}

// replContinued takes a partial resync (+CONTINUE [newid]).
func (s *Server) replContinued(gen int, newID string) bool {
	m := s.repl.master
	if m == nil || m.gen != gen {
		return false
	}
	r := &s.repl
	if newID != "" && newID != s.replID() {
		r.replID2 = s.replID()
		r.secondOffset = r.offset + 1
		s.static().replID = newID
		s.logf(levelNotice, "Master replication ID changed to %s", newID)
		for _, c := range append([]*Client(nil), r.replicas...) {
			c.close()
		}
	}
	if r.backlog == nil {
		r.backlog = newBacklog(max(s.replCfgInt("repl-backlog-size"), 16<<10), r.offset)
	}
	s.replNewMasterClient(m)
	m.client.selectDB(m.dbIndex)
	s.logf(levelNotice, "Successful partial resynchronization with master.")
	s.logf(levelNotice, "MASTER <-> REPLICA sync: Master accepted a Partial Resynchronization.")
	return true
}

// replApply executes a chunk of the stream as the master client.
func (s *Server) replApply(gen int, data []byte) bool {
	m := s.repl.master
	if m == nil || m.gen != gen || m.client == nil {
		return false
	}
	m.lastIO = s.nowMs()
	m.qbuf = append(m.qbuf, data...)
	c := m.client
	pos := 0
	for pos < len(m.qbuf) {
		argv, n, err := m.parser.Parse(m.qbuf[pos:], m.argv)
		m.argv = argv
		if err != nil {
			s.logf(levelWarning, "Protocol error from MASTER: %v", err)
			s.replLinkLost(gen, nil)
			return false
		}
		if n == 0 {
			break
		}
		if len(argv) > 0 {
			s.cmdMark = 0
			c.argv = argv
			c.out = c.out[:0]
			s.execute(c)
			c.argv = nil
		}
		if c.inMulti() {
			m.txBytes = append(m.txBytes, m.qbuf[pos:pos+n]...)
		} else if len(m.txBytes) > 0 {
			m.txBytes = append(m.txBytes, m.qbuf[pos:pos+n]...)
			s.replFeedRaw(m.txBytes)
			m.txBytes = m.txBytes[:0]
		} else {
			s.replFeedRaw(m.qbuf[pos : pos+n])
		}
		pos += n
		if s.repl.master != m || m.client == nil {
			return false // the command changed the link (REPLICAOF in the stream)
		}
	}
	clear(m.argv)
	n := copy(m.qbuf, m.qbuf[pos:])
	m.qbuf = m.qbuf[:n]
	return true
}

// infoReplicaFields writes INFO's fields of a replica.
func (s *Server) infoReplicaFields(b *infoBuilder) {
	m := s.repl.master
	now := s.nowMs()
	b.str("role", "slave")
	b.str("master_host", m.host)
	b.int("master_port", int64(m.port))
	if m.state == linkConnected {
		b.str("master_link_status", "up")
		b.int("master_last_io_seconds_ago", (now-m.lastIO)/1000)
	} else {
		b.str("master_link_status", "down")
		b.str("master_last_io_seconds_ago", "-1")
	}
	if m.state == linkSync {
		b.str("master_sync_in_progress", "1")
		b.int("master_sync_total_bytes", m.syncSize)
		b.int("master_sync_read_bytes", m.syncRead)
		b.int("master_sync_left_bytes", m.syncSize-m.syncRead)
		b.str("master_sync_perc", "0.00")
		b.int("master_sync_last_io_seconds_ago", (now-m.lastIO)/1000)
	} else {
		b.str("master_sync_in_progress", "0")
	}
	b.int("slave_read_repl_offset", s.repl.offset)
	b.int("slave_repl_offset", s.repl.offset)
	if m.state != linkConnected {
		if m.down == 0 {
			b.str("master_link_down_since_seconds", "-1")
		} else {
			b.int("master_link_down_since_seconds", (now-m.down)/1000)
		}
	}
	b.int("slave_priority", s.replCfgInt("replica-priority"))
	if s.replCfgYes("replica-read-only") {
		b.str("slave_read_only", "1")
	} else {
		b.str("slave_read_only", "0")
	}
	if s.replCfgYes("replica-announced") {
		b.str("replica_announced", "1")
	} else {
		b.str("replica_announced", "0")
	}
}

// roleReplica answers ROLE on a replica.
func (s *Server) roleReplica(c *Ctx) {
	m := s.repl.master
	c.replyArray(5)
	c.replyBulkString("slave")
	c.replyBulkString(m.host)
	c.replyInt(int64(m.port))
	state := linkStateNames[m.state]
	if m.state == linkConnecting {
		state = "handshake"
	}
	c.replyBulkString(state)
	off := s.repl.offset
	if m.state != linkConnected {
		off = -1
	}
	c.replyInt(off)
}

// failoverStateName is INFO's master_failover_state.
func (s *Server) failoverStateName() string { return "no-failover" }

// replRefuses returns the error a replica answers cmd with for client c,
// or "": writes when replica-read-only, most commands while the link is
// down and replica-serve-stale-data is no.
func (s *Server) replRefuses(c *Client, cmd *cmdState) string {
	if c.flags&flagMaster != 0 {
		return ""
	}
	write := cmd.Flags&FlagWrite != 0 || cmd.fullName == "exec" && c.inMulti() && c.mstate.flags&FlagWrite != 0
	if write && s.replCfgYes("replica-read-only") {
		return "READONLY You can't write against a read only replica."
	}
	if s.repl.master.state != linkConnected && !s.replCfgYes("replica-serve-stale-data") && cmd.Flags&FlagStale == 0 {
		return "MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'."
	}
	return ""
}
