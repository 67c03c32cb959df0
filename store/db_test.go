package store

import (
	"bytes"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
	"unsafe"
)

// set stores a string value with ClassifyString's encoding.
func set(db *DB, key, val string, deadline, now int64) {
	db.SetString([]byte(key), []byte(val), ClassifyString([]byte(val)), SetOptions{Deadline: deadline}, now)
}

func TestLookup(t *testing.T) {
	db := NewDB()
	set(db, "a", "1", -1, 1000)
	set(db, "b", "hello", 5000, 1000)
	tests := []struct {
		key     string
		flags   LookupFlags
		found   bool
		val     string
		hits    int64
		misses  int64
		lruFrom int64 // the time whose LRU clock the key must have afterwards
	}{
		{key: "a", found: true, val: "1", hits: 1, lruFrom: 9000},
		{key: "b", found: true, val: "hello", hits: 1, lruFrom: 9000},
		{key: "nokey", misses: 1},
		{key: "a", flags: NoStats, found: true, val: "1", lruFrom: 9000},
		{key: "nokey", flags: NoStats},
		{key: "a", flags: NoTouch, found: true, val: "1", hits: 1, lruFrom: 1000},
		{key: "a", flags: NoTouch | NoStats, found: true, val: "1", lruFrom: 1000},
	}
	for _, tt := range tests {
		db := NewDB()
		set(db, "a", "1", -1, 1000)
		set(db, "b", "hello", 50000, 1000)
		e, found := db.LookupWith([]byte(tt.key), 9000, tt.flags)
		if found != tt.found {
			t.Errorf("%s flags %d: found %v, want %v", tt.key, tt.flags, found, tt.found)
			continue
		}
		if db.Stats.Hits != tt.hits || db.Stats.Misses != tt.misses {
			t.Errorf("%s flags %d: hits/misses %d/%d, want %d/%d", tt.key, tt.flags, db.Stats.Hits, db.Stats.Misses, tt.hits, tt.misses)
		}
		if !found {
			continue
		}
		if string(e.Str()) != tt.val || string(e.Key()) != tt.key || e.Type() != TypeString {
			t.Errorf("%s: got key %q value %q type %v", tt.key, e.Key(), e.Str(), e.Type())
		}
		if p, _ := db.LookupWith([]byte(tt.key), 9000, NoTouch); p.LRU() != LRUClock(tt.lruFrom) {
			t.Errorf("%s flags %d: LRU %d, want %d", tt.key, tt.flags, p.LRU(), LRUClock(tt.lruFrom))
		}
	}
	if !db.Exists([]byte("a"), 1000) || db.Exists([]byte("nokey"), 1000) {
		t.Error("Exists is wrong")
	}
	if db.Stats.Hits != 0 || db.Stats.Misses != 0 {
		t.Errorf("Exists counted hits/misses: %+v", db.Stats)
	}
}

func TestLazyExpiry(t *testing.T) {
	tests := []struct {
		name   string
		lookup func(db *DB, key []byte, now int64) bool
	}{
		{"Lookup", func(db *DB, key []byte, now int64) bool { _, ok := db.Lookup(key, now); return ok }},
		{"NoTouch", func(db *DB, key []byte, now int64) bool { _, ok := db.LookupWith(key, now, NoTouch); return ok }},
		{"Exists", (*DB).Exists},
		{"Deadline", func(db *DB, key []byte, now int64) bool { return db.Deadline(key, now) != -2 }},
		{"SetDeadline", func(db *DB, key []byte, now int64) bool { return db.SetDeadline(key, now+100, now) }},
		{"Delete", (*DB).Delete},
	}
	for _, tt := range tests {
		db := NewDB()
		set(db, "k", "v", 1000, 0)
		set(db, "p", "v", -1, 0)
		if tt.name != "Delete" && tt.name != "SetDeadline" && !tt.lookup(db, []byte("k"), 999) {
			t.Errorf("%s: key missing before its deadline", tt.name)
		}
		if tt.lookup(db, []byte("k"), 1000) {
			t.Errorf("%s: key found at its deadline", tt.name)
		}
		if db.Len() != 1 || db.ExpiresLen() != 0 || db.Stats.ExpiredKeys != 1 {
			t.Errorf("%s: after expiry Len %d ExpiresLen %d ExpiredKeys %d, want 1 0 1", tt.name, db.Len(), db.ExpiresLen(), db.Stats.ExpiredKeys)
		}
	}
}

