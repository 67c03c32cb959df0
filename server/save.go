package server

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/kvdserver/kvd/internal/rdb"
	"github.com/kvdserver/kvd/store"
)

// rdbOpSelectDB is the RDB opcode that switches databases.
const rdbOpSelectDB = 0xFE

// Background saving without fork.
//
// Redis forks and lets the child write the dataset as the fork froze it;
// a Go process cannot fork. kvd takes a store.Snapshot instead: the event
// loop walks the keyspace in slices between commands (saveTick), and a key
// about to change ahead of the walk is written first, in its old state,
// so the file holds exactly the dataset of the moment BGSAVE began. The
// loop only encodes (into 64 KB blocks); a writer goroutine does the file
// I/O, the fsync of the file, the rename over the previous dump and the
// fsync of the directory, so that a crash at any point leaves the previous
// dump whole.
//
// The walk gets a share (saveShare) of the CPU time the loop thread spends
// serving clients, and the whole loop while none are, so that a save slows
// a busy server by about that share; copy-before-write adds the encoding
// of each key written ahead of the walk, once.

// SavePoint is one "save <seconds> <changes>" rule: save in the background
// when at least Changes changes happened and Seconds seconds passed since
// the last successful save.
type SavePoint struct {
	Seconds int64
	Changes int64
}

// DefaultSavePoints are redis-server's save points when its configuration
// sets none ("3600 1 300 100 60 10000").
var DefaultSavePoints = []SavePoint{{3600, 1}, {300, 100}, {60, 10000}}

// parseSavePoints parses the value of "save" as Redis's setConfigSaveOption
// does: pairs of integers, seconds at least 1 and changes at least 0; ""
// means none.
func parseSavePoints(v string) ([]SavePoint, error) {
	f := strings.Fields(v)
	if len(f)%2 != 0 {
		return nil, errSaveParams
	}
	pts := make([]SavePoint, 0, len(f)/2)
	var pair [2]int64
	for i, w := range f {
		// strtoll: an optional sign; out-of-range values saturate.
		n, err := strconv.ParseInt(strings.TrimPrefix(w, "+"), 10, 64)
		if ne, ok := err.(*strconv.NumError); ok && ne.Err == strconv.ErrRange {
			err = nil
		}
		if err != nil || (i%2 == 0 && n < 1) || n < 0 {
			return nil, errSaveParams
		}
		pair[i%2] = n
		if i%2 == 1 {
			pts = append(pts, SavePoint{Seconds: pair[0], Changes: pair[1]})
		}
	}
	if len(pts) == 0 {
		return nil, nil
	}
	return pts, nil
}

// formatSavePoints renders save points as CONFIG GET save shows them.
func formatSavePoints(pts []SavePoint) string {
	var b []byte
	for i, sp := range pts {
		if i > 0 {
			b = append(b, ' ')
		}
		b = strconv.AppendInt(b, sp.Seconds, 10)
		b = append(b, ' ')
		b = strconv.AppendInt(b, sp.Changes, 10)
	}
	return string(b)
}

// bgsaveRetryDelay is how long after a failed background save the save
// points wait before trying again (Redis's CONFIG_BGSAVE_RETRY_DELAY).
const bgsaveRetryDelay = 5

// saveShare is the share of the loop's busy time a background save takes
// while clients are served; saveSliceMax bounds one slice of the walk.
const (
	saveShare    = 0.08
	saveSliceMin = 20 * time.Microsecond
	saveSliceMax = 2 * time.Millisecond
	// saveQueueMax: encoded bytes waiting for the writer beyond which the
	// walk pauses (copy-before-write keeps writing).
	saveQueueMax = 8 << 20
)

// saveState is the background saves' bookkeeping (rdbState, in rdb.go,
// has the last save's time and the count of saves).
type saveState struct {
	bg          *bgSave // the background save in progress, or nil
	scheduled   bool    // a BGSAVE asked for inside MULTI, started by the cron
	lastTry     int64   // unix seconds of the last background save attempt
	failed      bool    // the last background save failed (rdb_last_bgsave_status err)
	lastSecs    int64   // rdb_last_bgsave_time_sec, -1 before the first
	dirtyBefore int64   // changes counted when the save in progress began
}

