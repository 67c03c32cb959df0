package server

import (
	"crypto/rand"
	"encoding/hex"
	"net"
	"strconv"
	"strings"
	"time"
)

// Replication, master side: kvd serves Redis 7.0's replication protocol
// to replicas (redis-server or kvd). A replica connects as a client and
// sends PING, REPLCONF listening-port / capa, then PSYNC replid offset.
// The master answers +CONTINUE and the part of the replication backlog
// the replica misses when it can (partial resync), and otherwise
// +FULLRESYNC replid offset followed by an RDB payload (repl_sync.go) and
// then the stream of write commands from that offset on.
//
// The stream is the propagation stream (propagate.go) in RESP, with SELECT
// inserted when the database changes. master_repl_offset counts its bytes;
// the backlog keeps the last repl-backlog-size of them. Replicas send
// REPLCONF ACK <offset> every second: WAIT and min-replicas-to-write count
// the acknowledged offsets.

// Replica link states, as INFO's slaveN state= names them.
const (
	replWaitBgsave = iota // waiting for a full sync to start
	replSendBulk          // the RDB payload is being produced and sent
	replOnline            // receiving the stream
)

// replicaLink is what the master keeps of a replica client.
type replicaLink struct {
	state      int
	port       int    // REPLCONF listening-port
	ip         string // REPLCONF ip-address, or "" for the peer's address
	capaEOF    bool   // REPLCONF capa eof: diskless payloads are understood
	capaPsync2 bool   // REPLCONF capa psync2
	ackOff     int64  // last REPLCONF ACK offset
	ackTime    int64  // unix ms of the last REPLCONF ACK (or of going online)
	since      int64  // unix ms it began waiting for the full sync
	oldSync    bool   // SYNC rather than PSYNC: no +FULLRESYNC line
	// pending holds the stream from the full sync's offset on while the
	// payload is produced; it is sent once the payload is.
	pending []byte
	// holdStream: a diskless payload was sent; the stream waits for the
	// replica's first ACK (its EOF mark must end what it reads).
	holdStream bool
}

// replState is the replication state of a server.
type replState struct {
	replID2      string // the previous replication ID (PSYNC2), 40 zeros if none
	offset       int64  // master_repl_offset: bytes of stream produced
	secondOffset int64  // offset up to which replID2 is valid, -1 if none
	consumer     bool   // the propagation consumer is attached
	feed         *propFeed
	backlog      *backlog
	noReplicas   int64       // unix seconds since which there are no replicas (backlog ttl)
	replicas     []*Client   // replica clients, in the order they attached
	sync         *fullSync   // the full sync in progress, if any
	master       *masterLink // the link to our master, nil on a master (repl_client.go)
	waiters      []replWaiter
	goodReplicas int   // replicas whose lag is within min-replicas-max-lag
	lastPing     int64 // unix seconds of the last PING sent to replicas

	syncFull, syncPartialOK, syncPartialErr int64

	// tick is (*Server).replCronTick once replication began, called by
	// the cron through this field (see saveCron).
	tick func()
}

// replWaiter is a client blocked in WAIT.
type replWaiter struct {
	c    *Client
	n    int64 // numreplicas
	woff int64 // the offset the replicas must acknowledge
}

// backlog is a ring buffer holding the last bytes of the stream.
type backlog struct {
	buf     []byte
	idx     int   // where the next byte goes
	histlen int64 // bytes held
	first   int64 // offset of the first byte held (master_repl_offset+1 at creation)
}

func newBacklog(size int64, offset int64) *backlog {
	return &backlog{buf: make([]byte, size), first: offset + 1}
}

// write appends p to the backlog.
func (b *backlog) write(p []byte) {
	size := len(b.buf)
	if len(p) >= size {
		// Only the last size bytes fit.
		drop := len(p) - size
		copy(b.buf, p[drop:])
		b.idx = 0
		b.first += int64(drop) + b.histlen
		b.histlen = int64(size)
		return
	}
	n := copy(b.buf[b.idx:], p)
	copy(b.buf, p[n:])
	b.idx = (b.idx + len(p)) % size
	b.histlen += int64(len(p))
	if over := b.histlen - int64(size); over > 0 {
		b.first += over
		b.histlen = int64(size)
	}
}

