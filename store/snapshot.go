package store

import "errors"

// A Snapshot is a point-in-time view of a set of databases taken without
// fork and without copying the keyspace: the executor walks each database's
// table in hash order, a slice at a time (Step), while it keeps serving
// commands. Before it first changes, deletes, expires or renames a key the
// walk has not reached yet, the database hands the key's current value to
// the snapshot (copy-before-write, as Dragonfly does), and the walk later
// skips that key, so the snapshot sees every key exactly as it was when the
// snapshot began, whatever happened to it since.
//
// The snapshot hands each key to its emit function, which must read the
// entry and not change any database; the entry is valid only during the
// call. Keys whose deadline had passed when the snapshot began are left
// out. A database joins at most one snapshot at a time.
//
// A walked key is found by its hash, the same cursor SCAN uses, so tables
// that resize during the walk are no trouble. The cost of a write while a
// snapshot runs is one branch when no snapshot is active, and otherwise a
// hash and a comparison, plus, for a key ahead of the walk, the emit call
// the first time that key is written and a bit set in its table slot
// (metaSnap), which the walk clears as it passes.
type Snapshot struct {
	dbs  []*dbSnap
	cur  int // index into dbs of the database being walked
	now  int64
	emit func(db int, e Entry)
	// Emitted counts the keys handed to emit; Early counts those handed
	// over before a write, ahead of the walk.
	Emitted, Early int64
}

// dbSnap is one database's part in a snapshot. It lives with the
// database's keyspace (keyspace.snap) and follows it through SWAPDB; a
// FLUSHDB detaches the keyspace and leaves it to the snapshot alone.
type dbSnap struct {
	s   *Snapshot
	idx int       // the database's number when the snapshot began
	ks  *keyspace // the keyspace being walked
	// cursor is the hash of the next key to walk: keys hashing below it
	// have been walked. done: the whole table has been.
	cursor uint64
	done   bool
	// A key at or above the cursor that was handed over early or created
	// since the snapshot began, which the walk skips, has metaSnap set in
	// its table slot; one kept aside because it shares its hash with the
	// slot's key (keyspace.collide) is in byKey instead.
	byKey map[string]struct{}
	// keys, expires: the database's sizes when the snapshot began.
	keys, expires int
}

// ErrSnapshotActive is returned when a database is already part of a snapshot.
var ErrSnapshotActive = errors.New("store: a snapshot of the database is already in progress")

// NewSnapshot begins a snapshot of dbs, dbs[i] being database number i, as
// of now (unix ms): keys whose deadline is at or before now are left out.
// emit is called with each key of the snapshot, once, and its database
// number, from Step and from the databases' write paths.
func NewSnapshot(dbs []*DB, now int64, emit func(db int, e Entry)) (*Snapshot, error) {
	for _, db := range dbs {
		if db.keys.snap != nil {
			return nil, ErrSnapshotActive
		}
	}
	s := &Snapshot{now: now, emit: emit, dbs: make([]*dbSnap, len(dbs))}
	for i, db := range dbs {
		d := &dbSnap{s: s, idx: i, ks: &db.keys, keys: db.Len(), expires: db.ExpiresLen()}
		if d.keys == 0 {
			d.done = true
		} else {
			db.keys.snap = d
		}
		s.dbs[i] = d
	}
	return s, nil
}

// Sizes returns database db's number of keys and of keys with a deadline
// when the snapshot began (expired keys not yet deleted included).
func (s *Snapshot) Sizes(db int) (keys, expires int) {
	return s.dbs[db].keys, s.dbs[db].expires
}

// Now returns the time the snapshot was taken at.
func (s *Snapshot) Now() int64 { return s.now }

