package server

import (
	"strings"
	"testing"
)

// TestNotifyFlagsRoundTrip checks that every class character parses and
// that CONFIG GET's form parses back to the same classes (but for n under
// A, which Redis's form hides).
func TestNotifyFlagsRoundTrip(t *testing.T) {
	for _, v := range []string{"", "K", "E", "A", "KEA", "g$lshzxetdmn", "KEn", "Ex", "AKEm"} {
		f, err := parseNotifyFlags(v)
		if err != nil {
			t.Fatalf("%q: %v", v, err)
		}
		g, err := parseNotifyFlags(formatNotifyFlags(f))
		if err != nil || g != f && !(f&notifyAll == notifyAll && g == f&^notifyNew) {
			t.Errorf("%q: %b shown as %q, parsed back as %b (%v)", v, f, formatNotifyFlags(f), g, err)
		}
	}
	if _, err := parseNotifyFlags("KEq"); err == nil {
		t.Error("KEq: no error")
	}
}

// TestNotifyEventsHook checks the channels and messages of a few events
// through the test hook, in order.
func TestNotifyEventsHook(t *testing.T) {
	c := testClient(t, func(cfg *Config) { cfg.NotifyKeyspaceEvents = notifyKeyspace | notifyKeyevent | notifyAll | notifyNew })
	var got []string
	c.srv.notifyHook = func(ch, msg []byte) { got = append(got, string(ch)+" "+string(msg)) }
	testRun(c, "SET k v")
	testRun(c, "SELECT 3")
	testRun(c, "LPUSH l a")
	want := []string{
		"__keyspace@0__:k new", "__keyevent@0__:new k", "__keyspace@0__:k set", "__keyevent@0__:set k",
		"__keyspace@3__:l new", "__keyevent@3__:new l", "__keyspace@3__:l lpush", "__keyevent@3__:lpush l",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("events:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// FuzzNotifyFlags parses arbitrary notify-keyspace-events values: no
// panic, and a value that parses shows as one that parses the same way.
func FuzzNotifyFlags(f *testing.F) {
	for _, s := range []string{"KEA", "AKE", "g$lshzxetd", "KEAmn", "Kx", "", "q", "KE\x00x", "\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		fl, err := parseNotifyFlags(v)
		if err != nil {
			return
		}
		g, err := parseNotifyFlags(formatNotifyFlags(fl))
		if err != nil || g != fl && !(fl&notifyAll == notifyAll && g == fl&^notifyNew) {
			t.Fatalf("%q: %b shown as %q, parsed back as %b (%v)", v, fl, formatNotifyFlags(fl), g, err)
		}
	})
}

// BenchmarkSetNotify measures SET with notifications off, and with KEA
// (every class on both channels) and no subscriber: the cost of building
// the channel names and finding no one to deliver to. Neither allocates.
func BenchmarkSetNotify(b *testing.B) {
	for _, bc := range []struct {
		name  string
		flags int
	}{{"off", 0}, {"KEA", notifyKeyspace | notifyKeyevent | notifyAll}} {
		b.Run(bc.name, func(b *testing.B) {
			c := testClient(b, func(cfg *Config) { cfg.NotifyKeyspaceEvents = bc.flags })
			benchCommand(b, c, testArgv("SET key:000001 value"))
		})
	}
}

// BenchmarkGetTracking measures GET by a client with CLIENT TRACKING on
// (the key is remembered each time; the same key stays in the table)
// against GET without tracking.
func BenchmarkGetTracking(b *testing.B) {
	for _, on := range []bool{false, true} {
		name := "off"
		if on {
			name = "on"
		}
		b.Run(name, func(b *testing.B) {
			c := testClient(b, nil)
			c.proto = 3
			testRun(c, "SET key:000001 value")
			if on {
				c.srv.clients[c.id] = c
				testRun(c, "CLIENT TRACKING ON")
			}
			benchCommand(b, c, testArgv("GET key:000001"))
		})
	}
}
