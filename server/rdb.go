package server

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/kvdserver/kvd/internal/rdb"
	"github.com/kvdserver/kvd/store"
)

// RDB persistence: the serialisation of store values (shared by SAVE,
// BGSAVE and DUMP), the file's walk over every database, and loading a file
// into the databases (start-up, DEBUG RELOAD).

// rdbState is what the server remembers of saving and loading.
type rdbState struct {
	lastSave       int64 // unix seconds of the last successful save (start-up time before one)
	saves          int64 // successful saves since start-up
	lastLoadLoaded int64 // keys the last load added
	lastLoadExpire int64 // keys the last load skipped as expired
	lastLoadEnd    int64 // the offset where the last load's RDB ended (an AOF's preamble)
}

// rdbOptionsOf returns the encoder options cfg's rdbcompression and
// rdbchecksum give.
func rdbOptionsOf(cfg *Config) rdb.Options {
	comp, _ := cfg.Get("rdbcompression")
	sum, _ := cfg.Get("rdbchecksum")
	return rdb.Options{Compress: comp != "no", Checksum: sum != "no"}
}

// rdbWriter serialises store values into an Encoder; its scratch memory is
// reused from value to value.
type rdbWriter struct {
	enc     *rdb.Encoder
	lp      rdb.Listpack
	scratch []byte
	// A list is written as quicklist nodes of at most nodeBytes bytes
	// (list-max-listpack-size < 0) or nodeCount elements (> 0).
	nodeBytes int
	nodeCount int
}

// newRDBWriter returns a writer for enc with cfg's list node sizes.
func newRDBWriter(enc *rdb.Encoder, cfg *Config) *rdbWriter {
	w := &rdbWriter{enc: enc, nodeBytes: 8192}
	if v, ok := cfg.Get("list-max-listpack-size"); ok {
		if fill, err := strconv.Atoi(v); err == nil {
			switch {
			case fill > 0:
				w.nodeCount, w.nodeBytes = fill, 8192
			case fill >= -5:
				w.nodeBytes = 4096 << (-fill - 1)
			}
		}
	}
	return w
}

// writeRDBEntry writes one key of the keyspace: its expiry, type, name and
// value, in the encodings Redis 7.0 would use for the value as kvd holds
// it (listpack where kvd's value is compact, else hashtable, skiplist or
// intset; lists as quicklists of listpacks).
func (w *rdbWriter) writeRDBEntry(x store.Entry) error {
	w.writeValue(x, x.Key(), x.Deadline())
	return w.enc.Err()
}

// writeValue writes x under key (in a DUMP payload the key and deadline
// are not written).
func (w *rdbWriter) writeValue(x store.Entry, key []byte, deadline int64) {
	e := w.enc
	switch x.Type() {
	case store.TypeString:
		e.BeginEntry(rdb.TypeString, key, deadline)
		e.String(x.Str())
	case store.TypeList:
		e.BeginEntry(rdb.TypeListQuicklist2, key, deadline)
		w.writeList(x.List())
	case store.TypeHash:
		h := x.Hash()
		if h.Encoding() == "listpack" {
			e.BeginEntry(rdb.TypeHashListpack, key, deadline)
			w.lp.Reset()
			h.Range(func(f, v []byte) bool {
				w.lp.Append(f)
				w.lp.Append(v)
				return true
			})
			e.String(w.lp.Bytes())
			return
		}
		e.BeginEntry(rdb.TypeHash, key, deadline)
		e.Len(uint64(h.Len()))
		h.Range(func(f, v []byte) bool {
			e.String(f)
			e.String(v)
			return e.Err() == nil
		})
	case store.TypeSet:
		s := x.Set()
		if s.IsIntset() {
			e.BeginEntry(rdb.TypeSetIntset, key, deadline)
			w.scratch = s.AppendIntset(w.scratch[:0])
			e.String(w.scratch)
			return
		}
		e.BeginEntry(rdb.TypeSet, key, deadline)
		e.Len(uint64(s.Len()))
		s.Range(func(m []byte) bool {
			e.String(m)
			return e.Err() == nil
		})
	case store.TypeZSet:
		z := x.ZSet()
		if z.Encoding() == "listpack" {
			e.BeginEntry(rdb.TypeZSetListpack, key, deadline)
			w.lp.Reset()
			z.Ascend(0, func(m []byte, score float64) bool {
				w.lp.Append(m)
				w.scratch = w.lp.AppendFloat(score, w.scratch)
				return true
			})
			e.String(w.lp.Bytes())
			return
		}
		// Like Redis, from the highest score down, so that a loader
		// inserting at the head of a skip list never searches.
		e.BeginEntry(rdb.TypeZSet2, key, deadline)
		e.Len(uint64(z.Len()))
		z.Descend(z.Len()-1, func(m []byte, score float64) bool {
			e.String(m)
			e.Double(score)
			return e.Err() == nil
		})
	case store.TypeStream:
		w.writeStream(x.Stream(), key, deadline)
	default:
		panic("rdb: saving a value of type " + x.Type().String())
	}
}