func TestExpireCycle(t *testing.T) {
	db := NewDB()
	for i := 0; i < 100; i++ {
		set(db, "e"+strconv.Itoa(i), "v", int64(1000+i), 0)
	}
	for i := 0; i < 10; i++ {
		set(db, "later"+strconv.Itoa(i), "v", 1_000_000, 0)
		set(db, "p"+strconv.Itoa(i), "v", -1, 0)
	}
	// A zero budget stops after the first batch of deletions.
	n, timedOut := db.ExpireCycle(2000, 0)
	if n != 16 || !timedOut {
		t.Fatalf("ExpireCycle with no budget: deleted %d, timedOut %v; want 16, true", n, timedOut)
	}
	// Earliest deadlines go first.
	if db.Exists([]byte("e15"), 1000) || !db.Exists([]byte("e16"), 1000) {
		t.Error("ExpireCycle did not delete the earliest deadlines first")
	}
	n, timedOut = db.ExpireCycle(1049, 1<<40)
	if n != 34 || timedOut {
		t.Fatalf("ExpireCycle up to 1049: deleted %d, timedOut %v; want 34, false", n, timedOut)
	}
	n, _ = db.ExpireCycle(2000, 1<<40)
	if n != 50 {
		t.Fatalf("ExpireCycle: deleted %d, want 50", n)
	}
	if db.Len() != 20 || db.ExpiresLen() != 10 || db.Stats.ExpiredKeys != 100 {
		t.Errorf("after the cycles: Len %d ExpiresLen %d ExpiredKeys %d; want 20 10 100", db.Len(), db.ExpiresLen(), db.Stats.ExpiredKeys)
	}
	// A deadline changed after being set is honoured, not the old one.
	db.SetDeadline([]byte("later0"), 3000, 0)
	db.Persist([]byte("later1"), 0)
	if n, _ := db.ExpireCycle(5000, 1<<40); n != 1 || db.Exists([]byte("later0"), 0) || !db.Exists([]byte("later1"), 0) {
		t.Errorf("ExpireCycle after SetDeadline/Persist deleted %d", n)
	}
}

func TestExpireIfNeeded(t *testing.T) {
	db := NewDB()
	set(db, "e", "v", 100, 0)
	set(db, "l", "v", 1000, 0)
	set(db, "p", "v", -1, 0)
	for _, tt := range []struct {
		key  string
		want bool
	}{{"e", true}, {"e", false}, {"l", false}, {"p", false}, {"nokey", false}} {
		if got := db.ExpireIfNeeded([]byte(tt.key), 500); got != tt.want {
			t.Errorf("ExpireIfNeeded(%s) = %v, want %v", tt.key, got, tt.want)
		}
	}
	if db.Len() != 2 || db.Stats.ExpiredKeys != 1 {
		t.Errorf("Len %d ExpiredKeys %d, want 2 1", db.Len(), db.Stats.ExpiredKeys)
	}
}

// scanAll runs a full Scan iteration, calling between after each call.
func scanAll(db *DB, count int, now int64, between func(call int)) map[string]int {
	seen := map[string]int{}
	cursor := uint64(0)
	for call := 0; ; call++ {
		cursor = db.Scan(cursor, count, now, func(e Entry) { seen[string(e.Key())]++ })
		if cursor == 0 {
			return seen
		}
		between(call)
	}
}

func TestScanGuarantee(t *testing.T) {
	for _, count := range []int{1, 3, 10, 1000} {
		db := NewDB()
		const stable, churn = 300, 300
		for i := 0; i < stable; i++ {
			set(db, "stable:"+strconv.Itoa(i), "v", -1, 0)
		}
		for i := 0; i < churn; i++ {
			set(db, "tmp:"+strconv.Itoa(i), "v", -1, 0)
		}
		added, removed := 0, 0
		seen := scanAll(db, count, 0, func(call int) {
			for j := 0; j < 2; j++ {
				set(db, "new:"+strconv.Itoa(added), "v", -1, 0)
				added++
			}
			if removed < churn {
				db.Delete([]byte("tmp:"+strconv.Itoa(removed)), 0)
				removed++
			}
			db.Rename([]byte("stable:0"), db, []byte("stable:0"), 0)
		})
		for i := 0; i < stable; i++ {
			if k := "stable:" + strconv.Itoa(i); seen[k] != 1 {
				t.Errorf("count %d: %s seen %d times", count, k, seen[k])
			}
		}
		for k, n := range seen {
			if n != 1 {
				t.Errorf("count %d: %s seen %d times", count, k, n)
			}
		}
	}
}