// bgSave is one background save in progress.
type bgSave struct {
	snap    *store.Snapshot
	enc     *rdb.Encoder
	w       *rdbWriter
	pipe    *savePipe
	started int64 // unix seconds
	// dbSeen[i]: database i's SELECTDB and RESIZEDB have been written;
	// curDB is the database of the last key written (-1 before any).
	dbSeen  []bool
	curDB   int
	keys    int64 // keys written
	total   int64 // keys in the snapshot, expired ones included
	lastEnd int64 // mono ns when the last slice ended
	lastCPU int64 // the loop thread's CPU time (ns) when the last slice ended
	lastCmd int64 // commands processed when the last slice ended
	timer   int64
	walked  bool // the walk is complete; the writer is finishing the file
	err     error
}

// savePipe carries encoded blocks from the loop to the writer goroutine.
type savePipe struct {
	mu     sync.Mutex
	cond   sync.Cond
	queue  [][]byte
	free   [][]byte
	queued int
	closed bool  // no more blocks: finish the file
	abort  bool  // give up: remove the temporary file
	err    error // the first I/O error
}

func newSavePipe() *savePipe {
	p := &savePipe{}
	p.cond.L = &p.mu
	return p
}

// Write queues a copy of b for the writer. It never blocks.
func (p *savePipe) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.err != nil {
		return 0, p.err
	}
	var blk []byte
	if n := len(p.free); n > 0 && cap(p.free[n-1]) >= len(b) {
		blk, p.free = p.free[n-1][:0], p.free[:n-1]
	} else {
		blk = make([]byte, 0, max(len(b), 68<<10))
	}
	p.queue = append(p.queue, append(blk, b...))
	p.queued += len(b)
	p.cond.Signal()
	return len(b), nil
}

// pending returns the bytes waiting for the writer and its error, if any.
func (p *savePipe) pending() (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.queued, p.err
}

// close tells the writer the file is complete (or, with abort, abandoned).
func (p *savePipe) close(abort bool) {
	p.mu.Lock()
	p.closed = true
	p.abort = p.abort || abort
	p.cond.Signal()
	p.mu.Unlock()
}

// run creates the temporary file tmp, writes the queued blocks to it until
// the pipe is closed, then makes the file durable and renames it to final.
// It returns the first error, having removed the temporary file after an
// error or an abort.
func (p *savePipe) run(tmp, final string) error {
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		wd, _ := os.Getwd()
		err = fmt.Errorf("Failed opening the temp RDB file %s (in server root dir %s) for saving: %s",
			filepath.Base(tmp), wd, strerror(unwrapPathError(err)))
		p.mu.Lock()
		p.err = err
		p.mu.Unlock()
		return err
	}
	for {
		p.mu.Lock()
		for len(p.queue) == 0 && !p.closed && !p.abort {
			p.cond.Wait()
		}
		blocks, abort, closed := p.queue, p.abort, p.closed
		p.queue = nil
		p.mu.Unlock()
		if abort {
			f.Close()
			os.Remove(tmp)
			return errSaveAborted
		}
		for _, b := range blocks {
			if err == nil {
				if _, werr := f.Write(b); werr != nil {
					err = fmt.Errorf("Write error saving DB on disk(rdbSaveRio): %s", strerror(unwrapPathError(werr)))
				}
			}
		}
		p.mu.Lock()
		for _, b := range blocks {
			p.queued -= len(b)
			if len(p.free) < saveQueueMax/(64<<10)+8 { // reused, not left to the collector
				p.free = append(p.free, b)
			}
		}
		if err != nil && p.err == nil {
			p.err = err
		}
		p.mu.Unlock()
		if err != nil {
			f.Close()
			os.Remove(tmp)
			return err
		}
		if closed && len(blocks) == 0 {
			break
		}
	}
	if err := f.Sync(); err != nil {
		f.Close()
		os.Remove(tmp)
		return fmt.Errorf("Write error saving DB on disk(fsync): %s", strerror(unwrapPathError(err)))
	}
	if err := f.Close(); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("Write error saving DB on disk(fclose): %s", strerror(unwrapPathError(err)))
	}
	if err := os.Rename(tmp, final); err != nil {
		os.Remove(tmp)
		wd, _ := os.Getwd()
		return fmt.Errorf("Error moving temp DB file %s on the final destination %s (in server root dir %s): %s",
			filepath.Base(tmp), filepath.Base(final), wd, strerror(unwrapPathError(err)))
	}
	if d, err := os.Open(filepath.Dir(final)); err == nil {
		d.Sync()
		d.Close()
	}
	return nil
}

