package server

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/kvdserver/kvd/internal/rdb"
	"github.com/kvdserver/kvd/store"
)

// The append-only file. With appendonly yes every command of the
// propagation stream (propagate.go) is appended, as RESP, to a buffer;
// before the loop sleeps, and so before the replies of that iteration go
// out, the buffer is written to the current incremental file of the AOF
// directory (aof_manifest.go). appendfsync says when it is made durable:
//
//   - always: fsynced there too, on the loop, before any reply of the
//     iteration is written: one fsync covers every client of the iteration
//     (group commit);
//   - everysec: fsynced off the loop, at most once a second. While such an
//     fsync is still running, the write is postponed (a write to a file
//     being fsynced can block), for up to two seconds, after which it is
//     done anyway and counted in aof_delayed_fsync, as Redis does;
//   - no: left to the operating system.
//
// A failed write makes the server refuse writes (-MISCONF) until a write
// succeeds again (retried by the cron); with appendfsync always, where an
// acknowledgement promises durability, the server stops instead, as Redis
// exits.

// AOF fsync policies (appendfsync).
const (
	aofFsyncEverysec = iota
	aofFsyncAlways
	aofFsyncNo
)

// aofState is the append-only file's bookkeeping, touched on the loop
// except where noted.
type aofState struct {
	on          bool   // appending (Redis's AOF_ON)
	waitRewrite bool   // CONFIG SET appendonly yes: on once the first rewrite is done (AOF_WAIT_REWRITE)
	dir         string // dir/appenddirname
	prefix      string // appendfilename
	man         *aofManifest
	f           *os.File // the incremental file being appended to
	feed        propFeed
	fsync       int  // appendfsync
	timestamps  bool // aof-timestamp-enabled
	lastTS      int64

	curSize       int64 // aof_current_size: base plus incremental files
	baseSize      int64 // aof_base_size: the size after the last rewrite (or at start-up)
	lastFsyncSize int64 // curSize at the last fsync (or its request)
	lastFsync     int64 // unix seconds of the last fsync request (everysec)
	postponed     int64 // unix seconds since a write waits for an fsync, or 0
	delayedFsync  int64 // aof_delayed_fsync

	writeErr     error // the last write's error (aof_last_write_status err), or nil
	lastErrLog   int64
	fsyncRunning atomic.Bool // an everysec fsync runs beside the loop
	fsyncErr     atomic.Pointer[error]

	rw        aofRewriteState // aof_rewrite.go
	consuming bool            // aofConsume is a consumer of the propagation stream
	loaded    bool            // files were loaded at start-up
}

// aofInit reads the AOF parameters at start-up.
func (s *Server) aofInit() {
	a := &s.aof
	a.feed.db = -1
	a.dir = filepath.Join(s.cfgString("dir"), s.cfgString("appenddirname"))
	a.prefix = s.cfgString("appendfilename")
	s.aofApplyParams()
}

// aofApplyParams caches the parameters the request path reads.
func (s *Server) aofApplyParams() error {
	a := &s.aof
	switch s.cfgString("appendfsync") {
	case "always":
		a.fsync = aofFsyncAlways
	case "no":
		a.fsync = aofFsyncNo
	default:
		a.fsync = aofFsyncEverysec
	}
	a.timestamps = s.cfgString("aof-timestamp-enabled") == "yes"
	return nil
}

// cfgString returns the value of name, one of the generated parameters
// (configdata_gen.go), as CONFIG GET shows it. Like cfgYes it reads the
// value directly: Config.Get would make an initialisation cycle.
func (s *Server) cfgString(name string) string {
	if v, ok := s.cfg.other[name]; ok {
		return v
	}
	if name == "dir" {
		wd, _ := os.Getwd()
		return wd
	}
	for i := range redisParams {
		if redisParams[i].name == name {
			return redisParams[i].def
		}
	}
	return ""
}

// aofHooks are the effects of the AOF's parameters, called through an
// interface: a direct reference from the params table would make an
// initialisation cycle (they read the configuration through Config.Get).
type aofHooks interface {
	applyAppendonly() error
	aofApplyParams() error
	aofRewriteCron()
}

