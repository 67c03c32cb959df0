//go:build linux

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

// TestRedactArgs checks that secret option values are hidden from the
// command line pprof serves, and nothing else is.
func TestRedactArgs(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"kvd --port 7000", "kvd --port 7000"},
		{"kvd --requirepass s3cret --port 7000", "kvd --requirepass (redacted) --port 7000"},
		{"kvd /etc/kvd.conf --masterauth m --masteruser u", "kvd /etc/kvd.conf --masterauth (redacted) --masteruser u"},
		{"kvd --RequirePass=s3cret --port=1", "kvd --RequirePass=(redacted) --port=1"},
		{"kvd --requirepass a b --loglevel verbose", "kvd --requirepass (redacted) (redacted) --loglevel verbose"},
		{"kvd --sentinel-pass x", "kvd --sentinel-pass (redacted)"},
		{"requirepass --port 1", "requirepass --port 1"},
	} {
		got := strings.Join(redactArgs(strings.Fields(tc.in)), " ")
		if got != tc.want {
			t.Errorf("redactArgs(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// TestPprofListenAddr checks that pprof-addr must be a loopback address
// unless pprof-allow-remote is set.
func TestPprofListenAddr(t *testing.T) {
	for _, tc := range []struct {
		addr   string
		remote bool
		ok     bool
	}{
		{"127.0.0.1:6060", false, true},
		{"127.0.0.2:0", false, true},
		{"[::1]:6060", false, true},
		{"localhost:6060", false, true},
		{":6060", false, false},
		{"0.0.0.0:6060", false, false},
		{"[::]:6060", false, false},
		{"10.1.2.3:6060", false, false},
		{":6060", true, true},
		{"10.1.2.3:6060", true, true},
		{"no-port", false, false},
	} {
		_, err := pprofListenAddr(tc.addr, tc.remote)
		if (err == nil) != tc.ok {
			t.Errorf("pprofListenAddr(%q, remote %v): %v, want ok %v", tc.addr, tc.remote, err, tc.ok)
		}
	}
}