// TestScanCursorRange checks that every cursor Scan returns is below 2^63
// (clients parse cursors as signed 64-bit integers too) and that resuming
// from each visits every key, with the seeded hash and with hashes forced
// into the top half of the 64-bit range; and that a cursor of 2^63 or
// more, which Scan never returns, ends the iteration.
func TestScanCursorRange(t *testing.T) {
	tests := []struct {
		name string
		hash func([]byte) uint64
	}{
		{"seeded", nil},
		{"top half", func(k []byte) uint64 { return 1<<63 | uint64(len(k))<<40 | uint64(k[len(k)-1]) }},
		{"top", func(k []byte) uint64 { return ^uint64(len(k) % 5) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db := NewDB()
			if tt.hash != nil {
				db.keys.hash = tt.hash
			}
			const n = 5000
			for i := 0; i < n; i++ {
				set(db, "key:"+strconv.Itoa(i), "v", -1, 0)
			}
			seen := map[string]bool{}
			cursor := uint64(0)
			for calls := 0; ; calls++ {
				cursor = db.Scan(cursor, 3, 0, func(e Entry) { seen[string(e.Key())] = true })
				if cursor >= 1<<63 {
					t.Fatalf("call %d returned cursor %d, not below 2^63", calls, cursor)
				}
				if cursor == 0 {
					break
				}
				if calls > 2*n {
					t.Fatalf("no end after %d calls", calls)
				}
			}
			if len(seen) != n {
				t.Fatalf("visited %d keys, want %d", len(seen), n)
			}
			for _, c := range []uint64{1 << 63, 1<<64 - 1} {
				visited := 0
				if next := db.Scan(c, 10, 0, func(Entry) { visited++ }); next != 0 || visited != 0 {
					t.Errorf("Scan(%d) visited %d keys and returned %d, want none and 0", c, visited, next)
				}
			}
		})
	}
}

func TestScanExpired(t *testing.T) {
	db := NewDB()
	for i := 0; i < 50; i++ {
		set(db, "live"+strconv.Itoa(i), "v", -1, 0)
		set(db, "dead"+strconv.Itoa(i), "v", 10, 0)
	}
	// ScanEntries hands out expired keys and removes nothing.
	raw, expired := 0, 0
	cursor := uint64(0)
	for {
		cursor = db.ScanEntries(cursor, 7, func(e Entry) {
			raw++
			if e.Expired(100) {
				expired++
			}
		})
		if cursor == 0 {
			break
		}
	}
	if raw != 100 || expired != 50 || db.Len() != 100 {
		t.Fatalf("ScanEntries: %d keys, %d expired, Len %d; want 100 50 100", raw, expired, db.Len())
	}
	// Scan skips and removes them.
	seen := scanAll(db, 7, 100, func(int) {})
	if len(seen) != 50 || db.Len() != 50 || db.Stats.ExpiredKeys != 50 {
		t.Errorf("Scan: %d keys, Len %d, ExpiredKeys %d; want 50 50 50", len(seen), db.Len(), db.Stats.ExpiredKeys)
	}
	for k := range seen {
		if k[:4] != "live" {
			t.Errorf("Scan returned expired key %s", k)
		}
	}
}

// TestScanSameHash checks that a call never stops between two keys with the
// same hash: a cursor is a hash, so the second key would be lost.
func TestScanSameHash(t *testing.T) {
	db := NewDB()
	// Force collisions: keys "a…" and "b…" of equal length share a hash.
	db.keys.hash = func(key []byte) uint64 { return uint64(len(key)) * 1000 }
	a, b := "aaaa", "bbbb"
	set(db, a, "1", -1, 0)
	set(db, b, "2", -1, 0)
	for i := 0; i < 100; i++ {
		set(db, "k"+strings.Repeat("x", i+5), "v", -1, 0)
	}
	cursor := uint64(0)
	total := 0
	for {
		var got []string
		cursor = db.ScanEntries(cursor, 1, func(e Entry) { got = append(got, string(e.Key())) })
		total += len(got)
		for _, k := range got {
			if (k == a || k == b) && len(got) != 2 {
				t.Fatalf("keys %q and %q share a hash but one call returned %q", a, b, got)
			}
		}
		if cursor == 0 {
			break
		}
	}
	if total != 102 {
		t.Fatalf("scan visited %d keys, want 102", total)
	}
}