// aofParam is the generated parameter name with apply as its effect.
func aofParam(name string, apply func(aofHooks) error) param {
	for i := range redisParams {
		if redisParams[i].name == name {
			return withApply(redisParams[i].param(), func(s *Server) error { return apply(s) })
		}
	}
	panic("aof: no parameter " + name)
}

// manifestName is the manifest's file name.
func (a *aofState) manifestName() string { return a.prefix + aofManifestSuffix }

// path returns the path of a file of the AOF directory.
func (a *aofState) path(name string) string { return filepath.Join(a.dir, name) }

// aofConsume is the AOF's consumer of the propagation stream.
func (s *Server) aofConsume(db int, argv [][]byte) {
	a := &s.aof
	if !a.on && (!a.waitRewrite || a.rw.active == nil) {
		// Off, or being turned on but its rewrite not begun yet: the
		// rewrite's base will hold this.
		return
	}
	if a.timestamps {
		if now := time.Now().Unix(); now != a.lastTS {
			a.feed.buf = append(a.feed.buf, "#TS:"...)
			a.feed.buf = strconv.AppendInt(a.feed.buf, now, 10)
			a.feed.buf = append(a.feed.buf, '\r', '\n')
			a.lastTS = now
		}
	}
	a.feed.append(db, argv)
}

// aofOpenAtStartup opens the AOF for appending after loading, as Redis's
// aofOpenIfNeededOnServerStart: the directory is created, a base written
// if there is none, and the last incremental file opened (or created).
func (s *Server) aofOpenAtStartup() error {
	a := &s.aof
	if err := os.MkdirAll(a.dir, 0o755); err != nil {
		s.logf(levelWarning, "Can't open or create append-only dir %s: %s", a.dir, strerror(unwrapPathError(err)))
		return err
	}
	dirty := false
	if a.man.base == nil && len(a.man.incr) == 0 {
		name := a.man.newBase(a.prefix, s.cfgString("aof-use-rdb-preamble") == "yes")
		if err := s.writeAOFBaseSync(a.path(name)); err != nil {
			s.logf(levelWarning, "%v", err)
			return err
		}
		s.logf(levelNotice, "Creating AOF base file %s on server start", name)
		dirty = true
	}
	if inc := a.man.lastIncr(); inc != nil {
		f, err := os.OpenFile(a.path(inc.name), os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
		if err != nil {
			s.logf(levelWarning, "Can't open the append-only file %s: %s", inc.name, strerror(unwrapPathError(err)))
			return err
		}
		a.f = f
		s.logf(levelNotice, "Opening AOF incr file %s on server start", inc.name)
	} else {
		name := a.man.newIncr(a.prefix)
		f, err := os.OpenFile(a.path(name), os.O_WRONLY|os.O_APPEND|os.O_CREATE|os.O_TRUNC, 0o644)
		if err != nil {
			s.logf(levelWarning, "Can't open the append-only file %s: %s", name, strerror(unwrapPathError(err)))
			return err
		}
		a.f = f
		s.logf(levelNotice, "Creating AOF incr file %s on server start", name)
		dirty = true
	}
	if dirty {
		if err := writeAOFManifest(a.dir, a.manifestName(), a.man); err != nil {
			s.logf(levelWarning, "%v", err)
			return err
		}
	}
	if a.loaded {
		// Like Redis: the sizes count from the files loaded, or from 0.
		a.curSize = s.aofFilesSize()
		a.baseSize = a.curSize
	}
	a.lastFsyncSize = a.curSize
	s.aofDeleteHistory()
	a.on = true
	a.consuming = true
	s.addPropConsumer(s.aofConsume)
	return nil
}

// aofFilesSize returns the size of the base and incremental files.
func (s *Server) aofFilesSize() int64 {
	a := &s.aof
	var n int64
	add := func(name string) {
		if fi, err := os.Stat(a.path(name)); err == nil {
			n += fi.Size()
		}
	}
	if a.man.base != nil {
		add(a.man.base.name)
	}
	for _, i := range a.man.incr {
		add(i.name)
	}
	return n
}

// aofDeleteHistory removes the history files and writes the manifest
// without them, as Redis's aofDelHistoryFiles.
func (s *Server) aofDeleteHistory() {
	a := &s.aof
	if len(a.man.history) == 0 {
		return
	}
	for _, h := range a.man.history {
		s.logf(levelNotice, "Removing the history file %s in the background", h.name)
		os.Remove(a.path(h.name))
	}
	a.man.history = nil
	if err := writeAOFManifest(a.dir, a.manifestName(), a.man); err != nil {
		s.logf(levelWarning, "%v", err)
	}
}

// writeAOFBaseSync writes the dataset as a base file at path, on the loop
// (start-up): an RDB with aof-base 1, or commands.
func (s *Server) writeAOFBaseSync(path string) error {
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return fmt.Errorf("Opening the temp file for AOF rewrite in rewriteAppendOnlyFile(): %s", strerror(unwrapPathError(err)))
	}
	if filepath.Ext(path) == aofRDBExt {
		err = s.writeAOFBaseRDB(f)
	} else {
		err = s.writeAOFBaseCommands(f)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("Write error writing append only file on disk: %s", strerror(unwrapPathError(errors.Unwrap(err))))
	}
	return syncDir(filepath.Dir(path))
}