// from returns the bytes held from offset off (1-based, as Redis's PSYNC
// offset+1) on, or false if the backlog does not reach back that far.
func (b *backlog) from(off int64) ([]byte, bool) {
	if off < b.first || off > b.first+b.histlen {
		return nil, false
	}
	skip := off - b.first
	n := int(b.histlen - skip)
	out := make([]byte, 0, n)
	start := (b.idx - int(b.histlen) + int(skip)) % len(b.buf)
	if start < 0 {
		start += len(b.buf)
	}
	for len(out) < n {
		end := min(len(b.buf), start+n-len(out))
		out = append(out, b.buf[start:end]...)
		start = 0
	}
	return out, true
}

// resize changes the backlog's size, keeping its latest bytes.
func (b *backlog) resize(size int64) {
	if int64(len(b.buf)) == size {
		return
	}
	held, _ := b.from(b.first)
	nb := &backlog{buf: make([]byte, size), first: b.first}
	nb.write(held)
	*b = *nb
}

// replDefaults are the defaults of the replication parameters read here
// (Redis's), for those the configuration does not set.
var replDefaults = map[string]string{
	"repl-backlog-size":               "1048576",
	"repl-backlog-ttl":                "3600",
	"repl-diskless-sync":              "yes",
	"repl-diskless-sync-delay":        "5",
	"repl-diskless-sync-max-replicas": "0",
	"repl-ping-replica-period":        "10",
	"repl-timeout":                    "60",
	"replica-read-only":               "yes",
	"replica-serve-stale-data":        "yes",
	"replica-priority":                "100",
	"replica-announced":               "yes",
	"replica-announce-ip":             "",
	"replica-announce-port":           "0",
	"repl-diskless-load":              "disabled",
	"masterauth":                      "",
	"masteruser":                      "",
}

// replCfg reads a replication parameter. It reads the values directly:
// Config.Get here would make an initialisation cycle through the cron.
func (s *Server) replCfg(name string) string {
	if v, ok := s.cfg.other[name]; ok {
		return v
	}
	return replDefaults[name]
}

// replCfgInt reads an integer replication parameter.
func (s *Server) replCfgInt(name string) int64 {
	n, _ := strconv.ParseInt(s.replCfg(name), 10, 64)
	return n
}

func (s *Server) replCfgYes(name string) bool { return s.replCfg(name) == "yes" }

// replID is the current replication ID (master_replid).
func (s *Server) replID() string { return s.static().replID }

// replInit attaches the propagation consumer and creates the backlog, as
// Redis does when the first replica connects.
func (s *Server) replInit() {
	r := &s.repl
	r.tick = s.replCronTick
	if r.replID2 == "" {
		r.replID2 = strings.Repeat("0", 40)
		r.secondOffset = -1
	}
	if !r.consumer {
		r.consumer = true
		r.feed = newPropFeed()
		s.addPropConsumer(s.replFeedCommand)
	}
	if r.backlog == nil {
		r.backlog = newBacklog(max(s.replCfgInt("repl-backlog-size"), 16<<10), r.offset)
		r.lastPing = time.Now().Unix() // the first PING after a period
	}
}

// replFeedCommand is the propagation consumer: one command of the stream.
func (s *Server) replFeedCommand(db int, argv [][]byte) {
	r := &s.repl
	if r.backlog == nil || r.master != nil {
		return // a replica's stream is its master's (replApply)
	}
	r.feed.append(db, argv)
	s.replFeedRaw(r.feed.buf)
	r.feed.buf = r.feed.buf[:0]
	if cur := s.trk.current; cur != nil {
		cur.woff = r.offset
	}
}

// replFeedRaw adds bytes to the stream: the backlog, the online replicas'
// output and the pending stream of replicas being synced.
func (s *Server) replFeedRaw(p []byte) {
	r := &s.repl
	r.backlog.write(p)
	r.offset += int64(len(p))
	for _, c := range r.replicas {
		l := c.repl
		if l.state == replOnline && !l.holdStream {
			c.replyRaw(p)
			c.flush()
		} else if l.state != replWaitBgsave {
			l.pending = append(l.pending, p...)
		}
	}
}

