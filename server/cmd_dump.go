package server

import (
	"bytes"
	"os"
	"strconv"
	"strings"

	"github.com/kvdserver/kvd/internal/rdb"
	"github.com/kvdserver/kvd/store"
)

// DUMP and RESTORE (Redis's cluster.c), SAVE and DEBUG RELOAD (rdb.c,
// debug.c): values travel in RDB's serialisation (see rdb.go).

var dumpCommands = []*Command{
	{Name: "dump", Proc: dumpCommand},
	{Name: "restore", Proc: restoreCommand},
	{Name: "save", Proc: saveCommand},
}

// dumpPayload serialises x as DUMP does: type, value, RDB version and CRC-64.
func dumpPayload(x store.Entry, cfg *Config) []byte {
	var buf bytes.Buffer
	enc := rdb.NewDumpEncoder(&buf, rdbOptionsOf(cfg))
	newRDBWriter(enc, cfg).writeValue(x, nil, -1)
	enc.Finish()
	return buf.Bytes()
}

func dumpCommand(c *Ctx) {
	x, ok := c.lookupRead(c.argv[1])
	if !ok {
		c.replyNull()
		return
	}
	c.replyBulk(dumpPayload(x, c.cfg))
}

// restoreCommand is RESTORE key ttl payload [REPLACE] [ABSTTL] [IDLETIME
// seconds] [FREQ frequency], checking in Redis's order: options, an
// existing key, the TTL, the payload's footer, then the value.
func restoreCommand(c *Ctx) {
	argv := c.argv
	var replace, absttl bool
	idle, freq := int64(-1), int64(-1)
	for j := 4; j < len(argv); j++ {
		more := len(argv) - j - 1
		switch {
		case isOpt(argv[j], "replace"):
			replace = true
		case isOpt(argv[j], "absttl"):
			absttl = true
		case isOpt(argv[j], "idletime") && more >= 1 && freq == -1:
			v, ok := c.intArg(argv[j+1])
			if !ok {
				return
			}
			if v < 0 {
				c.replyError(errBadIdletime)
				return
			}
			idle = v
			j++
		case isOpt(argv[j], "freq") && more >= 1 && idle == -1:
			v, ok := c.intArg(argv[j+1])
			if !ok {
				return
			}
			if v < 0 || v > 255 {
				c.replyError(errBadFreq)
				return
			}
			freq = v
			j++
		default:
			c.replyError(errSyntax)
			return
		}
	}
	key := argv[1]
	if !replace {
		if _, exists := c.lookupWrite(key); exists {
			c.replyError(errBusyKey)
			return
		}
	}
	ttl, ok := c.intArg(argv[2])
	if !ok {
		return
	}
	if ttl < 0 {
		c.replyError(errBadTTL)
		return
	}
	payload := argv[3]
	if !c.srv.verifyDump(payload) {
		c.replyError(errDumpPayload)
		return
	}
	var v rdb.Value
	if err := rdb.DecodeDump(payload, &v); err != nil || v.Len() == 0 {
		c.replyError(errBadDataFormat)
		return
	}
	now := c.now
	// Check for duplicates and build the value in a scratch database, so
	// that a bad payload leaves the keyspace alone.
	scratch := store.NewDB()
	if err := newRDBLoader(c.cfg).store(scratch, key, &v, -1, now); err != nil {
		c.replyError(errBadDataFormat)
		return
	}
	deleted := false
	if replace {
		deleted = c.db.Delete(key, now)
	}
	if ttl != 0 && !absttl {
		ttl += now
	}
	if ttl != 0 && ttl <= now {
		// Already expired: nothing is created (a replaced key is gone).
		if deleted {
			c.touched(c.dbIndex, key)
			c.propagateDel(key)
			c.notify(notifyGeneric, "del", key)
		} else {
			c.noChange()
		}
		c.replyOK()
		return
	}
	deadline := int64(-1)
	if ttl != 0 {
		deadline = ttl
	}
	scratch.Rename(key, c.db, key, now)
	if deadline >= 0 {
		c.db.SetDeadline(key, deadline, now)
		if !absttl && c.propagating() {
			out := make([][]byte, 0, len(argv)+1)
			out = append(out, argv[0], key, strconv.AppendInt(nil, deadline, 10))
			out = append(out, argv[3:]...)
			out = append(out, []byte("ABSTTL"))
			c.propagate(out...)
		}
	}
	if idle >= 0 {
		c.db.SetLRU(key, store.LRUClock(now-idle*1000))
	}
	c.touched(c.dbIndex, key)
	c.srv.signalKey(c.dbIndex, key)
	c.notify(notifyGeneric, "restore", key)
	c.replyOK()
}

// saveCommand is SAVE: the dataset written to dir/dbfilename in the
// foreground.
func saveCommand(c *Ctx) {
	if c.srv.save.bg != nil {
		c.replyError(errSaveRunning)
		return
	}
	if err := c.srv.saveSync(); err != nil {
		c.replyError(errSaveFailed)
		return
	}
	c.replyOK()
}

// debugReload is DEBUG RELOAD [MERGE] [NOFLUSH] [NOSAVE]: save, flush
// and load the file back.
func debugReload(c *Ctx) {
	merge, flush, save := false, true, true
	for _, opt := range c.argv[2:] {
		switch {
		case isOpt(opt, "merge"):
			merge = true
		case isOpt(opt, "noflush"):
			flush = false
		case isOpt(opt, "nosave"):
			save = false
		default:
			c.replyError(errReloadOptions)
			return
		}
	}
	s := c.srv
	if save {
		if err := s.saveSync(); err != nil {
			c.replyError(errSaveFailed)
			return
		}
	}
	if flush {
		for i, db := range s.dbs {
			s.touchAllWatchedKeys(i, nil, c.now)
			db.FlushAndReseed() // the file holds the keys in this seed's hash order
		}
	}
	if err := s.loadRDBFile(c.now, merge); err != nil {
		c.replyError(errReloadFailed)
		return
	}
	s.logf(levelWarning, "DB reloaded by DEBUG RELOAD")
	c.touchedSelf = true
	c.replyOK()
}

// loadRDBFile loads dir/dbfilename, logging how it went as Redis does.
// A missing file is not an error (nothing is loaded).
func (s *Server) loadRDBFile(now int64, merge bool) error {
	f, err := os.Open(s.rdbPath())
	if err != nil {
		if os.IsNotExist(err) {
			return nil
		}
		s.logf(levelWarning, "Fatal error loading the DB: %s. Exiting.", strerror(unwrapPathError(err)))
		return err
	}
	defer f.Close()
	start := s.nowMs()
	size := int64(-1)
	if fi, err := f.Stat(); err == nil {
		size = fi.Size()
	}
	err = s.loadRDB(f, size, now, merge)
	if err != nil {
		for _, line := range strings.Split(err.Error(), "\n") {
			s.logf(levelWarning, "%s", line)
		}
		return err
	}
	s.logf(levelNotice, "Done loading RDB, keys loaded: %d, keys expired: %d.", s.rdb.lastLoadLoaded, s.rdb.lastLoadExpire)
	s.logf(levelNotice, "DB loaded from disk: %.3f seconds", float64(s.nowMs()-start)/1000)
	return nil
}