// aofAux returns the AUX fields of an AOF base: those of an RDB file with
// aof-base 1.
func (s *Server) aofAux(now int64) []rdb.Aux {
	aux := s.rdbAux(now)
	for i := range aux {
		if aux[i].Key == "aof-base" {
			aux[i].Value = "1"
		}
	}
	return aux
}

// writeAOFBaseRDB writes every database as an RDB base.
func (s *Server) writeAOFBaseRDB(f *os.File) error { return s.writeRDBWithAux(f, s.aofAux) }

// writeAOFBaseCommands writes every database as commands (an AOF base
// with aof-use-rdb-preamble no).
func (s *Server) writeAOFBaseCommands(f *os.File) error {
	w := newAOFCmdWriter(f)
	s.writeAOFFunctions(w)
	now := s.nowMs()
	for i, db := range s.dbs {
		if db.Len() == 0 {
			continue
		}
		db.Ascend(now, func(x store.Entry) bool {
			w.entry(i, x)
			return w.err == nil
		})
	}
	return w.flush()
}

// aofBeforeSleep writes (and with appendfsync always, fsyncs) what the
// iteration appended, before its replies are written.
func (s *Server) aofBeforeSleep() {
	if s.aof.f != nil {
		s.aofFlush(false)
	}
}

// aofFlush writes the buffer to the incremental file and fsyncs it as
// appendfsync says, as Redis's flushAppendOnlyFile; force writes even
// while an everysec fsync is running.
func (s *Server) aofFlush(force bool) {
	a := &s.aof
	if a.f == nil {
		return
	}
	if e := a.fsyncErr.Swap(nil); e != nil {
		s.logf(levelWarning, "Error trying to fsync the AOF file: %s", strerror(unwrapPathError(*e)))
		a.writeErr = *e
	}
	now := time.Now().Unix()
	if len(a.feed.buf) == 0 {
		// An everysec fsync may be due for what was written before.
		if a.fsync == aofFsyncEverysec && a.lastFsyncSize != a.curSize && now > a.lastFsync && !a.fsyncRunning.Load() {
			s.aofFsyncBackground(now)
		}
		return
	}
	if a.fsync == aofFsyncEverysec && !force && a.fsyncRunning.Load() {
		if a.postponed == 0 {
			a.postponed = now
			return
		}
		if now-a.postponed < 2 {
			return
		}
		a.delayedFsync++
		s.logf(levelNotice, "Asynchronous AOF fsync is taking too long (disk is busy?). Writing the AOF buffer without waiting for fsync to complete, this may slow down Redis.")
	}
	a.postponed = 0
	pending, wstart := a.fsyncRunning.Load(), s.latencyStart()
	n, err := a.write(a.feed.buf)
	if !wstart.IsZero() {
		// Like Redis: the write with an fsync pending or alone (kvd's
		// saves and rewrites have no child process), and every write.
		if pending {
			s.latencyEnd("aof-write-pending-fsync", wstart)
		} else {
			s.latencyEnd("aof-write-alone", wstart)
		}
		s.latencyEnd("aof-write", wstart)
	}
	if err != nil || n != len(a.feed.buf) {
		s.aofWriteFailed(n, err, now)
		return
	}
	a.curSize += int64(n)
	if len(a.feed.buf) > 64<<10 {
		a.feed.buf = nil // a burst's buffer is not kept
	} else {
		a.feed.buf = a.feed.buf[:0]
	}
	if a.writeErr != nil {
		s.logf(levelWarning, "AOF write error looks solved, Redis can write again.")
		a.writeErr = nil
	}
	if a.rw.active != nil && s.cfgString("no-appendfsync-on-rewrite") == "yes" {
		return
	}
	switch a.fsync {
	case aofFsyncAlways:
		fstart := s.latencyStart()
		err := fdatasync(a.f)
		s.latencyEnd("aof-fsync-always", fstart)
		if err != nil {
			s.logf(levelWarning, "Can't persist AOF for fsync error when the AOF fsync policy is 'always': %s. Exiting...", strerror(unwrapPathError(err)))
			s.aofFatal(err)
			return
		}
		a.lastFsyncSize, a.lastFsync = a.curSize, now
	case aofFsyncEverysec:
		if now > a.lastFsync && !a.fsyncRunning.Load() {
			s.aofFsyncBackground(now)
		}
	}
}