// writeList writes a list as quicklist-2 nodes, each a listpack, split
// where Redis 7.0's RPUSH would split them: a node takes another element
// while its size plus the element's length plus 8 stays within the
// list-max-listpack-size limit. The number of nodes comes first, so a
// first pass counts them.
func (w *rdbWriter) writeList(l *store.List) {
	split := func(size, n, elemLen int) bool {
		if n == 0 {
			return false
		}
		newSize := size + elemLen + 8
		if w.nodeCount > 0 {
			return newSize > 8192 || n+1 > w.nodeCount
		}
		return newSize > w.nodeBytes
	}
	const emptySize = 7 // a listpack's header and terminator
	nodes, size, n := 0, 0, 0
	it := l.Iter(0, false)
	for v, ok := it.Next(); ok; v, ok = it.Next() {
		if n == 0 || split(size, n, len(v)) {
			nodes++
			size, n = emptySize, 0
		}
		size += rdb.LPEntrySize(v)
		n++
	}
	e := w.enc
	e.Len(uint64(nodes))
	w.lp.Reset()
	it = l.Iter(0, false)
	for v, ok := it.Next(); ok; v, ok = it.Next() {
		if split(w.lp.Size(), w.lp.Len(), len(v)) {
			e.Len(2) // a packed container
			e.String(w.lp.Bytes())
			w.lp.Reset()
		}
		w.lp.Append(v)
	}
	if w.lp.Len() > 0 {
		e.Len(2)
		e.String(w.lp.Bytes())
	}
}

// rdbAux returns the AUX fields Redis 7.0 writes in a file's header.
func (s *Server) rdbAux(now int64) []rdb.Aux {
	return []rdb.Aux{
		{Key: "redis-ver", Value: RedisVersion},
		{Key: "redis-bits", Value: strconv.Itoa(strconv.IntSize)},
		{Key: "ctime", Value: strconv.FormatInt(now/1000, 10)},
		{Key: "used-mem", Value: strconv.FormatUint(s.usedMemoryForRDB(), 10)},
		{Key: "aof-base", Value: "0"},
	}
}

// writeRDB writes every database to w as an RDB file. It runs on the loop.
func (s *Server) writeRDB(w io.Writer) error { return s.writeRDBWithAux(w, s.rdbAux) }

// writeRDBWithAux writes every database to w as an RDB file whose header
// has the AUX fields aux gives for the time (an RDB file's, or an AOF
// base's). It runs on the loop.
func (s *Server) writeRDBWithAux(w io.Writer, aux func(now int64) []rdb.Aux) error {
	enc := rdb.NewEncoder(w, rdbOptionsOf(&s.cfg))
	now := s.nowMs()
	if err := enc.WriteHeader(aux(now)); err != nil {
		return err
	}
	s.writeRDBFunctions(enc)
	rw := newRDBWriter(enc, &s.cfg)
	for i, db := range s.dbs {
		if db.Len() == 0 {
			continue
		}
		enc.SelectDB(i, uint64(db.Len()), uint64(db.ExpiresLen()))
		db.Ascend(now, func(x store.Entry) bool {
			return rw.writeRDBEntry(x) == nil
		})
		if err := enc.Err(); err != nil {
			return err
		}
	}
	return enc.Finish()
}

