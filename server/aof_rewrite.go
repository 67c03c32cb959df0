package server

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/kvdserver/kvd/internal/rdb"
	"github.com/kvdserver/kvd/resp"
	"github.com/kvdserver/kvd/store"
)

// BGREWRITEAOF without fork. Like BGSAVE (save.go) it takes a
// store.Snapshot of the dataset, walked by the loop in slices, and a
// writer goroutine writes the new base to a temporary file. When the
// rewrite begins, appending moves to a new incremental file, so the new
// base plus the incremental files from then on hold everything: when the
// base is complete it is renamed into place, the manifest switched to it
// (atomically, by rename) and the older files, now history, removed.
// A crash at any point leaves a manifest that names whole files.

// aofRewriteItemsPerCmd is how many elements one command of a rewritten
// base holds (Redis's AOF_REWRITE_ITEMS_PER_CMD).
const aofRewriteItemsPerCmd = 64

// aofRewriteState is the rewrites' bookkeeping.
type aofRewriteState struct {
	active      *aofRewrite
	scheduled   bool  // aof_rewrite_scheduled
	rewrites    int64 // aof_rewrites
	failed      bool  // aof_last_bgrewrite_status err
	consecutive int64 // aof_rewrites_consecutive_failures
	lastSecs    int64 // aof_last_rewrite_time_sec
}

// aofRewrite is one rewrite in progress.
type aofRewrite struct {
	snap    *store.Snapshot
	pipe    *savePipe
	enc     *rdb.Encoder  // an RDB base
	rw      *rdbWriter    // an RDB base
	cw      *aofCmdWriter // a base of commands
	tmp     string        // the temporary base
	baseRDB bool
	started time.Time
	curDB   int
	dbSeen  []bool
	timer   int64
	walked  bool
	// tempIncr: the incremental file opened for an AOF being turned on
	// (appendonly yes at run time), renamed into the manifest at the end.
	tempIncr string
}

// aofTempIncrName is the incremental file written while the AOF is being
// turned on (Redis's getTempIncrAofName).
func (a *aofState) tempIncrName() string { return aofTempPrefix + a.prefix + aofIncrSuffix }

// startAOFRewrite begins a rewrite, as Redis's
// rewriteAppendOnlyFileBackground.
func (s *Server) startAOFRewrite() error {
	a := &s.aof
	if a.rw.active != nil || s.save.bg != nil {
		return errors.New("a background save or rewrite is in progress")
	}
	if a.man == nil {
		if a.dir == "" {
			s.aofInit()
		}
		m, err := readAOFManifest(a.path(a.manifestName()))
		if err != nil {
			s.logf(levelWarning, "%v", err)
			m = &aofManifest{}
		}
		a.man = m
	}
	if err := os.MkdirAll(a.dir, 0o755); err != nil {
		s.logf(levelWarning, "Can't open or create append-only dir %s: %s", a.dir, strerror(unwrapPathError(err)))
		return err
	}
	r := &aofRewrite{
		started: time.Now(),
		curDB:   -1,
		dbSeen:  make([]bool, len(s.dbs)),
		baseRDB: s.cfgString("aof-use-rdb-preamble") == "yes",
		tmp:     a.path(fmt.Sprintf("temp-rewriteaof-bg-%d.aof", os.Getpid())),
	}
	// Appending moves to a new incremental file.
	if a.on || a.waitRewrite {
		s.aofFlush(true)
		if err := s.aofOpenNewIncr(r); err != nil {
			s.logf(levelWarning, "%v", err)
			return err
		}
		// What could not be written (a write error) is in the dataset
		// the new base is taken from: written again after it, it would
		// be applied twice.
		a.feed.buf = a.feed.buf[:0]
		if a.writeErr != nil {
			// The file that failed is no longer written to.
			s.logf(levelWarning, "AOF write error looks solved, Redis can write again.")
			a.writeErr = nil
		}
	}
	r.pipe = newSavePipe()
	now := s.nowMs()
	if r.baseRDB {
		r.enc = rdb.NewEncoder(r.pipe, rdbOptionsOf(&s.cfg))
		r.rw = newRDBWriter(r.enc, &s.cfg)
		r.enc.WriteHeader(s.aofAux(now))
		s.writeRDBFunctions(r.enc)
	} else {
		r.cw = newAOFCmdWriter(r.pipe)
		s.writeAOFFunctions(r.cw)
	}
	snap, err := store.NewSnapshot(s.dbs, now, r.emit)
	if err != nil {
		return err
	}
	r.snap = snap
	a.rw.active = r
	a.rw.scheduled = false
	s.logf(levelNotice, "Background append only file rewriting started by pid %d", os.Getpid())
	pipe, tmp := r.pipe, r.tmp
	go func() {
		err := pipe.run(tmp, tmp)
		s.loop.Submit(func() { s.aofRewriteWritten(r, err) })
	}()
	r.timer = s.loop.AddTimer(0, s.aofRewriteTick)
	return nil
}