// replicaGone forgets a replica client that disconnected.
func (s *Server) replicaGone(c *Client) {
	if c.repl == nil {
		return
	}
	r := &s.repl
	for i, rc := range r.replicas {
		if rc == c {
			r.replicas = append(r.replicas[:i], r.replicas[i+1:]...)
			break
		}
	}
	if r.sync != nil {
		r.sync.drop(c)
	}
	if len(r.replicas) == 0 {
		r.noReplicas = time.Now().Unix()
	}
	s.logf(levelNotice, "Connection with replica %s lost.", c.replicaName())
	s.replCountGood()
	c.repl = nil
}

// replicaName is how the log names a replica: ip:port.
func (c *Client) replicaName() string {
	return net.JoinHostPort(c.replicaIP(), strconv.Itoa(c.repl.port))
}

// replicaIP is the replica's announced address or its peer address.
func (c *Client) replicaIP() string {
	if c.repl != nil && c.repl.ip != "" {
		return c.repl.ip
	}
	host, _, err := net.SplitHostPort(c.addr)
	if err != nil {
		return c.addr
	}
	return host
}

// ---- commands ----

// replconfCommand is REPLCONF option value [option value ...].
func replconfCommand(c *Ctx) {
	if len(c.argv)%2 == 0 {
		c.replyError(errSyntax)
		return
	}
	cl := c.client
	l := cl.repl
	if l == nil {
		l = cl.replPre
	}
	if l == nil {
		l = &replicaLink{}
	}
	for i := 1; i < len(c.argv); i += 2 {
		opt, val := c.argv[i], c.argv[i+1]
		switch {
		case isOpt(opt, "listening-port"):
			n, ok := c.intArg(val)
			if !ok {
				return
			}
			l.port = int(n)
		case isOpt(opt, "ip-address"):
			if len(val) >= 46 {
				c.replyError("ERR REPLCONF ip-address provided by replica instance is too long: " + strconv.Itoa(len(val)) + " bytes")
				return
			}
			l.ip = string(val)
		case isOpt(opt, "capa"):
			if isOpt(val, "eof") {
				l.capaEOF = true
			} else if isOpt(val, "psync2") {
				l.capaPsync2 = true
			}
		case isOpt(opt, "ack"):
			// A replica's acknowledgement: no reply.
			if cl.repl == nil {
				return
			}
			off, err := strconv.ParseInt(string(val), 10, 64)
			if err != nil {
				return
			}
			c.srv.replicaAck(cl, off)
			return
		case isOpt(opt, "getack"):
			// Only a master asks its replica (repl_client.go).
			c.srv.replAnswerGetack(cl)
			return
		case isOpt(opt, "rdb-only"), isOpt(opt, "rdb-filter-only"):
			// Accepted (redis-cli --rdb); the stream still follows.
		default:
			c.replyError("ERR Unrecognized REPLCONF option: " + string(opt))
			return
		}
	}
	if cl.repl == nil && (l.port != 0 || l.ip != "" || l.capaEOF || l.capaPsync2) {
		cl.replPre = l
	}
	c.replyOK()
}

// replicaAck records a replica's acknowledged offset and wakes the WAITs
// it satisfies.
func (s *Server) replicaAck(c *Client, off int64) {
	l := c.repl
	if off > l.ackOff {
		l.ackOff = off
	}
	l.ackTime = s.nowMs()
	if l.holdStream {
		l.holdStream = false
		if len(l.pending) > 0 {
			c.replyRaw(l.pending)
			c.flush()
		}
		l.pending = nil
	}
	s.replServeWaiters()
}

// psyncCommand is PSYNC replid offset.
func psyncCommand(c *Ctx) { c.srv.replSync(c, false) }

// syncCommand is SYNC (the old protocol: a full sync only).
func syncCommand(c *Ctx) { c.srv.replSync(c, true) }

