package tests

import (
	"bytes"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kvdserver/kvd/server"
)

// lockedBuffer is a log sink the server's loop writes while a test reads it.
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

// TestPubsubOutputLimitHard checks that a subscriber that reads nothing is
// disconnected once its pending messages reach the pubsub class's hard
// limit, that the normal class does not apply to it, and that kvd logs
// Redis's line.
func TestPubsubOutputLimitHard(t *testing.T) {
	log := &lockedBuffer{}
	s := privateServers(t, func(c *server.Config) {
		c.PubsubOutputLimit = server.OutputLimit{Hard: 1 << 20}
		c.OutputLimit = server.OutputLimit{Hard: 64 << 10} // not the subscriber's class
		c.LogOutput = log
	}, "--client-output-buffer-limit", "pubsub 1mb 0 0", "--client-output-buffer-limit", "normal 64kb 0 0")
	onBoth(t, s, func(t *testing.T, addr string) {
		pub := dial(t, addr)
		sub := dial(t, addr)
		sub.do("SUBSCRIBE", "ch")
		id := strings.TrimSpace(strings.TrimPrefix(pub.do("CLIENT", "LIST", "TYPE", "pubsub"), "$"))
		if !strings.Contains(id, "flags=P ") || !strings.Contains(id, "sub=1 ") {
			t.Fatalf("CLIENT LIST TYPE pubsub: %q", id)
		}
		msg := strings.Repeat("m", 64<<10)
		dropped := false
		for i := 0; i < 2000 && !dropped; i++ {
			r := pub.do("PUBLISH", "ch", msg)
			dropped = r == ":0\r\n"
		}
		if !dropped {
			t.Fatal("the subscriber was never disconnected")
		}
		if r := pub.do("PUBSUB", "NUMSUB", "ch"); r != "*2\r\n$2\r\nch\r\n:0\r\n" {
			t.Fatalf("NUMSUB after the disconnection: %q", r)
		}
	})
	if !regexp.MustCompile(`Client id=\d+ addr=.* scheduled to be closed ASAP for overcoming of output buffer limits\.`).MatchString(log.String()) {
		t.Errorf("kvd logged no disconnection:\n%s", log.String())
	}
}

// TestPubsubOutputLimitSoft checks the soft limit: a subscriber above it
// stays connected for soft-seconds, then is disconnected by the cron even
// though nothing more is published, and CLIENT LIST shows its omem meanwhile.
func TestPubsubOutputLimitSoft(t *testing.T) {
	s := privateServers(t, func(c *server.Config) {
		c.PubsubOutputLimit = server.OutputLimit{Soft: 512 << 10, SoftSeconds: 2}
	}, "--client-output-buffer-limit", "pubsub 0 512kb 2")
	onBoth(t, s, func(t *testing.T, addr string) {
		pub := dial(t, addr)
		sub := dial(t, addr)
		sub.do("SUBSCRIBE", "ch")
		msg := strings.Repeat("m", 64<<10)
		omem := regexp.MustCompile(`flags=P .* omem=(\d+) `)
		// Publish until the subscriber's pending output is well above the
		// soft limit (the sockets take a few MB first).
		above := false
		for i := 0; i < 2000 && !above; i++ {
			if r := pub.do("PUBLISH", "ch", msg); r != ":1\r\n" {
				t.Fatalf("PUBLISH %d: %q", i, r)
			}
			m := omem.FindStringSubmatch(pub.do("CLIENT", "LIST", "TYPE", "pubsub"))
			above = m != nil && len(m[1]) >= 7 // ≥ 1,000,000 bytes
		}
		if !above {
			t.Fatal("the subscriber's omem never went above 1 MB")
		}
		start := time.Now()
		waitFor(t, 10*time.Second, "the subscriber to be dropped", func() bool {
			return pub.do("PUBSUB", "NUMSUB", "ch") == "*2\r\n$2\r\nch\r\n:0\r\n"
		})
		if d := time.Since(start); d < time.Second {
			t.Errorf("dropped after %v, before soft-seconds", d)
		}
	})
}

// TestPubsubOutputLimitConfig compares CONFIG GET/SET of every class.
func TestPubsubOutputLimitConfig(t *testing.T) {
	s := privateServers(t, nil)
	diffSession(t, s, []step{
		"CONFIG GET client-output-buffer-limit",
		"CONFIG SET client-output-buffer-limit \"pubsub 1mb 512kb 10 replica 10mb 5mb 30\"",
		"CONFIG GET client-output-buffer-limit",
		"CONFIG SET client-output-buffer-limit \"slave 1 2 3 normal 4mb 2mb 6\"",
		"CONFIG GET client-output-buffer-limit",
		"CONFIG SET client-output-buffer-limit \"pubsub 1mb 512kb\"",
		"CONFIG SET client-output-buffer-limit \"master 1mb 512kb 1\"",
		"CONFIG SET client-output-buffer-limit \"pubsub x 512kb 1\"",
		"CONFIG GET client-output-buffer-limit",
	})
}