// aofOpenNewIncr opens the incremental file writes go to from now on, as
// Redis's openNewIncrAofForAppend: with the AOF on, a new file named in
// the manifest (written at once); while it is being turned on, a
// temporary one.
func (s *Server) aofOpenNewIncr(r *aofRewrite) error {
	a := &s.aof
	var name string
	var next *aofManifest
	if a.on {
		next = a.man.clone()
		name = next.newIncr(a.prefix)
	} else {
		name = a.tempIncrName()
		r.tempIncr = name
	}
	f, err := os.OpenFile(a.path(name), os.O_WRONLY|os.O_APPEND|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return fmt.Errorf("Can't open the append-only file %s: %s", name, strerror(unwrapPathError(err)))
	}
	if next != nil {
		if err := writeAOFManifest(a.dir, a.manifestName(), next); err != nil {
			f.Close()
			os.Remove(a.path(name))
			return err
		}
		a.man = next
	}
	if old := a.f; old != nil {
		// What it holds is made durable, then it is closed, off the
		// loop (Redis's aof_background_fsync_and_close).
		go func() {
			fdatasync(old)
			old.Close()
		}()
	}
	a.f = f
	a.feed.db = -1 // the new file begins with a SELECT
	a.lastFsyncSize = a.curSize
	return nil
}

// emit writes one key of the snapshot to the new base.
func (r *aofRewrite) emit(db int, e store.Entry) {
	if r.cw != nil {
		r.cw.entry(db, e)
		return
	}
	if db != r.curDB {
		if r.dbSeen[db] {
			r.enc.Byte(rdbOpSelectDB)
			r.enc.Len(uint64(db))
		} else {
			keys, expires := r.snap.Sizes(db)
			r.enc.SelectDB(db, uint64(keys), uint64(expires))
			r.dbSeen[db] = true
		}
		r.curDB = db
	}
	r.rw.writeRDBEntry(e)
}

// aofRewriteTick walks the next slice of the keyspace for the rewrite.
func (s *Server) aofRewriteTick() time.Duration {
	r := s.aof.rw.active
	if r == nil || r.walked {
		return 0
	}
	queued, err := r.pipe.pending()
	if err != nil {
		r.snap.Close()
		r.walked = true
		r.pipe.close(false)
		return 0
	}
	if queued > saveQueueMax {
		return time.Millisecond
	}
	if d := s.cfg.RDBKeySaveDelay; d > 0 {
		// rdb-key-save-delay (tests): one key per d microseconds, as
		// it slows Redis's rewriting child too.
		if !r.snap.Step(1) {
			return time.Duration(d) * time.Microsecond
		}
	}
	deadline := s.clock.mono() + int64(saveSliceMax)
	for !r.snap.Step(256) {
		if s.clock.mono() >= deadline {
			break
		}
	}
	if r.snap.Done() {
		r.walked = true
		if r.cw != nil {
			r.cw.flush()
		} else {
			r.enc.Finish()
		}
		r.pipe.close(false)
		return 0
	}
	return 500 * time.Microsecond
}

