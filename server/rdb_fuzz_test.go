package server

import (
	"bytes"
	"encoding/binary"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/kvdserver/kvd/internal/crc64"
	"github.com/kvdserver/kvd/internal/rdb"
	"github.com/kvdserver/kvd/store"
)

// addRDBSeeds adds the RDB files of tests/testdata/rdb (written by
// redis-server 7.0.15, and hand-built with old encodings) as seeds.
func addRDBSeeds(f *testing.F) [][]byte {
	files, _ := filepath.Glob("../tests/testdata/rdb/*.rdb")
	if len(files) == 0 {
		f.Fatal("no seed files in tests/testdata/rdb")
	}
	var out [][]byte
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		out = append(out, b)
	}
	return out
}

// loadInto decodes an RDB file into fresh databases as start-up does,
// returning the first error.
func loadInto(data []byte) error {
	cfg := DefaultConfig()
	l := newRDBLoader(&cfg)
	d := rdb.NewDecoder(bytes.NewReader(data))
	if _, err := d.ReadHeader(); err != nil {
		return err
	}
	dbs := map[int]*store.DB{}
	var e rdb.Entry
	for i := 0; i < 100000; i++ {
		if err := d.Next(&e); err == io.EOF {
			return nil
		} else if err != nil {
			return err
		}
		db := dbs[e.DB]
		if db == nil {
			db = store.NewDB()
			dbs[e.DB] = db
		}
		if e.Value.Len() == 0 || db.Exists(e.Key, 0) {
			continue
		}
		if err := l.store(db, e.Key, &e.Value, e.Expire, 0); err != nil {
			return err
		}
	}
	return nil
}

// FuzzLoadRDB: no input crashes the loader or makes it allocate without
// bound; a file either loads or is refused.
func FuzzLoadRDB(f *testing.F) {
	for _, b := range addRDBSeeds(f) {
		if err := loadInto(b); err != nil {
			f.Fatalf("seed does not load: %v", err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) { _ = loadInto(data) })
}

// FuzzRestore: arbitrary values with a valid footer (so that the fuzzer
// gets past the checksum) restore or are refused, never crash.
func FuzzRestore(f *testing.F) {
	for _, v := range [][]byte{
		[]byte("\x00\x05hello"), []byte("\x12\x01\x02\x0b\x0b\x00\x00\x00\x01\x00\x81a\x02\xff"),
		[]byte("\x0b\x0c\x02\x00\x00\x00\x02\x00\x00\x00\x01\x00\x05\x00"), []byte("\x05\x01\x01a\x00\x00\x00\x00\x00\x00\xf0\x3f"),
		[]byte("\x04\x01\x01f\x01v"), []byte("\x10\x11\x11\x00\x00\x00\x02\x00\x81f\x02\x81v\x02\xff"),
	} {
		f.Add(v)
	}
	cfg := DefaultConfig()
	f.Fuzz(func(t *testing.T, value []byte) {
		p := append(bytes.Clone(value), rdb.Version, 0)
		p = binary.LittleEndian.AppendUint64(p, crc64.Checksum(p))
		if !rdb.VerifyDump(p) {
			t.Fatal("footer refused")
		}
		var v rdb.Value
		if err := rdb.DecodeDump(p, &v); err != nil || v.Len() == 0 {
			return
		}
		db := store.NewDB()
		if err := newRDBLoader(&cfg).store(db, []byte("k"), &v, -1, 0); err != nil {
			return
		}
		if !db.Exists([]byte("k"), 0) {
			t.Fatal("restored key missing")
		}
	})
}