func (s *Server) replSync(c *Ctx, old bool) {
	cl := c.client
	if cl.repl != nil || cl.fd < 0 {
		return // already a replica (or a script's fake client): ignored
	}
	if s.replIsReplica() && !s.replMasterLinkUp() {
		c.replyError("NOMASTERLINK Can't SYNC while not connected with my master")
		return
	}
	if cl.pendingOutput() > 0 {
		c.replyError("ERR SYNC and PSYNC are invalid with pending output")
		return
	}
	l := cl.replPre
	cl.replPre = nil
	if l == nil {
		l = &replicaLink{}
	}
	l.oldSync = old
	s.replInit()
	r := &s.repl
	name := net.JoinHostPort(cl.replicaIPOf(l), strconv.Itoa(l.port))
	if !old {
		id, offArg := string(c.argv[1]), c.argv[2]
		off, err := strconv.ParseInt(string(offArg), 10, 64)
		if err == nil && s.replTryPartial(c, cl, l, id, off, name) {
			return
		}
		if id != "?" {
			s.logf(levelNotice, "Full resync requested by replica %s", name)
		}
	} else {
		l.capaEOF = false // SYNC: a disk-style payload
	}
	s.logf(levelNotice, "Replica %s asks for synchronization", name)
	r.syncFull++
	if !old && id0(c) != "?" {
		r.syncPartialErr++
	}
	cl.repl = l
	cl.flags |= flagReplica
	l.state = replWaitBgsave
	l.since = s.nowMs()
	r.replicas = append(r.replicas, cl)
	s.replStartPendingSync(false)
}

func id0(c *Ctx) string { return string(c.argv[1]) }

// replicaIPOf is the address a replica link l of c is known by.
func (c *Client) replicaIPOf(l *replicaLink) string {
	if l.ip != "" {
		return l.ip
	}
	host, _, err := net.SplitHostPort(c.addr)
	if err != nil {
		return c.addr
	}
	return host
}

// replTryPartial answers +CONTINUE and the missing stream if the backlog
// holds it, as Redis's masterTryPartialResynchronization.
func (s *Server) replTryPartial(c *Ctx, cl *Client, l *replicaLink, id string, off int64, name string) bool {
	r := &s.repl
	if id != s.replID() && (id != r.replID2 || off > r.secondOffset) {
		if id != "?" {
			if id != s.replID() && id != r.replID2 {
				s.logf(levelNotice, "Partial resynchronization not accepted: Replication ID mismatch (Replica asked for '%s', my replication IDs are '%s' and '%s')", id, s.replID(), r.replID2)
			} else {
				s.logf(levelNotice, "Partial resynchronization not accepted: Requested offset for second ID was %d, but I can reply up to %d", off, r.secondOffset)
			}
		}
		return false
	}
	b := r.backlog
	data, ok := b.from(off)
	if !ok {
		s.logf(levelNotice, "Unable to partial resync with replica %s for lack of backlog (Replica request was: %d).", name, off)
		return false
	}
	cl.repl = l
	cl.flags |= flagReplica
	l.state = replOnline
	l.ackTime = s.nowMs()
	r.replicas = append(r.replicas, cl)
	if l.capaPsync2 {
		c.replyStatus("CONTINUE " + s.replID())
	} else {
		c.replyStatus("CONTINUE")
	}
	c.replyRaw(data)
	r.syncPartialOK++
	s.logf(levelNotice, "Partial resynchronization request from %s accepted. Sending %d bytes of backlog starting from offset %d.", name, len(data), off)
	s.replCountGood()
	return true
}

// replServeWaiters answers the WAITs whose count of acknowledging
// replicas is reached.
func (s *Server) replServeWaiters() {
	r := &s.repl
	kept := r.waiters[:0]
	for _, w := range r.waiters {
		c := w.c
		if c.closed() || c.flags&flagBlocked == 0 || c.blk.kind != blockWait {
			continue
		}
		if n := s.replAckedAt(w.woff); int64(n) >= w.n {
			mark := len(c.out)
			c.replyInt(int64(n))
			s.slowlogUnblocked(c, true) // statistics and slow log: slowlog.go
			s.unblocked(c, mark)
			continue
		}
		kept = append(kept, w)
	}
	clear(r.waiters[len(kept):])
	r.waiters = kept
}