// aofRewriteWritten runs on the loop once the new base is written (or the
// rewrite failed): as Redis's backgroundRewriteDoneHandler it puts the base
// in place and switches the manifest to it.
func (s *Server) aofRewriteWritten(r *aofRewrite, err error) {
	a := &s.aof
	if a.rw.active != r {
		return
	}
	a.rw.active = nil
	r.snap.Close()
	if r.timer != 0 {
		s.loop.CancelTimer(r.timer)
	}
	a.rw.lastSecs = int64(time.Since(r.started) / time.Second)
	if err == nil {
		err = s.aofInstallRewrite(r)
	}
	if err != nil {
		if !errors.Is(err, errSaveAborted) {
			s.logf(levelWarning, "%v", err)
			s.logf(levelWarning, "Background AOF rewrite terminated with error")
			a.rw.failed = true
			a.rw.consecutive++
		} else {
			s.logf(levelWarning, "Background AOF rewrite terminated by signal 10")
		}
		os.Remove(r.tmp)
		if r.tempIncr != "" {
			os.Remove(a.path(r.tempIncr))
			if !a.on {
				// Turning the AOF on failed: it stays off.
				a.feed.buf = a.feed.buf[:0]
				if a.f != nil {
					a.f.Close()
					a.f = nil
				}
			}
		}
		return
	}
	a.rw.rewrites++
	a.rw.failed = false
	a.rw.consecutive = 0
	s.logf(levelNotice, "Background AOF rewrite finished successfully")
}

// aofInstallRewrite renames the new base into place and writes the
// manifest that names it.
func (s *Server) aofInstallRewrite(r *aofRewrite) error {
	a := &s.aof
	s.logf(levelNotice, "Background AOF rewrite terminated with success")
	next := a.man.clone()
	base := next.newBase(a.prefix, r.baseRDB)
	if err := os.Rename(r.tmp, a.path(base)); err != nil {
		return fmt.Errorf("Error trying to rename the temporary AOF base file %s into %s: %s", filepath.Base(r.tmp), base, strerror(unwrapPathError(err)))
	}
	var incrName string
	if r.tempIncr != "" {
		// Turning on: the temporary incremental file becomes the first.
		for _, i := range next.incr {
			i.typ = 'h'
			next.history = append(next.history, i)
		}
		next.incr = nil
		incrName = next.newIncr(a.prefix)
		if err := os.Rename(a.path(r.tempIncr), a.path(incrName)); err != nil {
			os.Remove(a.path(base))
			return fmt.Errorf("Error trying to rename the temporary AOF incr file %s into %s: %s", r.tempIncr, incrName, strerror(unwrapPathError(err)))
		}
	} else if a.on {
		next.incrToHistory()
	} else {
		// BGREWRITEAOF with the AOF off: the base alone.
		for _, i := range next.incr {
			i.typ = 'h'
			next.history = append(next.history, i)
		}
		next.incr = nil
	}
	if err := writeAOFManifest(a.dir, a.manifestName(), next); err != nil {
		os.Remove(a.path(base))
		return err
	}
	a.man = next
	s.logf(levelNotice, "Successfully renamed the temporary AOF base file %s into %s", filepath.Base(r.tmp), base)
	if incrName != "" {
		s.logf(levelNotice, "Successfully renamed the temporary AOF incr file %s into %s", r.tempIncr, incrName)
	}
	if r.tempIncr != "" {
		a.on, a.waitRewrite = true, false
	}
	if fi, err := os.Stat(a.path(base)); err == nil {
		a.baseSize = fi.Size()
	}
	a.curSize = s.aofFilesSize()
	a.lastFsyncSize = min(a.lastFsyncSize, a.curSize)
	s.aofDeleteHistory()
	return nil
}

// aofAbortRewrite stops the rewrite in progress (SHUTDOWN, appendonly no).
func (s *Server) aofAbortRewrite() {
	r := s.aof.rw.active
	if r == nil {
		return
	}
	r.snap.Close()
	r.walked = true
	r.pipe.close(true)
	s.aofRewriteWritten(r, errSaveAborted)
}

