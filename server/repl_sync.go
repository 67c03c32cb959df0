package server

import (
	"strconv"
	"time"

	"github.com/kvdserver/kvd/internal/rdb"
	"github.com/kvdserver/kvd/store"
)

// A full sync sends a replica the data set as an RDB payload, taken with
// the same fork-less snapshot as BGSAVE (save.go): the loop walks the
// keyspace in slices between commands and a key about to change ahead of
// the walk is encoded first. The stream produced meanwhile is kept for
// each replica (replicaLink.pending) and follows the payload.
//
// Diskless (repl-diskless-sync yes, the replica says capa eof): the
// payload goes straight to the replicas' sockets as it is encoded, framed
// as "$EOF:<40 random bytes>\r\n" ... <the same 40 bytes>, and the stream
// waits for the replica's first REPLCONF ACK, as Redis 7.0 does (a replica
// reading up to the mark must not find stream bytes after it). Otherwise
// the payload is built in memory and sent as "$<length>\r\n" <payload>,
// the stream right after it. (Redis writes that payload to dump.rdb
// first; kvd keeps it in memory and does not touch the dump.)

// fullSync is a full sync in progress, serving one or more replicas.
type fullSync struct {
	b        *bgSave // the encoder and snapshot; emit writes each key
	replicas []*Client
	diskless bool
	mark     []byte // the EOF mark (diskless)
	buf      []byte // the payload (disk-style)
	timer    int64
	srv      *Server
}

// Write receives encoded payload bytes from the encoder.
func (f *fullSync) Write(p []byte) (int, error) {
	if !f.diskless {
		f.buf = append(f.buf, p...)
		return len(p), nil
	}
	for _, c := range f.replicas {
		c.queueBlock(append(make([]byte, 0, len(p)), p...))
		c.flush()
	}
	return len(p), nil
}

// queueBlock appends b after everything c has to send, as a block of its
// own (a payload's bytes are not copied again into the output buffer).
func (c *Client) queueBlock(b []byte) {
	if len(c.out) > 0 {
		c.outq = append(c.outq, c.out)
		c.outqBytes += len(c.out)
		c.out = nil
	}
	c.outq = append(c.outq, b)
	c.outqBytes += len(b)
}

// drop removes a replica that disconnected; the sync stops if none is left.
func (f *fullSync) drop(c *Client) {
	for i, rc := range f.replicas {
		if rc == c {
			f.replicas = append(f.replicas[:i], f.replicas[i+1:]...)
			break
		}
	}
	if len(f.replicas) == 0 {
		f.abort()
	}
}

func (f *fullSync) abort() {
	s := f.srv
	if f.b.snap != nil {
		f.b.snap.Close()
	}
	if f.timer != 0 {
		s.loop.CancelTimer(f.timer)
	}
	if s.repl.sync == f {
		s.repl.sync = nil
	}
	s.logf(levelWarning, "Background RDB transfer terminated with error")
}

// replStartPendingSync starts a full sync for the replicas waiting for one
// when nothing prevents it: no sync or background save in progress and,
// for a diskless sync, repl-diskless-sync-delay passed since the first
// replica began waiting (or repl-diskless-sync-max-replicas are waiting).
func (s *Server) replStartPendingSync(fromCron bool) {
	r := &s.repl
	if r.sync != nil || s.save.bg != nil {
		return
	}
	var waiting []*Client
	allEOF := true
	oldest := int64(-1)
	for _, c := range r.replicas {
		if c.repl.state == replWaitBgsave {
			waiting = append(waiting, c)
			allEOF = allEOF && c.repl.capaEOF
			if oldest < 0 || c.repl.since < oldest {
				oldest = c.repl.since
			}
		}
	}
	if len(waiting) == 0 {
		return
	}
	diskless := allEOF && s.replCfgYes("repl-diskless-sync")
	if diskless {
		delay := s.replCfgInt("repl-diskless-sync-delay") * 1000
		maxR := s.replCfgInt("repl-diskless-sync-max-replicas")
		if !(maxR > 0 && int64(len(waiting)) >= maxR) && s.nowMs()-oldest < delay {
			return // the cron looks again
		}
	}
	s.replStartSync(waiting, diskless)
}