var errSaveAborted = errors.New("save aborted")

// cfgYes reports whether the boolean parameter name, one of the generated
// ones that default to yes (stop-writes-on-bgsave-error), is "yes". It
// reads the value directly: Config.Get here would make an initialisation
// cycle through the cron.
func (s *Server) cfgYes(name string) bool {
	v, ok := s.cfg.other[name]
	return !ok || v == "yes"
}

// startBgsave begins a background save to the configured file, as
// Redis's rdbSaveBackground: it returns an error (logged) if the save
// cannot start.
func (s *Server) startBgsave() error {
	if s.save.bg != nil {
		return errors.New("a background save is already in progress")
	}
	st := &s.save
	s.rdb.saves++
	st.dirtyBefore = s.stats.dirty
	st.lastTry = time.Now().Unix()
	final := s.rdbPath()
	// Redis's child names it after its own pid; kvd has no child, and
	// SAVE's temporary file is temp-<pid>.rdb.
	tmp := filepath.Join(filepath.Dir(final), fmt.Sprintf("temp-bgsave-%d.rdb", os.Getpid()))
	b := &bgSave{pipe: newSavePipe(), started: st.lastTry, curDB: -1, dbSeen: make([]bool, len(s.dbs))}
	now := s.nowMs()
	b.enc = rdb.NewEncoder(b.pipe, rdbOptionsOf(&s.cfg))
	b.w = newRDBWriter(b.enc, &s.cfg)
	b.enc.WriteHeader(s.rdbAux(now))
	s.writeRDBFunctions(b.enc)
	snap, err := store.NewSnapshot(s.dbs, now, b.emit)
	if err != nil {
		return err
	}
	b.snap = snap
	for _, db := range s.dbs {
		b.total += int64(db.Len())
	}
	b.lastEnd, b.lastCPU, b.lastCmd = s.clock.mono(), threadCPU(), s.stats.commands
	s.save.bg = b
	s.logf(levelNotice, "Background saving started by pid %d", os.Getpid())
	pipe := b.pipe
	go func() {
		err := pipe.run(tmp, final)
		s.loop.Submit(func() { s.bgsaveWritten(b, err) })
	}()
	b.timer = s.loop.AddTimer(0, s.saveTick)
	return nil
}

// emit writes one key of the snapshot: called by the walk and, for keys
// about to change ahead of it, by the store's write paths.
func (b *bgSave) emit(db int, e store.Entry) {
	if db != b.curDB {
		if b.dbSeen[db] {
			// Back to a database already begun: SELECTDB alone.
			b.enc.Byte(rdbOpSelectDB)
			b.enc.Len(uint64(db))
		} else {
			keys, expires := b.snap.Sizes(db)
			b.enc.SelectDB(db, uint64(keys), uint64(expires))
			b.dbSeen[db] = true
		}
		b.curDB = db
	}
	b.w.writeRDBEntry(e)
	b.keys++
}

// saveTick walks the next slice of the keyspace for the background save:
// a share of the time since the last slice while clients are served, a
// full slice when none were. It returns when to run again (0: the walk is
// over).
func (s *Server) saveTick() time.Duration {
	b := s.save.bg
	if b == nil || b.walked {
		return 0
	}
	queued, err := b.pipe.pending()
	if err != nil {
		// The writer failed: stop walking; it reports the error.
		b.snap.Close()
		b.walked = true
		b.pipe.close(false)
		return 0
	}
	now := s.clock.mono()
	if queued > saveQueueMax {
		b.lastEnd = now
		return time.Millisecond
	}
	if d := s.cfg.RDBKeySaveDelay; d > 0 {
		// rdb-key-save-delay (tests): one key per d microseconds.
		if b.snap.Step(1) {
			return s.endWalk(b)
		}
		return time.Duration(d) * time.Microsecond
	}
	busy := s.stats.commands != b.lastCmd
	budget := saveSliceMax
	if busy {
		// A share of the CPU time the loop thread spent serving since the
		// last slice: wall time would overcharge a loop that the machine
		// leaves waiting for a CPU.
		budget = min(max(time.Duration(float64(threadCPU()-b.lastCPU)*saveShare), saveSliceMin), saveSliceMax)
	}
	deadline := now + int64(budget)
	for !b.snap.Step(256) {
		if s.clock.mono() >= deadline {
			break
		}
	}
	if b.snap.Done() {
		return s.endWalk(b)
	}
	b.lastEnd, b.lastCPU, b.lastCmd = s.clock.mono(), threadCPU(), s.stats.commands
	if busy {
		return 500 * time.Microsecond
	}
	return time.Nanosecond // idle: keep the loop turning
}