// aofAbortRewriteQuiet stops the rewrite in progress without logging its
// end (SHUTDOWN: Redis does not wait for the killed child).
func (s *Server) aofAbortRewriteQuiet() {
	r := s.aof.rw.active
	if r == nil {
		return
	}
	s.aof.rw.active = nil
	r.snap.Close()
	r.walked = true
	r.pipe.close(true)
	if r.timer != 0 {
		s.loop.CancelTimer(r.timer)
	}
	os.Remove(r.tmp)
	if r.tempIncr != "" {
		os.Remove(s.aof.path(r.tempIncr))
	}
}

// aofRewriteCron starts a scheduled rewrite, or an automatic one when the
// AOF has grown by auto-aof-rewrite-percentage since the last rewrite and
// is at least auto-aof-rewrite-min-size, as Redis's serverCron.
func (s *Server) aofRewriteCron() {
	a := &s.aof
	if a.rw.active != nil || s.save.bg != nil {
		return
	}
	if a.rw.scheduled {
		s.startAOFRewrite()
		return
	}
	if !a.on {
		return
	}
	perc, _ := strconv.ParseInt(s.cfgString("auto-aof-rewrite-percentage"), 10, 64)
	minSize, _ := strconv.ParseInt(s.cfgString("auto-aof-rewrite-min-size"), 10, 64)
	if perc > 0 && a.curSize > minSize {
		base := max(a.baseSize, 1)
		growth := a.curSize*100/base - 100
		if growth >= perc {
			s.logf(levelNotice, "Starting automatic rewriting of AOF on %d%% growth", growth)
			s.startAOFRewrite()
		}
	}
}

// bgrewriteaofCommand is BGREWRITEAOF.
func bgrewriteaofCommand(c *Ctx) {
	s := c.srv
	switch {
	case s.aof.rw.active != nil:
		c.replyError(errAOFRewriteRunning)
	case s.save.bg != nil || c.denyBlocking:
		s.aof.rw.scheduled = true
		c.replyStatus("Background append only file rewriting scheduled")
	default:
		if err := s.startAOFRewrite(); err != nil {
			c.replyError(errAOFRewriteFailed)
			return
		}
		c.replyStatus("Background append only file rewriting started")
	}
}

// applyAppendonly turns the AOF on or off at run time (CONFIG SET
// appendonly), as Redis's startAppendOnly and stopAppendOnly.
func (s *Server) applyAppendonly() error {
	a := &s.aof
	want := s.cfgString("appendonly") == "yes"
	if want == (a.on || a.waitRewrite) {
		return nil
	}
	if !want {
		s.aofFlush(true)
		if a.f != nil {
			fdatasync(a.f)
			a.f.Close()
			a.f = nil
		}
		if a.rw.active != nil {
			s.logf(levelNotice, "Killing running AOF rewrite child: %d", os.Getpid())
			s.aofAbortRewrite()
		}
		a.on, a.waitRewrite = false, false
		a.rw.scheduled = false
		a.feed.buf = a.feed.buf[:0]
		a.writeErr = nil
		return nil
	}
	if a.dir == "" {
		s.aofInit()
	}
	s.aofApplyParams()
	a.waitRewrite = true
	if !a.consuming {
		a.consuming = true
		s.addPropConsumer(s.aofConsume)
	}
	if a.rw.active != nil || s.save.bg != nil {
		a.rw.scheduled = true
		s.logf(levelWarning, "AOF was enabled but there is already another background operation. An AOF background was scheduled to start when possible.")
		return nil
	}
	if err := s.startAOFRewrite(); err != nil {
		a.waitRewrite = false
		s.logf(levelWarning, "Redis needs to enable the AOF but can't trigger a background AOF rewrite operation. Check the above logs for more info about the error.")
		return errors.New("Unable to turn on AOF. Check server logs.")
	}
	return nil
}

// ---- a base of commands (aof-use-rdb-preamble no) ----