// writeRDBFunctions writes the function libraries after the header, as
// Redis 7.0 does: one FUNCTION2 opcode with the library's code each, in
// name order.
func (s *Server) writeRDBFunctions(enc *rdb.Encoder) {
	if s.scripts == nil || s.scripts.fns == nil {
		return
	}
	for _, code := range s.scripts.fns.codesByName() {
		enc.Byte(rdbOpFunction2)
		enc.String([]byte(code))
	}
}

// loadRDBFunction loads a function library found in an RDB file, as
// Redis's rdbFunctionLoad: a library that fails to load fails the load; one
// that exists already is replaced (DEBUG RELOAD with NOFLUSH).
func (s *Server) loadRDBFunction(code []byte) error {
	f := s.scriptEngine().functions()
	lib, msg := f.loadLibrary(string(code))
	if lib == nil {
		return fmt.Errorf("Failed loading library, %s", msg)
	}
	if msg := f.install([]*luaLibrary{lib}, true, true); msg != "" {
		return fmt.Errorf("Failed loading library, %s", msg)
	}
	return nil
}

// rdbPath returns the path of dir/dbfilename.
func (s *Server) rdbPath() string {
	dir, _ := s.cfg.Get("dir")
	name, _ := s.cfg.Get("dbfilename")
	return filepath.Join(dir, name)
}

// saveRDB writes the dataset to dir/dbfilename as Redis does: into a
// temporary file in the same directory, flushed to disk, then renamed over
// the old file and the directory synced, so that a crash never leaves a
// damaged dump behind. It runs on the loop.
func (s *Server) saveRDB() error {
	path := s.rdbPath()
	dir := filepath.Dir(path)
	tmp := filepath.Join(dir, fmt.Sprintf("temp-%d.rdb", os.Getpid()))
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		cwd, _ := os.Getwd()
		s.logf(levelWarning, "Failed opening the temp RDB file %s (in server root dir %s) for saving: %s", filepath.Base(tmp), cwd, strerror(unwrapPathError(err)))
		return err
	}
	err = s.writeRDB(f)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(tmp)
		s.logf(levelWarning, "Write error saving DB on disk: %s", strerror(unwrapPathError(errors.Unwrap(err))))
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		cwd, _ := os.Getwd()
		s.logf(levelWarning, "Error moving temp DB file %s on the final destination %s (in server root dir %s): %s", filepath.Base(tmp), filepath.Base(path), cwd, strerror(unwrapPathError(err)))
		os.Remove(tmp)
		return err
	}
	if d, err := os.Open(dir); err == nil {
		err = d.Sync()
		d.Close()
		if err != nil {
			s.logf(levelWarning, "Failed to fsync directory %s: %v", dir, err)
		}
	}
	s.logf(levelNotice, "DB saved on disk")
	s.stats.dirty = 0
	s.rdb.lastSave = time.Now().Unix()
	s.rdb.saves++
	return nil
}

// loadError is a load failure with the lines Redis logs for it.
type loadError struct {
	msg string // the log line
	err error
}

func (e *loadError) Error() string { return e.msg }
func (e *loadError) Unwrap() error { return e.err }