// replStartSync begins a full sync for the replicas.
func (s *Server) replStartSync(replicas []*Client, diskless bool) {
	r := &s.repl
	now := s.nowMs()
	f := &fullSync{replicas: replicas, diskless: diskless, srv: s}
	b := &bgSave{curDB: -1, dbSeen: make([]bool, len(s.dbs))}
	b.enc = rdb.NewEncoder(f, rdbOptionsOf(&s.cfg))
	b.w = newRDBWriter(b.enc, &s.cfg)
	snap, err := store.NewSnapshot(s.dbs, now, b.emit)
	if err != nil {
		return // another snapshot is in progress: the cron tries again
	}
	b.snap = snap
	f.b = b
	r.sync = f
	// The stream restarts with a SELECT, the payload leaving the replica
	// in no particular database.
	r.feed.db = -1
	target := "disk"
	if diskless {
		target = "replicas sockets"
		f.mark = eofMark()
	}
	s.logf(levelNotice, "Starting BGSAVE for SYNC with target: %s", target)
	for _, c := range replicas {
		l := c.repl
		l.state = replSendBulk
		l.pending = nil
		if !l.oldSync {
			c.replyRaw([]byte("+FULLRESYNC " + s.replID() + " " + strconv.FormatInt(r.offset, 10) + "\r\n"))
		}
		if diskless {
			c.replyRaw(append(append([]byte("$EOF:"), f.mark...), '\r', '\n'))
		}
		c.flush()
	}
	aux := append(s.rdbAux(now),
		rdb.Aux{Key: "repl-stream-db", Value: "0"},
		rdb.Aux{Key: "repl-id", Value: s.replID()},
		rdb.Aux{Key: "repl-offset", Value: strconv.FormatInt(r.offset, 10)})
	b.enc.WriteHeader(aux)
	s.writeRDBFunctions(b.enc)
	f.timer = s.loop.AddTimer(0, s.syncTick)
}

// syncTick walks the next slice of the keyspace for the full sync.
func (s *Server) syncTick() time.Duration {
	f := s.repl.sync
	if f == nil {
		return 0
	}
	b := f.b
	if f.diskless {
		// Back-pressure: the walk waits while a replica has much unsent.
		for _, c := range f.replicas {
			if c.pendingOutput() > saveQueueMax {
				return time.Millisecond
			}
		}
	}
	if d := s.cfg.RDBKeySaveDelay; d > 0 {
		if b.snap.Step(1) {
			return s.syncDone(f)
		}
		return time.Duration(d) * time.Microsecond
	}
	deadline := s.clock.mono() + int64(saveSliceMax)
	for !b.snap.Step(256) {
		if s.clock.mono() >= deadline {
			return time.Nanosecond
		}
	}
	return s.syncDone(f)
}

// syncDone ends the payload and sends what follows it to each replica.
func (s *Server) syncDone(f *fullSync) time.Duration {
	b := f.b
	b.enc.Finish()
	b.snap.Close()
	s.repl.sync = nil
	f.timer = 0
	now := s.nowMs()
	if !f.diskless {
		s.logf(levelNotice, "Background saving terminated with success")
	} else {
		s.logf(levelNotice, "Background RDB transfer terminated with success")
	}
	for _, c := range f.replicas {
		l := c.repl
		if f.diskless {
			c.queueBlock(append([]byte(nil), f.mark...))
			l.holdStream = true
			s.logf(levelNotice, "Streamed RDB transfer with replica %s succeeded (socket). Waiting for REPLCONF ACK from replica to enable streaming", c.replicaName())
		} else {
			c.queueBlock(payloadHeader(len(f.buf)))
			// Each replica's output owns its blocks (they go back to the
			// pool once written).
			c.queueBlock(append(make([]byte, 0, len(f.buf)), f.buf...))
			if len(l.pending) > 0 {
				c.queueBlock(l.pending)
			}
			l.pending = nil
		}
		l.state = replOnline
		l.ackTime = now
		c.flush()
		s.logf(levelNotice, "Synchronization with replica %s succeeded", c.replicaName())
	}
	s.replCountGood()
	s.replStartPendingSync(false)
	return 0
}