// aofCmdWriter writes keys as the commands that rebuild them, as Redis's
// rewriteAppendOnlyFileRio.
type aofCmdWriter struct {
	w   *bufio.Writer
	buf []byte
	db  int
	err error
	tmp [][]byte
	num []byte
}

func newAOFCmdWriter(w io.Writer) *aofCmdWriter {
	return &aofCmdWriter{w: bufio.NewWriterSize(w, 64<<10), db: -1}
}

// cmd writes one command.
func (w *aofCmdWriter) cmd(argv ...[]byte) {
	if w.err != nil {
		return
	}
	w.buf = resp.AppendArray(w.buf[:0], len(argv))
	for _, a := range argv {
		w.buf = resp.AppendBulk(w.buf, a)
	}
	_, w.err = w.w.Write(w.buf)
}

var (
	bSELECT = []byte("SELECT")
	bRPUSH  = []byte("RPUSH")
	bSADD   = []byte("SADD")
	bZADD   = []byte("ZADD")
	bHMSET  = []byte("HMSET")
	bFUNC   = []byte("FUNCTION")
	bLOAD   = []byte("LOAD")
)

// batch writes name key followed by items, aofRewriteItemsPerCmd per
// command; each item is one or two arguments.
func (w *aofCmdWriter) batch(name, key []byte, items [][]byte, per int) {
	for len(items) > 0 {
		n := min(len(items), aofRewriteItemsPerCmd*per)
		argv := append(append(w.tmp[:0], name, key), items[:n]...)
		w.cmd(argv...)
		w.tmp = argv[:0]
		items = items[n:]
	}
}

// entry writes key x of database db.
func (w *aofCmdWriter) entry(db int, x store.Entry) {
	if db != w.db {
		w.cmd(bSELECT, []byte(strconv.Itoa(db)))
		w.db = db
	}
	key := x.Key()
	var items [][]byte
	switch x.Type() {
	case store.TypeString:
		w.cmd(bSET, key, x.Str())
	case store.TypeList:
		it := x.List().Iter(0, false)
		for v, ok := it.Next(); ok; v, ok = it.Next() {
			items = append(items, append([]byte(nil), v...))
		}
		w.batch(bRPUSH, key, items, 1)
	case store.TypeSet:
		x.Set().Range(func(m []byte) bool {
			items = append(items, append([]byte(nil), m...))
			return true
		})
		w.batch(bSADD, key, items, 1)
	case store.TypeZSet:
		x.ZSet().Ascend(0, func(m []byte, score float64) bool {
			items = append(items, formatAOFScore(score), append([]byte(nil), m...))
			return true
		})
		w.batch(bZADD, key, items, 2)
	case store.TypeHash:
		x.Hash().Range(func(f, v []byte) bool {
			items = append(items, append([]byte(nil), f...), append([]byte(nil), v...))
			return true
		})
		w.batch(bHMSET, key, items, 2)
	}
	if d := x.Deadline(); d >= 0 {
		w.cmd(bPEXPIREAT, key, strconv.AppendInt(nil, d, 10))
	}
}

// formatAOFScore formats a score as Redis 7.0's rioWriteBulkDouble
// ("%.17g").
func formatAOFScore(f float64) []byte {
	switch {
	case math.IsInf(f, 1):
		return []byte("inf")
	case math.IsInf(f, -1):
		return []byte("-inf")
	}
	return strconv.AppendFloat(nil, f, 'g', 17, 64)
}

// flush writes what is buffered.
func (w *aofCmdWriter) flush() error {
	if w.err == nil {
		w.err = w.w.Flush()
	}
	return w.err
}

// writeAOFFunctions writes the function libraries as FUNCTION LOAD
// commands, in name order.
func (s *Server) writeAOFFunctions(w *aofCmdWriter) {
	if s.scripts == nil || s.scripts.fns == nil {
		return
	}
	for _, code := range s.scripts.fns.codesByName() {
		w.cmd(bFUNC, bLOAD, []byte(code))
	}
}
