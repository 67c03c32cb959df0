package store

import "testing"

func TestLFUDecay(t *testing.T) {
	const min = 60_000
	now := int64(1000 * min)
	for _, tt := range []struct {
		name    string
		counter uint32
		idle    int64 // minutes
		decay   int
		want    uint8
	}{
		{"fresh", 10, 0, 1, 10},
		{"one period", 10, 1, 1, 9},
		{"decay time 2", 10, 5, 2, 8},
		{"to zero", 3, 10, 1, 0},
		{"no decay", 200, 1000, 0, 200},
	} {
		clock := lfuMinutes(now-tt.idle*min)<<8 | tt.counter
		if got := LFUDecay(clock, now, tt.decay); got != tt.want {
			t.Errorf("%s: %d, want %d", tt.name, got, tt.want)
		}
	}
	// The 16-bit minute clock wraps.
	clock := uint32(0xfffe)<<8 | 10
	if got := LFUDecay(clock, 3*min, 1); got != 6 {
		t.Errorf("across the wrap: %d, want 6", got)
	}
}

func TestLFUCounterGrowsLogarithmically(t *testing.T) {
	db := NewDB()
	db.LFU = &LFUParams{LogFactor: 10, DecayTime: 1}
	const now = 1_000_000
	db.SetString([]byte("k"), []byte("v"), EncEmbstr, SetOptions{Deadline: -1}, now)
	e, _ := db.LookupWith([]byte("k"), now, NoTouch)
	if got := LFUDecay(e.LRU(), now, 1); got != LFUInitVal {
		t.Fatalf("a new key's counter %d, want %d", got, LFUInitVal)
	}
	for range 1000 {
		db.Lookup([]byte("k"), now)
	}
	e, _ = db.LookupWith([]byte("k"), now, NoTouch)
	// redis.conf's table for lfu-log-factor 10: 10 after 100 hits, 18
	// after 1000.
	if got := LFUDecay(e.LRU(), now, 1); got < 14 || got > 24 {
		t.Errorf("counter after 1000 hits %d, want about 18", got)
	}
}

func TestSampleKeysVolatile(t *testing.T) {
	db := NewDB()
	const now = 1_000_000
	for i := range 100 {
		opt := SetOptions{Deadline: -1}
		if i%10 == 0 {
			opt.Deadline = now + 1000
		}
		db.SetString([]byte{byte(i)}, []byte("v"), EncEmbstr, opt, now)
	}
	n := 0
	db.SampleKeys(50, true, now, func(e Entry) {
		n++
		if e.Deadline() < 0 {
			t.Errorf("volatile sample gave key %q without a deadline", e.Key())
		}
	})
	if n != 10 {
		t.Errorf("%d volatile samples, want 10 (one per key with a deadline)", n)
	}
	if !db.Evict([]byte{0}) || db.Contains([]byte{0}) || db.Evict([]byte{0}) {
		t.Error("Evict")
	}
	if db.Mem() != walkMem(db) {
		t.Errorf("Mem %d after Evict, walk %d", db.Mem(), walkMem(db))
	}
}