// replAckedAt counts the replicas that acknowledged offset off.
func (s *Server) replAckedAt(off int64) int {
	n := 0
	for _, c := range s.repl.replicas {
		if c.repl.state == replOnline && c.repl.ackOff >= off {
			n++
		}
	}
	return n
}

// replicasAcked is how many replicas acknowledged the writes of c (its
// last write's offset), for WAIT.
func (s *Server) replicasAcked(c *Client) int { return s.replAckedAt(c.woff) }

// replWaitBlocked registers a client that WAIT blocked and asks the
// replicas for an acknowledgement.
func (s *Server) replWaitBlocked(c *Client, n int64) {
	s.repl.waiters = append(s.repl.waiters, replWaiter{c: c, n: n, woff: c.woff})
	s.replGetAck()
}

var getackCmd = []byte("*3\r\n$8\r\nREPLCONF\r\n$6\r\nGETACK\r\n$1\r\n*\r\n")

// replGetAck sends REPLCONF GETACK * to the replicas (in the stream).
func (s *Server) replGetAck() {
	if s.repl.backlog == nil || len(s.repl.replicas) == 0 {
		return
	}
	s.replFeedRaw(getackCmd)
}

var pingCmd = []byte("*1\r\n$4\r\nPING\r\n")

// replCron runs once a second: PINGs to replicas, the count of good
// replicas, timeouts, and the end of an unused backlog.
func (s *Server) replCron() {
	r := &s.repl
	s.replClientCron()
	now := time.Now().Unix()
	if r.backlog != nil && len(r.replicas) > 0 {
		if period := s.replCfgInt("repl-ping-replica-period"); now-r.lastPing >= period {
			r.lastPing = now
			if !s.replIsReplica() {
				s.replFeedRaw(pingCmd)
			}
		}
	}
	timeout := s.replCfgInt("repl-timeout") * 1000
	nowMs := s.nowMs()
	for _, c := range append([]*Client(nil), r.replicas...) {
		l := c.repl
		if l.state == replOnline && !l.oldSync && nowMs-l.ackTime > timeout {
			s.logf(levelWarning, "Disconnecting timedout replica (streaming sync): %s", c.replicaName())
			c.close()
		}
	}
	if r.backlog != nil && len(r.replicas) == 0 && !s.replIsReplica() {
		if ttl := s.replCfgInt("repl-backlog-ttl"); ttl > 0 && now-r.noReplicas > ttl {
			// Like Redis, a new ID: replicas of the old history cannot
			// continue from a backlog that is gone.
			s.replChangeID()
			s.replClearID2()
			r.backlog = nil
			s.logf(levelNotice, "Replication backlog freed after %d seconds without connected replicas.", ttl)
		}
	}
	if r.backlog != nil {
		r.backlog.resize(max(s.replCfgInt("repl-backlog-size"), 16<<10))
	}
	s.replCountGood()
	s.replStartPendingSync(true)
}

// replCountGood counts the replicas within min-replicas-max-lag.
func (s *Server) replCountGood() {
	r := &s.repl
	maxLag := int64(s.cfg.MinReplicasMaxLag)
	now := s.nowMs()
	n := 0
	for _, c := range r.replicas {
		if c.repl.state == replOnline && (now-c.repl.ackTime)/1000 <= maxLag {
			n++
		}
	}
	r.goodReplicas = n
}

// replNoWrite reports whether min-replicas-to-write refuses writes now.
func (s *Server) replNoWrite() bool {
	if s.replIsReplica() {
		return false
	}
	if s.cfg.MinReplicasToWrite == 0 || s.cfg.MinReplicasMaxLag == 0 {
		return false
	}
	s.replCountGood()
	return s.repl.goodReplicas < s.cfg.MinReplicasToWrite
}

// replChangeID takes a new random replication ID.
func (s *Server) replChangeID() {
	var id [20]byte
	rand.Read(id[:])
	s.static().replID = hex.EncodeToString(id[:])
}

// replClearID2 forgets the previous replication ID.
func (s *Server) replClearID2() {
	s.repl.replID2 = strings.Repeat("0", 40)
	s.repl.secondOffset = -1
}