// TestHashCollisions drives the keyspace with a hash that collides
// constantly and checks it against a plain map.
func TestHashCollisions(t *testing.T) {
	db := NewDB()
	db.keys.hash = func(key []byte) uint64 { return uint64(len(key) % 4) }
	ref := map[string]string{}
	r := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 5000; i++ {
		k := strings.Repeat("k", r.IntN(6)) + strconv.Itoa(r.IntN(40))
		switch r.IntN(3) {
		case 0, 1:
			v := strconv.Itoa(i)
			set(db, k, v, -1, 0)
			ref[k] = v
		case 2:
			got := db.Delete([]byte(k), 0)
			_, want := ref[k]
			if got != want {
				t.Fatalf("step %d: Delete(%q) = %v, want %v", i, k, got, want)
			}
			delete(ref, k)
		}
		if db.Len() != len(ref) {
			t.Fatalf("step %d: Len %d, want %d", i, db.Len(), len(ref))
		}
	}
	for k, v := range ref {
		e, ok := db.LookupWith([]byte(k), 0, NoTouch)
		if !ok || string(e.Str()) != v {
			t.Fatalf("key %q: got %q %v, want %q", k, e.Str(), ok, v)
		}
	}
	seen := map[string]int{}
	cursor := uint64(0)
	for {
		cursor = db.Scan(cursor, 3, 0, func(e Entry) { seen[string(e.Key())]++ })
		if cursor == 0 {
			break
		}
	}
	if len(seen) != len(ref) {
		t.Fatalf("scan saw %d keys, want %d", len(seen), len(ref))
	}
	for k, n := range seen {
		if n != 1 {
			t.Fatalf("scan saw %q %d times", k, n)
		}
	}
	for len(ref) > 0 {
		k, ok := db.RandomKey(0)
		if !ok {
			t.Fatal("RandomKey found nothing in a non-empty db")
		}
		if _, ok := ref[string(k)]; !ok {
			t.Fatalf("RandomKey returned unknown key %q", k)
		}
		key := string(k)
		db.Delete([]byte(key), 0)
		delete(ref, key)
	}
	if db.Len() != 0 {
		t.Fatalf("Len %d after deleting everything", db.Len())
	}
}