// loadRDB reads an RDB file into the databases. A key already present is
// an error (as in Redis), or with merge (DEBUG RELOAD MERGE) is replaced. Keys already expired at now are skipped, as a master does. It
// runs on the loop (or before it starts). On error the databases hold what
// was loaded before it.
//
// size is the file's size, or -1: with it, RESIZEDB hints size the tables
// up front (never for more keys than the file could hold).
func (s *Server) loadRDB(r io.Reader, size, now int64, merge bool) error {
	d := rdb.NewDecoder(r)
	d.OnResizeDB = func(db int, keys, _ uint64) {
		if db < len(s.dbs) && size > 0 {
			s.dbs[db].Reserve(int(min(keys, uint64(size)/3)))
		}
	}
	d.OnFunction = s.loadRDBFunction
	d.OnAux = func(k, v []byte) error {
		switch string(k) {
		case "redis-ver":
			s.logf(levelNotice, "Loading RDB produced by version %s", v)
		case "ctime":
			if t, err := strconv.ParseInt(string(v), 10, 64); err == nil {
				s.logf(levelNotice, "RDB age %d seconds", max(now/1000-t, 0))
			}
		case "aof-base":
			if string(v) == "1" {
				s.logf(levelNotice, "RDB is base AOF")
			}
		case "used-mem":
			if n, err := strconv.ParseInt(string(v), 10, 64); err == nil {
				s.logf(levelNotice, "RDB memory usage when created %.2f Mb", float64(n)/(1024*1024))
			}
		}
		return nil
	}
	if _, err := d.ReadHeader(); err != nil {
		return s.rdbLoadError(d, err)
	}
	l := newRDBLoader(&s.cfg)
	var e rdb.Entry
	var loaded, expired int64
	for {
		err := d.Next(&e)
		if err == io.EOF {
			break
		}
		if err != nil {
			return s.rdbLoadError(d, err)
		}
		if e.DB >= len(s.dbs) {
			return &loadError{msg: fmt.Sprintf("FATAL: Data file was created with a Redis server configured to handle more than %d databases. Exiting\n", len(s.dbs))}
		}
		if e.Value.Len() == 0 {
			continue // Redis skips empty keys ("empty keys skipped")
		}
		if e.Expire >= 0 && e.Expire < now {
			expired++
			continue
		}
		db := s.dbs[e.DB]
		if merge {
			db.Delete(e.Key, now)
		} else if db.Exists(e.Key, now) {
			return &loadError{msg: fmt.Sprintf("RDB has duplicated key '%s' in DB %d", e.Key, e.DB)}
		}
		if err := l.store(db, e.Key, &e.Value, e.Expire, now); err != nil {
			return &loadError{msg: fmt.Sprintf("Internal error in RDB reading offset %d, function at rdb.go -> %v", d.Offset(), err), err: err}
		}
		if e.Idle >= 0 {
			db.SetLRU(e.Key, store.LRUClock(now-e.Idle*1000))
		}
		loaded++
	}
	s.rdb.lastLoadLoaded, s.rdb.lastLoadExpire = loaded, expired
	s.rdb.lastLoadEnd = d.Offset()
	return nil
}

// rdbLoadError turns a decoder error into the lines Redis logs for it.
func (s *Server) rdbLoadError(d *rdb.Decoder, err error) error {
	var ce *rdb.CorruptError
	var ve *rdb.VersionError
	var ue *rdb.UnsupportedError
	var cs *rdb.ChecksumError
	const fatal = "Fatal error loading the DB: Invalid argument. Exiting."
	internal := func(reason string) string {
		return fmt.Sprintf("Internal error in RDB reading offset %d, function at rdb.go -> %s", d.Offset(), reason)
	}
	switch {
	case errors.Is(err, rdb.ErrSignature):
		return &loadError{msg: "Wrong signature trying to load DB from file\n" + fatal, err: err}
	case errors.As(err, &ve):
		return &loadError{msg: fmt.Sprintf("Can't handle RDB format version %d\n%s", ve.Version, fatal), err: err}
	case errors.As(err, &cs):
		return &loadError{msg: cs.Error() + "\n" + internal("RDB CRC error"), err: err}
	case errors.As(err, &ce):
		msg := internal(ce.Reason)
		if ce.Reason == "Unexpected EOF reading RDB file" {
			msg = "Short read or OOM loading DB. Unrecoverable error, aborting now.\n" + msg
		}
		return &loadError{msg: msg, err: err}
	case errors.As(err, &ue):
		return &loadError{msg: internal(ue.Reason), err: err}
	}
	return &loadError{msg: fmt.Sprintf("Fatal error loading the DB: %v. Exiting.", err), err: err}
}

// rdbLoader builds store values from decoded ones with the server's
// encoding thresholds.
type rdbLoader struct {
	hashLim   store.HashLimits
	zsetLim   store.ZLimits
	maxIntset int64

	streamMaxBytes, streamMaxEntries int64
}

