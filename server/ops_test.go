package server

import (
	"bytes"
	"strings"
	"sync"
	"testing"

	"golang.org/x/sys/unix"
)

// lockedBuffer is a bytes.Buffer safe for concurrent writes and reads.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestAcceptOutOfDescriptorsLogsOnce checks that accepts failing for want
// of descriptors are logged once while they keep failing (the listener is
// retried ten times a second), and again after a connection got through.
func TestAcceptOutOfDescriptorsLogsOnce(t *testing.T) {
	var log lockedBuffer
	c := testClient(t, func(cfg *Config) { cfg.LogOutput = &log })
	s := c.srv
	if err := s.Listen(); err != nil {
		t.Fatal(err)
	}
	l := s.listeners[0]
	count := func() int { return strings.Count(log.String(), "Accepting client connection") }
	for range 20 {
		s.acceptError(l, unix.EMFILE)
	}
	if n := count(); n != 1 {
		t.Fatalf("20 failed accepts logged %d times, want once:\n%s", n, log.String())
	}
	s.acceptPaused = false // what an accepted connection does
	s.acceptError(l, unix.EMFILE)
	if n := count(); n != 2 {
		t.Fatalf("a new episode logged %d times in all, want 2:\n%s", n, log.String())
	}
}