// write writes b to the incremental file.
func (a *aofState) write(b []byte) (int, error) {
	n, err := a.f.Write(b)
	return n, err
}

// aofWriteFailed handles a failed or short write as Redis does: the
// partial record is cut off again if possible, the error remembered (and
// writes refused) until a write succeeds; with appendfsync always the
// server stops.
func (s *Server) aofWriteFailed(n int, err error, now int64) {
	a := &s.aof
	logNow := now-a.lastErrLog > 30
	if err == nil {
		err = fmt.Errorf("short write: %w", errNoSpace)
		if logNow {
			s.logf(levelWarning, "Short write while writing to the AOF file: (nwritten=%d, expected=%d)", n, len(a.feed.buf))
		}
	} else if logNow {
		s.logf(levelWarning, "Error writing to the AOF file: %s", strerror(unwrapPathError(err)))
	}
	if logNow {
		a.lastErrLog = now
	}
	if n > 0 {
		if terr := a.f.Truncate(a.curSize); terr != nil {
			// The partial record stays: the rest of the buffer follows it.
			if logNow {
				s.logf(levelWarning, "Could not remove short write from the append-only file.  Redis may refuse to load the AOF the next time it starts.  ftruncate: %s", strerror(unwrapPathError(terr)))
			}
			a.curSize += int64(n)
			a.feed.buf = a.feed.buf[:copy(a.feed.buf, a.feed.buf[n:])]
		}
	}
	if a.fsync == aofFsyncAlways {
		s.logf(levelWarning, "Can't recover from AOF write error when the AOF fsync policy is 'always'. Exiting...")
		s.aofFatal(err)
		return
	}
	a.writeErr = unwrapPathError(err)
}

// errNoSpace is the error of a short write (Redis reports ENOSPC).
var errNoSpace = errors.New("no space left on device")

// aofFsyncBackground fsyncs the incremental file beside the loop.
func (s *Server) aofFsyncBackground(now int64) {
	a := &s.aof
	a.lastFsync, a.lastFsyncSize = now, a.curSize
	a.fsyncRunning.Store(true)
	f := a.f
	go func() {
		if err := fdatasync(f); err != nil && !errors.Is(err, os.ErrClosed) {
			a.fsyncErr.Store(&err)
		}
		a.fsyncRunning.Store(false)
	}()
}