// replShiftIDs makes the current ID the previous one, valid up to the
// current offset, and takes a new one (a replica promoted to master).
func (s *Server) replShiftIDs() {
	s.repl.replID2 = s.replID()
	s.repl.secondOffset = s.repl.offset + 1
	s.replChangeID()
	s.logf(levelNotice, "Setting secondary replication ID to %s, valid up to offset: %d. New replication ID is %s", s.repl.replID2, s.repl.secondOffset, s.replID())
}

// ---- INFO and ROLE ----

func (s *Server) infoReplicationFields(b *infoBuilder) {
	r := &s.repl
	if r.replID2 == "" {
		r.replID2 = strings.Repeat("0", 40)
		r.secondOffset = -1
	}
	if s.replIsReplica() {
		s.infoReplicaFields(b)
	} else {
		b.str("role", "master")
	}
	b.int("connected_slaves", int64(len(r.replicas)))
	if s.cfg.MinReplicasToWrite > 0 && s.cfg.MinReplicasMaxLag > 0 {
		b.int("min_slaves_good_slaves", int64(r.goodReplicas))
	}
	now := s.nowMs()
	for i, c := range r.replicas {
		l := c.repl
		state := "wait_bgsave"
		switch l.state {
		case replSendBulk:
			state = "send_bulk"
		case replOnline:
			state = "online"
		}
		lag := (now - l.ackTime) / 1000
		if l.state != replOnline {
			lag = (now - l.since) / 1000
		}
		b.str("slave"+strconv.Itoa(i), "ip="+c.replicaIP()+",port="+strconv.Itoa(l.port)+",state="+state+
			",offset="+strconv.FormatInt(l.ackOff, 10)+",lag="+strconv.FormatInt(lag, 10))
	}
	b.str("master_failover_state", s.failoverStateName())
	b.str("master_replid", s.replID())
	b.str("master_replid2", r.replID2)
	b.int("master_repl_offset", r.offset)
	b.int("second_repl_offset", r.secondOffset)
	if bl := r.backlog; bl != nil {
		b.str("repl_backlog_active", "1")
		b.int("repl_backlog_size", int64(len(bl.buf)))
		b.int("repl_backlog_first_byte_offset", bl.first)
		b.int("repl_backlog_histlen", bl.histlen)
	} else {
		b.str("repl_backlog_active", "0")
		b.int("repl_backlog_size", max(s.replCfgInt("repl-backlog-size"), 16<<10))
		b.str("repl_backlog_first_byte_offset", "0")
		b.str("repl_backlog_histlen", "0")
	}
}

// roleCommand is ROLE.
func roleCommand(c *Ctx) {
	s := c.srv
	if s.replIsReplica() {
		s.roleReplica(c)
		return
	}
	r := &s.repl
	c.replyArray(3)
	c.replyBulkString("master")
	c.replyInt(r.offset)
	n := 0
	for _, rc := range r.replicas {
		if rc.repl.state == replOnline {
			n++
		}
	}
	c.replyArray(n)
	for _, rc := range r.replicas {
		if rc.repl.state != replOnline {
			continue
		}
		c.replyArray(3)
		c.replyBulkString(rc.replicaIP())
		c.replyBulkString(strconv.Itoa(rc.repl.port))
		c.replyBulkString(strconv.FormatInt(rc.repl.ackOff, 10))
	}
}

// replicaLinesOf is used by tests: the payload with its header.
func payloadHeader(size int) []byte {
	return append(strconv.AppendInt([]byte{'$'}, int64(size), 10), '\r', '\n')
}

// eofMark returns a random 40-character EOF mark for a diskless payload.
func eofMark() []byte {
	var b [20]byte
	rand.Read(b[:])
	return []byte(hex.EncodeToString(b[:]))
}

// replCronTick runs every cron tick: a waiting full sync may start; the
// rest of the replication cron runs once a second.
func (s *Server) replCronTick() {
	if s.repl.backlog == nil && len(s.repl.replicas) == 0 && !s.replIsReplica() {
		return
	}
	if s.cronLoops%int64(s.cfg.Hz) == 0 {
		s.replCron()
		return
	}
	s.replStartPendingSync(true)
}