func TestRename(t *testing.T) {
	long := bytes.Repeat([]byte("x"), 200)
	tests := []struct {
		name     string
		val      []byte
		deadline int64
		crossDB  bool
		dstOld   bool // dst exists beforehand, with a deadline
	}{
		{name: "small", val: []byte("hello")},
		{name: "int with ttl", val: []byte("42"), deadline: 5000},
		{name: "long", val: long, deadline: 7000},
		{name: "replace", val: []byte("v"), dstOld: true},
		{name: "cross db", val: long, deadline: 9000, crossDB: true, dstOld: true},
	}
	for _, tt := range tests {
		db, dst := NewDB(), NewDB()
		if !tt.crossDB {
			dst = db
		}
		dl := int64(-1)
		if tt.deadline > 0 {
			dl = tt.deadline
		}
		set(db, "src", string(tt.val), dl, 1000)
		if tt.dstOld {
			set(dst, "dst", "old", 3000, 0)
		}
		if !db.Rename([]byte("src"), dst, []byte("dst"), 2000) {
			t.Fatalf("%s: Rename reported a missing source", tt.name)
		}
		if db.Exists([]byte("src"), 2000) {
			t.Errorf("%s: source still exists", tt.name)
		}
		e, ok := dst.LookupWith([]byte("dst"), 2000, NoTouch)
		if !ok || !bytes.Equal(e.Str(), tt.val) || e.Deadline() != dl || e.LRU() != LRUClock(1000) {
			t.Errorf("%s: dst = %v %q deadline %d lru %d", tt.name, ok, e.Str(), e.Deadline(), e.LRU())
		}
		if e.Encoding() != ClassifyString(tt.val) {
			t.Errorf("%s: encoding %v, want %v", tt.name, e.Encoding(), ClassifyString(tt.val))
		}
		if dst.ExpiresLen() != boolInt(dl > 0) || dst.Len() != 1 || tt.crossDB && db.Len()+db.ExpiresLen() != 0 {
			t.Errorf("%s: src DB %d keys %d deadlines, dst DB %d keys %d deadlines", tt.name, db.Len(), db.ExpiresLen(), dst.Len(), dst.ExpiresLen())
		}
	}
	db := NewDB()
	if db.Rename([]byte("nokey"), db, []byte("x"), 0) {
		t.Error("Rename of a missing key succeeded")
	}
	set(db, "e", "v", 10, 0)
	if db.Rename([]byte("e"), db, []byte("x"), 10) || db.Len() != 0 {
		t.Error("Rename of an expired key succeeded")
	}
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func TestCopy(t *testing.T) {
	long := string(bytes.Repeat([]byte("y"), 100))
	tests := []struct {
		name     string
		val      string
		deadline int64
		crossDB  bool
	}{
		{name: "shared int", val: "5"},
		{name: "big int", val: "123456"},
		{name: "embstr ttl", val: "hello", deadline: 8000},
		{name: "raw", val: long},
		{name: "raw cross db", val: long, deadline: 9000, crossDB: true},
	}
	for _, tt := range tests {
		db, dst := NewDB(), NewDB()
		if !tt.crossDB {
			dst = db
		}
		dl := int64(-1)
		if tt.deadline > 0 {
			dl = tt.deadline
		}
		set(db, "src", tt.val, dl, 1000)
		set(dst, "dst", "old", 3000, 0)
		if !db.Copy([]byte("src"), dst, []byte("dst"), 2000) {
			t.Fatalf("%s: Copy reported a missing source", tt.name)
		}
		src, _ := db.LookupWith([]byte("src"), 2000, NoTouch)
		e, ok := dst.LookupWith([]byte("dst"), 2000, NoTouch)
		if !ok || string(e.Str()) != tt.val || e.Deadline() != dl || e.LRU() != LRUClock(2000) {
			t.Fatalf("%s: dst = %v %q deadline %d lru %d", tt.name, ok, e.Str(), e.Deadline(), e.LRU())
		}
		if e.Encoding() != src.Encoding() || e.EncodingName() != src.EncodingName() {
			t.Errorf("%s: encoding %s, source's %s", tt.name, e.EncodingName(), src.EncodingName())
		}
		// Every copy is a private object, even of a shared integer.
		if e.RefCount() != 1 {
			t.Errorf("%s: copy's refcount %d, want 1", tt.name, e.RefCount())
		}
		// The copy is deep: changing the source leaves it alone.
		if p := db.MutableString([]byte("src"), 2000); p != nil {
			(*p)[0] ^= 0xff
		}
		if e, _ := dst.LookupWith([]byte("dst"), 2000, NoTouch); string(e.Str()) != tt.val {
			t.Errorf("%s: changing the source changed the copy to %q", tt.name, e.Str())
		}
		// The source's deadline and the copy's are indexed; dst's old one is gone.
		wantSrc, wantDst := boolInt(dl > 0), boolInt(dl > 0)
		if !tt.crossDB {
			wantSrc, wantDst = 2*wantSrc, 2*wantDst
		}
		if db.ExpiresLen() != wantSrc || dst.ExpiresLen() != wantDst {
			t.Errorf("%s: ExpiresLen %d/%d, want %d/%d", tt.name, db.ExpiresLen(), dst.ExpiresLen(), wantSrc, wantDst)
		}
	}
	db := NewDB()
	if db.Copy([]byte("nokey"), db, []byte("x"), 0) || db.Len() != 0 {
		t.Error("Copy of a missing key succeeded")
	}
}

func TestRefCount(t *testing.T) {
	tests := []struct {
		val  string
		want int64
	}{
		{"0", SharedRefCount}, {"5", SharedRefCount}, {"9999", SharedRefCount}, {"10000", 1}, {"-1", 1},
		{"0123", 1}, {"hello", 1}, {"", 1}, {"9223372036854775807", 1}, {string(bytes.Repeat([]byte("1"), 100)), 1},
	}
	for _, tt := range tests {
		db := NewDB()
		set(db, "k", tt.val, -1, 0)
		e, _ := db.LookupWith([]byte("k"), 0, NoTouch)
		if got := e.RefCount(); got != tt.want {
			t.Errorf("RefCount of %q = %d, want %d", tt.val, got, tt.want)
		}
	}
	// A private (copied) integer becomes shared again when set anew.
	db := NewDB()
	set(db, "a", "7", -1, 0)
	db.Copy([]byte("a"), db, []byte("b"), 0)
	set(db, "b", "8", -1, 0)
	if e, _ := db.LookupWith([]byte("b"), 0, NoTouch); e.RefCount() != SharedRefCount {
		t.Errorf("SET over a copied integer: refcount %d", e.RefCount())
	}
}

func TestEncodingName(t *testing.T) {
	for _, tt := range []struct{ val, want string }{
		{"1", "int"}, {"-9223372036854775808", "int"}, {"9223372036854775808", "embstr"}, {"hello", "embstr"},
		{string(bytes.Repeat([]byte("x"), 44)), "embstr"}, {string(bytes.Repeat([]byte("x"), 45)), "raw"}, {"", "embstr"},
	} {
		db := NewDB()
		set(db, "k", tt.val, -1, 0)
		if e, _ := db.LookupWith([]byte("k"), 0, NoTouch); e.EncodingName() != tt.want {
			t.Errorf("EncodingName of %q = %s, want %s", tt.val, e.EncodingName(), tt.want)
		}
	}
}

func TestRandomKey(t *testing.T) {
	db := NewDB()
	if _, ok := db.RandomKey(0); ok {
		t.Error("RandomKey of an empty DB found a key")
	}
	// Every key expired: all are deleted, none returned (over 100, where
	// a replica would give up and return an expired one).
	for i := 0; i < 300; i++ {
		set(db, "e"+strconv.Itoa(i), "v", 10, 0)
	}
	if k, ok := db.RandomKey(100); ok || db.Len() != 0 {
		t.Errorf("RandomKey with every key expired: %q %v, Len %d", k, ok, db.Len())
	}
	for i := 0; i < 200; i++ {
		set(db, "e"+strconv.Itoa(i), "v", 10, 0)
	}
	set(db, "live", "v", 1000, 0)
	for i := 0; i < 20; i++ {
		k, ok := db.RandomKey(100)
		if !ok || string(k) != "live" {
			t.Fatalf("RandomKey = %q %v, want live", k, ok)
		}
	}
	// With live keys only, every key comes up.
	db = NewDB()
	for i := 0; i < 5; i++ {
		set(db, "k"+strconv.Itoa(i), "v", -1, 0)
	}
	seen := map[string]bool{}
	for i := 0; i < 1000 && len(seen) < 5; i++ {
		k, _ := db.RandomKey(0)
		seen[string(k)] = true
	}
	if len(seen) != 5 {
		t.Errorf("RandomKey returned only %d of 5 keys in 1000 calls", len(seen))
	}
}

func TestSetStringInPlace(t *testing.T) {
	tests := []struct {
		name     string
		old, new string
		oldDL    int64
		opt      SetOptions
		inPlace  bool
		wantDL   int64
	}{
		{name: "same length", old: "aaaa", new: "bbbb", oldDL: -1, opt: SetOptions{Deadline: -1}, inPlace: true, wantDL: -1},
		{name: "same length new encoding", old: "abcd", new: "1234", oldDL: -1, opt: SetOptions{Deadline: -1}, inPlace: true, wantDL: -1},
		{name: "keepttl", old: "aaaa", new: "bbbb", oldDL: 9000, opt: SetOptions{KeepTTL: true}, inPlace: true, wantDL: 9000},
		{name: "same deadline", old: "aaaa", new: "bbbb", oldDL: 9000, opt: SetOptions{Deadline: 9000}, inPlace: true, wantDL: 9000},
		{name: "ttl dropped", old: "aaaa", new: "bbbb", oldDL: 9000, opt: SetOptions{Deadline: -1}, wantDL: -1},
		{name: "ttl added", old: "aaaa", new: "bbbb", oldDL: -1, opt: SetOptions{Deadline: 9000}, wantDL: 9000},
		{name: "other length", old: "aaaa", new: "bbbbb", oldDL: -1, opt: SetOptions{Deadline: -1}, wantDL: -1},
	}
	for _, tt := range tests {
		db := NewDB()
		set(db, "k", tt.old, tt.oldDL, 1000)
		before, _ := db.find([]byte("k"))
		db.SetString([]byte("k"), []byte(tt.new), ClassifyString([]byte(tt.new)), tt.opt, 5000)
		after, _ := db.find([]byte("k"))
		if (before.kv == after.kv) != tt.inPlace {
			t.Errorf("%s: in place %v, want %v", tt.name, before.kv == after.kv, tt.inPlace)
		}
		e, _ := db.LookupWith([]byte("k"), 5000, NoTouch)
		if string(e.Str()) != tt.new || e.Deadline() != tt.wantDL || e.LRU() != LRUClock(5000) || e.Encoding() != ClassifyString([]byte(tt.new)) {
			t.Errorf("%s: %q deadline %d lru %d enc %v", tt.name, e.Str(), e.Deadline(), e.LRU(), e.Encoding())
		}
		if wantExp := boolInt(tt.wantDL >= 0); db.ExpiresLen() != wantExp || db.Len() != 1 {
			t.Errorf("%s: ExpiresLen %d Len %d", tt.name, db.ExpiresLen(), db.Len())
		}
	}
}

func TestLRU(t *testing.T) {
	for _, tt := range []struct {
		lru  uint32
		now  int64
		want int64
	}{
		{LRUClock(10_000), 10_000, 0},
		{LRUClock(10_000), 12_999, 2000},
		{lruMax, 0, 0},           // wrapped: now's clock is 0, the key's the last value
		{lruMax - 1, 1000, 2000}, // across the wrap
		{LRUClock(0), (lruMax + 1) * 1000, 0},
	} {
		if got := IdleMillis(tt.lru, tt.now); got != tt.want {
			t.Errorf("IdleMillis(%d, %d) = %d, want %d", tt.lru, tt.now, got, tt.want)
		}
	}
	db := NewDB()
	set(db, "k", "v", -1, 1000)
	db.LookupWith([]byte("k"), 50_000, NoTouch)
	e, _ := db.LookupWith([]byte("k"), 50_000, NoTouch)
	if IdleMillis(e.LRU(), 50_000) != 49_000 {
		t.Errorf("NoTouch changed the LRU clock: idle %d", IdleMillis(e.LRU(), 50_000))
	}
	db.Lookup([]byte("k"), 50_000)
	e, _ = db.LookupWith([]byte("k"), 50_000, NoTouch)
	if IdleMillis(e.LRU(), 50_000) != 0 {
		t.Errorf("Lookup did not touch the key: idle %d", IdleMillis(e.LRU(), 50_000))
	}
	// SetDeadline and Persist keep the LRU clock.
	db.SetDeadline([]byte("k"), 90_000, 60_000)
	db.Persist([]byte("k"), 70_000)
	if e, _ := db.LookupWith([]byte("k"), 70_000, NoTouch); e.LRU() != LRUClock(50_000) {
		t.Errorf("SetDeadline/Persist changed the LRU clock")
	}
}

// TestHotPathAllocs checks that lookups and same-sized overwrites do not allocate.
func TestHotPathAllocs(t *testing.T) {
	db := NewDB()
	key, val, missing := []byte("key:000001"), []byte("value-0001"), []byte("nokey")
	db.SetString(key, val, EncEmbstr, SetOptions{Deadline: -1}, 0)
	big, bigVal, bigVal2 := []byte("big"), bytes.Repeat([]byte("x"), 1024), bytes.Repeat([]byte("y"), 1000)
	db.SetString(big, bigVal, EncRaw, SetOptions{Deadline: -1}, 0)
	for name, fn := range map[string]func(){
		"SetString 1KB": func() { db.SetString(big, bigVal, EncRaw, SetOptions{Deadline: -1}, 0) },
		"SetString 1KB shorter": func() {
			db.SetString(big, bigVal2, EncRaw, SetOptions{Deadline: -1}, 0)
			db.SetString(big, bigVal, EncRaw, SetOptions{Deadline: -1}, 0)
		},
		"Lookup":         func() { db.Lookup(key, 0) },
		"Lookup missing": func() { db.Lookup(missing, 0) },
		"Exists":         func() { db.Exists(key, 0) },
		"SetString":      func() { db.SetString(key, val, EncEmbstr, SetOptions{Deadline: -1}, 0) },
		"ExpireIfNeeded": func() { db.ExpireIfNeeded(key, 0) },
	} {
		if n := testing.AllocsPerRun(100, fn); n != 0 {
			t.Errorf("%s allocates %.1f times per call", name, n)
		}
	}
}

// TestEntrySize pins the keyspace entry's size: it is stored by value in
// every B-tree slot, so growing it costs memory per key.
func TestEntrySize(t *testing.T) {
	if n := unsafe.Sizeof(entry{}); n != 24 {
		t.Fatalf("entry is %d bytes, want 24", n)
	}
}