// aofFatal stops the server after an AOF error that breaks appendfsync
// always's promise: no reply of this iteration may go out.
func (s *Server) aofFatal(err error) {
	s.aofFatalErr = fmt.Errorf("kvd: AOF: %w", err)
	for _, c := range s.clientList() {
		c.close()
	}
	s.loop.Stop()
}

// aofDeniesWrites reports whether writes are refused because the AOF
// cannot be written, and the error to answer.
func (s *Server) aofDeniesWrites() bool { return s.aof.writeErr != nil && s.aof.on }

// aofMisconf is the error of a write refused by aofDeniesWrites.
func (s *Server) aofMisconf() string {
	return errAOFMisconf(strerror(s.aof.writeErr))
}

// aofCron retries a failed write, and a postponed one, as Redis's
// serverCron does; it starts the rewrites that are due.
func (s *Server) aofCron() {
	a := &s.aof
	if a.f != nil && (a.writeErr != nil || a.postponed != 0 || len(a.feed.buf) > 0) {
		s.aofFlush(false)
	}
	aofHooks(s).aofRewriteCron() // through the interface: see aofHooks
}

// aofShutdown writes and fsyncs what is buffered before the server stops,
// as Redis's prepareForShutdown ("Calling fsync() on the AOF file.").
func (s *Server) aofShutdown() {
	a := &s.aof
	if a.f == nil {
		return
	}
	if a.rw.active != nil {
		s.logf(levelWarning, "There is a child rewriting the AOF. Killing it!")
		s.logf(levelNotice, "Killing running AOF rewrite child: %d", os.Getpid())
		s.aofAbortRewriteQuiet()
	}
	if a.on {
		s.aofFlush(true)
		s.logf(levelNotice, "Calling fsync() on the AOF file.")
		fdatasync(a.f)
	}
}

// aofClose closes the file (the server has stopped).
func (s *Server) aofClose() {
	if s.aof.f != nil {
		s.aof.f.Close()
		s.aof.f = nil
	}
}

// infoPersistenceAOFState adds the aof_* fields INFO persistence always
// has.
func (s *Server) infoPersistenceAOFState(b *infoBuilder) {
	a := &s.aof
	b.str("aof_enabled", boolDigit(a.on || a.waitRewrite))
	b.str("aof_rewrite_in_progress", boolDigit(a.rw.active != nil))
	b.str("aof_rewrite_scheduled", boolDigit(a.rw.scheduled))
	if a.rw.rewrites == 0 && !a.rw.failed {
		b.str("aof_last_rewrite_time_sec", "-1")
	} else {
		b.int("aof_last_rewrite_time_sec", a.rw.lastSecs)
	}
	if r := a.rw.active; r != nil {
		b.int("aof_current_rewrite_time_sec", int64(time.Since(r.started)/time.Second))
	} else {
		b.str("aof_current_rewrite_time_sec", "-1")
	}
	b.str("aof_last_bgrewrite_status", okErr(!a.rw.failed))
	b.int("aof_rewrites", a.rw.rewrites)
	b.int("aof_rewrites_consecutive_failures", a.rw.consecutive)
	b.str("aof_last_write_status", okErr(a.writeErr == nil))
	b.str("aof_last_cow_size", "0")
}

func boolDigit(v bool) string {
	if v {
		return "1"
	}
	return "0"
}

func okErr(ok bool) string {
	if ok {
		return "ok"
	}
	return "err"
}

// infoPersistenceAOF adds the AOF fields of INFO persistence that come
// after aof_last_cow_size only while the AOF is on.
func (s *Server) infoPersistenceAOF(b *infoBuilder) {
	a := &s.aof
	if !a.on && !a.waitRewrite {
		return
	}
	b.int("aof_current_size", a.curSize)
	b.int("aof_base_size", a.baseSize)
	b.str("aof_pending_rewrite", boolDigit(a.rw.scheduled))
	b.int("aof_buffer_length", int64(len(a.feed.buf)))
	b.str("aof_pending_bio_fsync", boolDigit(a.fsyncRunning.Load()))
	b.int("aof_delayed_fsync", a.delayedFsync)
}