func newRDBLoader(cfg *Config) *rdbLoader {
	return &rdbLoader{
		hashLim:   store.HashLimits{MaxListpackEntries: int64(cfg.HashMaxListpackEntries), MaxListpackValue: cfg.HashMaxListpackValue},
		zsetLim:   store.ZLimits{MaxEntries: int64(cfg.ZSetMaxListpackEntries), MaxValue: cfg.ZSetMaxListpackValue},
		maxIntset: cfg.SetMaxIntsetEntries,

		streamMaxBytes:   cfg.StreamNodeMaxBytes,
		streamMaxEntries: int64(cfg.StreamNodeMaxEntries),
	}
}

// errDuplicate is how loading reports a collection holding an element twice.
var errDuplicate = errors.New("duplicate elements detected")

// store puts v under key in db with the given deadline, in the encoding
// Redis would give it on loading. It fails on duplicate elements.
func (l *rdbLoader) store(db *store.DB, key []byte, v *rdb.Value, deadline, now int64) error {
	switch v.Kind {
	case rdb.KindString:
		db.SetString(key, v.Str, store.ClassifyString(v.Str), store.SetOptions{Deadline: deadline}, now)
		return nil
	case rdb.KindList:
		lst := store.NewList()
		for _, x := range v.Elems {
			lst.PushBack(x)
		}
		db.AddList(key, lst, now)
	case rdb.KindHash:
		h := store.NewHash()
		lim := l.hashLim
		if int64(v.Len()) > lim.MaxListpackEntries {
			lim.MaxListpackEntries = 0 // a hashtable from the first field, as Redis loads it
		} else {
			reserveListpack(h, v.Elems, lim)
		}
		for i := 0; i+1 < len(v.Elems); i += 2 {
			if !h.Set(v.Elems[i], v.Elems[i+1], lim) {
				return fmt.Errorf("Duplicate hash fields detected: %w", errDuplicate)
			}
		}
		db.AddHash(key, h, now)
	case rdb.KindSet:
		set := store.NewSet()
		maxIntset := l.maxIntset
		if int64(len(v.Elems)) > maxIntset {
			maxIntset = 0 // a hashtable from the first member, as Redis loads it
		}
		for _, m := range v.Elems {
			if !set.Add(m, maxIntset) {
				return fmt.Errorf("Duplicate set members detected: %w", errDuplicate)
			}
		}
		db.StoreSet(key, set, now)
	case rdb.KindZSet:
		maxLen := 0
		for _, m := range v.Elems {
			maxLen = max(maxLen, len(m))
		}
		z := store.NewZSetFor(len(v.Elems), maxLen, l.zsetLim)
		for i, m := range v.Elems {
			if res, _ := z.Add(m, v.Scores[i], 0, l.zsetLim); res&store.ZAddAdded == 0 {
				return fmt.Errorf("Duplicate zset fields detected: %w", errDuplicate)
			}
		}
		db.SetZSet(key, z, now)
	case rdb.KindStream:
		st, err := l.loadStream(v.Stream)
		if err != nil {
			return err
		}
		db.AddStream(key, st, now)
	default:
		return fmt.Errorf("unknown value kind %d", v.Kind)
	}
	if deadline >= 0 {
		db.SetDeadline(key, deadline, now)
	}
	return nil
}

// usedMemoryForRDB is the used-mem AUX field: used_memory as INFO reports it.
func (s *Server) usedMemoryForRDB() uint64 { return readMemory().objects }

// ErrLoad is returned by Serve when the RDB file at start-up cannot be
// loaded (the reason is logged, as Redis logs it before exiting).
var ErrLoad = errors.New("kvd: error loading the RDB file at start-up")

// loadAtStartup loads dir/dbfilename if it exists, before the loop runs.
func (s *Server) loadAtStartup() error {
	s.rdb.lastSave = s.startTime.Unix()
	if s.cfgString("appendonly") == "yes" {
		if err := s.loadAOFAtStartup(); err != nil { // aof_load.go: the AOF wins over the RDB
			return fmt.Errorf("%w: %v", ErrLoad, err)
		}
		return nil
	}
	if err := s.loadRDBFile(s.nowMs(), false); err != nil {
		return fmt.Errorf("%w: %v", ErrLoad, err)
	}
	return nil
}