// Step walks about n more keys and reports whether the walk is complete.
// Once it is, no database refers to the snapshot any more.
func (s *Snapshot) Step(n int) (done bool) {
	for n > 0 && s.cur < len(s.dbs) {
		d := s.dbs[s.cur]
		if d.done {
			s.cur++
			continue
		}
		visited := 0
		d.cursor = d.ks.walk(d.cursor, n, func(slot *entry, aside bool) {
			visited++
			if aside {
				if _, ok := d.byKey[slot.key()]; ok {
					delete(d.byKey, slot.key())
					return
				}
			} else if slot.meta&metaSnap != 0 {
				slot.meta &^= metaSnap
				return
			}
			d.give(*slot)
		})
		n -= max(visited, 1)
		if d.cursor == 0 {
			d.finish()
			s.cur++
		}
	}
	return s.cur == len(s.dbs)
}

// Done reports whether the walk is complete.
func (s *Snapshot) Done() bool { return s.cur == len(s.dbs) }

// Close ends the snapshot, complete or not: the databases forget it.
func (s *Snapshot) Close() {
	for _, d := range s.dbs {
		if !d.done && d.ks.snap == d {
			d.ks.clearSnapMarks() // the walk stopped short of them
		}
		d.finish()
	}
	s.cur = len(s.dbs)
}

func (d *dbSnap) finish() {
	if d.ks.snap == d {
		d.ks.snap = nil
	}
	d.done, d.byKey = true, nil
}

// markKey records a key kept aside (keyspace.collide) as one the walk skips.
func (d *dbSnap) markKey(key string) {
	if d.byKey == nil {
		d.byKey = make(map[string]struct{})
	}
	d.byKey[key] = struct{}{}
}

// give hands e to the snapshot unless it had expired when the snapshot began.
func (d *dbSnap) give(e entry) {
	if e.hasTTL() && e.deadline() <= d.s.now {
		return
	}
	d.s.Emitted++
	d.s.emit(d.idx, Entry{e})
}

// ahead reports whether the walk has yet to reach hash h.
func (d *dbSnap) ahead(h uint64) bool { return !d.done && h >= d.cursor }

// beforeSlot is called before the key in slot, hashing to h, is changed
// in place or deleted: if the walk has not reached it, it goes to the
// snapshot now, once, and the slot is marked for the walk to skip.
func (d *dbSnap) beforeSlot(h uint64, slot *entry) {
	if !d.ahead(h) || slot.meta&metaSnap != 0 {
		return
	}
	slot.meta |= metaSnap
	d.s.Early++
	d.give(*slot)
}

// beforeAside is beforeSlot for a key kept aside in keyspace.collide.
func (d *dbSnap) beforeAside(h uint64, e entry) {
	if !d.ahead(h) {
		return
	}
	if _, ok := d.byKey[e.key()]; ok {
		return
	}
	d.markKey(e.key())
	d.s.Early++
	d.give(e)
}

// beforeWrite hands e to the keyspace's snapshot, if any, before e's value
// is changed in place.
func (ks *keyspace) beforeWrite(e entry) {
	d := ks.snap
	if d == nil {
		return
	}
	h := ks.hashOf(e.keyBytes())
	if !d.ahead(h) {
		return
	}
	t := ks.tableFor(h)
	if i := t.slot(h); i >= 0 && t.ents[i].key() == e.key() {
		d.beforeSlot(h, &t.ents[i])
		return
	}
	d.beforeAside(h, e)
}

// clearSnapMarks clears every slot's metaSnap, for a snapshot closed
// before its walk passed them all.
func (ks *keyspace) clearSnapMarks() {
	for _, t := range []*table{&ks.t, &ks.old} {
		for i := range t.ents {
			t.ents[i].meta &^= metaSnap
		}
	}
}

// detachSnapshot is called before the keyspace is emptied (FLUSHDB): the
// snapshot keeps walking the old table, which no one else touches now.
func (ks *keyspace) detachSnapshot() {
	d := ks.snap
	if d == nil {
		return
	}
	old := new(keyspace)
	*old = *ks
	d.ks = old
	ks.snap = nil
}
