package server

import (
	"testing"
	"time"
)

// TestClockNeverLags checks that the server's clock never reads a
// millisecond earlier than the wall clock read before it: a client that
// computes a deadline as now+N ms (GETEX k PXAT) and asks PTTL must never
// get more than N.
func TestClockNeverLags(t *testing.T) {
	for i := 0; i < 5; i++ {
		k := newClock()
		for end := time.Now().Add(3 * time.Millisecond); time.Now().Before(end); {
			before := time.Now().UnixMilli()
			if got := k.ms(k.mono()); got < before {
				t.Fatalf("clock read %d after the wall clock read %d", got, before)
			}
		}
	}
}