// endWalk ends the file once the walk is complete; the writer finishes it.
func (s *Server) endWalk(b *bgSave) time.Duration {
	b.walked = true
	b.enc.Finish()
	b.pipe.close(false)
	return 0
}

// bgsaveWritten runs on the loop when the writer has finished: the file
// is in place, or the save failed or was aborted.
func (s *Server) bgsaveWritten(b *bgSave, err error) {
	if s.save.bg != b {
		return
	}
	s.save.bg = nil
	if b.snap != nil {
		b.snap.Close()
	}
	if b.timer != 0 {
		s.loop.CancelTimer(b.timer)
	}
	st := &s.save
	now := time.Now().Unix()
	st.lastSecs = now - b.started
	switch {
	case err == nil:
		s.logf(levelNotice, "DB saved on disk")
		s.logf(levelNotice, "Background saving terminated with success")
		s.stats.dirty -= st.dirtyBefore
		s.rdb.lastSave = now
		st.failed = false
	case errors.Is(err, errSaveAborted):
		// Killed on purpose (SHUTDOWN, FLUSHALL): not an error, as
		// Redis's SIGUSR1 to its child.
		s.logf(levelWarning, "Background saving terminated by signal 10")
	default:
		s.logf(levelWarning, "%v", err)
		s.logf(levelWarning, "Background saving error")
		st.failed = true
	}
}

// abortBgsave stops the background save in progress, if any, and removes
// its temporary file (Redis's killRDBChild). Unless quiet it logs the end
// as Redis does when it reaps the killed child.
func (s *Server) abortBgsave(quiet bool) {
	b := s.save.bg
	if b == nil {
		return
	}
	b.snap.Close()
	b.walked = true
	b.pipe.close(true)
	if quiet {
		s.save.bg = nil
		if b.timer != 0 {
			s.loop.CancelTimer(b.timer)
		}
		return
	}
	s.bgsaveWritten(b, errSaveAborted)
}

// flushallSave is what FLUSHALL does about the dump, as Redis's
// flushAllDataAndResetRDB: a background save in progress is stopped and,
// with save points, the (empty) dataset is saved at once.
func (s *Server) flushallSave() {
	s.abortBgsave(false)
	if len(s.cfg.SavePoints) > 0 && s.saveSync() == nil {
		// The file holds FLUSHALL's effect: its own change, which call
		// counts when it returns, is not one since the save (Redis 7.0
		// forces its propagation instead of counting it).
		s.stats.dirty = -1
	}
}

// shutdownSave does what Redis's prepareForShutdown does about the dump:
// it stops a background save, then saves if there are save points (and
// not nosave) or save asks for it. A failed save is an error unless force.
func (s *Server) shutdownSave(save, nosave, force bool) error {
	if s.save.bg != nil {
		s.logf(levelWarning, "There is a child saving an .rdb. Killing it!")
		s.abortBgsave(true)
	}
	if (len(s.cfg.SavePoints) > 0 && !nosave) || save {
		s.logf(levelNotice, "Saving the final RDB snapshot before exiting.")
		if err := s.saveSync(); err != nil {
			if !force {
				s.logf(levelWarning, "Error trying to save the DB, can't exit.")
				s.logf(levelWarning, "Errors trying to shut down the server. Check the logs for more information.")
				return err
			}
			s.logf(levelWarning, "Error trying to save the DB. Exit anyway.")
		}
	}
	return nil
}

