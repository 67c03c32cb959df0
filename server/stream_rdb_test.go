package server

import (
	"bytes"
	"encoding/binary"
	"testing"

	"github.com/kvdserver/kvd/internal/crc64"
	"github.com/kvdserver/kvd/internal/rdb"
	"github.com/kvdserver/kvd/store"
)

// Stream DUMP payloads written by redis-server 7.0.15 (without their
// footer): a stream with a deleted entry, a group, a pending entry and two
// consumers; and an empty stream made by XGROUP CREATE MKSTREAM.
var streamDumpSeeds = [][]byte{
	[]byte("\x13\x01\x10\x00\x00\x00\x00\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00\x01\x40\x46\x46\x00\x00\x00\x19\x00\x02\x01\x01\x01\x02\x01\x81\x66\x02\x84\x6e\x61\x6d\x65\x05\x00\x01\x02\x01\x00\x01\x00\x01\x01\x01\x81\x78\x02\x05\x01\x03\x01\x00\x01\x01\x01\x02\x01\x81\x79\x02\x05\x01\x00\x01\x01\x01\xdf\xff\x02\x01\x01\x85\x6f\x74\x68\x65\x72\x06\x05\x01\x06\x01\xff\x02\x02\x00\x01\x01\x01\x02\x03\x01\x01\x67\x01\x01\x81\xff\xff\xff\xff\xff\xff\xff\xff\x01\x00\x00\x00\x00\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00\x01\x64\x9c\x35\x51\xa2\x01\x00\x00\x01\x02\x01\x63\x64\x9c\x35\x51\xa2\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00\x01\x01\x64\x74\x9c\x35\x51\xa2\x01\x00\x00\x00"),
	[]byte("\x13\x00\x00\x00\x00\x00\x00\x00\x00\x00\x01\x01\x67\x00\x00\x81\xff\xff\xff\xff\xff\xff\xff\xff\x00\x00"),
}

// restoreStream decodes a DUMP value (footer added) into a stream, or
// returns nil if it is refused.
func restoreStream(t testing.TB, value []byte) *store.Stream {
	p := append(bytes.Clone(value), rdb.Version, 0)
	p = binary.LittleEndian.AppendUint64(p, crc64.Checksum(p))
	var v rdb.Value
	if err := rdb.DecodeDump(p, &v); err != nil || v.Len() == 0 {
		return nil
	}
	cfg := DefaultConfig()
	db := store.NewDB()
	if err := newRDBLoader(&cfg).store(db, []byte("k"), &v, -1, 0); err != nil {
		return nil
	}
	e, ok := db.Lookup([]byte("k"), 0)
	if !ok {
		t.Fatal("restored key missing")
	}
	return e.Stream()
}

func TestStreamRestoreSeeds(t *testing.T) {
	for i, seed := range streamDumpSeeds {
		s := restoreStream(t, seed)
		if s == nil {
			t.Fatalf("seed %d refused", i)
		}
		cfg := DefaultConfig()
		db := store.NewDB()
		db.AddStream([]byte("k"), s, 0)
		e, _ := db.Lookup([]byte("k"), 0)
		out := dumpPayload(e, &cfg)
		again := restoreStream(t, out[:len(out)-10])
		if again == nil || again.Len() != s.Len() || again.LastID != s.LastID || again.GroupCount() != s.GroupCount() {
			t.Fatalf("seed %d: kvd's payload does not restore the same stream", i)
		}
	}
}

// FuzzRestoreStream: arbitrary stream payloads (valid footer) restore or
// are refused, never crash, and what restores can be read and saved.
func FuzzRestoreStream(f *testing.F) {
	for _, s := range streamDumpSeeds {
		f.Add(s)
	}
	cfg := DefaultConfig()
	f.Fuzz(func(t *testing.T, value []byte) {
		s := restoreStream(t, value)
		if s == nil {
			return
		}
		s.Range(store.StreamID{}, store.MaxStreamID, true, func(store.StreamID, store.StreamFields) bool { return true })
		for _, name := range s.GroupNames() {
			s.Lag(s.Group([]byte(name)))
		}
		s.RaxNodes()
		db := store.NewDB()
		db.AddStream([]byte("k"), s, 0)
		e, _ := db.Lookup([]byte("k"), 0)
		_ = dumpPayload(e, &cfg)
	})
}