// signalShutdownFlags returns what shutdown-on-sigterm (or -sigint) asks
// of a shutdown by signal sig: save, nosave, force.
func (s *Server) signalShutdownFlags(sig string) (save, nosave, force bool) {
	name := "shutdown-on-sigterm"
	if sig == "SIGINT" {
		name = "shutdown-on-sigint"
	}
	for _, w := range strings.Fields(s.cfg.other[name]) {
		switch w {
		case "save":
			save = true
		case "nosave":
			nosave = true
		case "force":
			force = true
		}
	}
	return save, nosave, force
}

// saveSync saves the dataset on the loop (rdb.go's saveRDB, Redis's
// rdbSave) and, once it succeeded, clears a background save's failure.
func (s *Server) saveSync() error {
	if err := s.saveRDB(); err != nil {
		return err
	}
	s.save.failed = false
	return nil
}

// runSaveCron starts the background saves the save points or BGSAVE
// inside MULTI ask for, as Redis's serverCron.
func (s *Server) runSaveCron() {
	st := &s.save
	if st.bg != nil || s.aof.rw.active != nil {
		return
	}
	now := time.Now().Unix()
	retryOK := !st.failed || now-st.lastTry > bgsaveRetryDelay
	if st.scheduled && retryOK {
		st.scheduled = false
		s.startBgsave()
		return
	}
	for _, sp := range s.cfg.SavePoints {
		if s.stats.dirty >= sp.Changes && now-s.rdb.lastSave > sp.Seconds && retryOK {
			s.logf(levelNotice, "%d changes in %d seconds. Saving...", sp.Changes, sp.Seconds)
			s.startBgsave()
			return
		}
	}
}

// writesDenied reports whether write commands must be refused because
// the last background save failed (stop-writes-on-bgsave-error).
func (s *Server) writesDenied() bool {
	return s.save.failed && len(s.cfg.SavePoints) > 0 && s.cfgYes("stop-writes-on-bgsave-error")
}

// bgsaveCommand is BGSAVE [SCHEDULE].
func bgsaveCommand(c *Ctx) {
	if len(c.argv) > 1 && (len(c.argv) > 2 || !isOpt(c.argv[1], "schedule")) {
		c.replyError(errSyntax)
		return
	}
	s := c.srv
	switch {
	case s.save.bg != nil:
		c.replyError(errSaveRunning)
	case s.aof.rw.active != nil: // an AOF rewrite (aof_rewrite.go)
		if len(c.argv) > 1 {
			s.save.scheduled = true
			c.replyStatus("Background saving scheduled")
			return
		}
		c.replyError(errBgsaveAOFActive)
	case c.denyBlocking:
		// Inside MULTI (Redis's in_exec): the cron starts it.
		s.save.scheduled = true
		c.replyStatus("Background saving scheduled")
	default:
		if err := s.startBgsave(); err != nil {
			c.replyError(errSaveFailed)
			return
		}
		c.replyStatus("Background saving started")
	}
}

// lastsaveCommand is LASTSAVE: the unix time of the last successful save.
func lastsaveCommand(c *Ctx) { c.replyInt(c.srv.rdb.lastSave) }

// infoPersistenceRDB adds the RDB fields of INFO persistence.
func (s *Server) infoPersistenceRDB(b *infoBuilder) {
	st := &s.save
	var processed, total int64
	inProgress, cur := "0", int64(-1)
	if st.bg != nil {
		inProgress = "1"
		cur = time.Now().Unix() - st.bg.started
		processed, total = st.bg.keys, st.bg.total
	}
	b.int("current_save_keys_processed", processed)
	b.int("current_save_keys_total", total)
	b.int("rdb_changes_since_last_save", s.stats.dirty)
	b.str("rdb_bgsave_in_progress", inProgress)
	b.int("rdb_last_save_time", s.rdb.lastSave)
	if st.failed {
		b.str("rdb_last_bgsave_status", "err")
	} else {
		b.str("rdb_last_bgsave_status", "ok")
	}
	b.int("rdb_last_bgsave_time_sec", st.lastSecs)
	b.int("rdb_current_bgsave_time_sec", cur)
	b.int("rdb_saves", s.rdb.saves)
}
