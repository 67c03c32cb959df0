package server

import (
	"strings"
	"testing"
)

// Helpers shared by the package's tests of commands, which run commands
// in-process without a network.

// testClient returns a client of a fresh, never-started server, on which
// commands run synchronously in the calling goroutine. edit, if not nil,
// changes the configuration first.
func testClient(tb testing.TB, edit func(*Config)) *Client {
	tb.Helper()
	cfg := DefaultConfig()
	cfg.Bind = []string{"127.0.0.1"}
	cfg.Port = 0
	if edit != nil {
		edit(&cfg)
	}
	s, err := New(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { s.Close() })
	// Replies go to pooled buffers, as a connection's do.
	c := &Client{fd: -1, flags: flagAuthenticated}
	s.initCtx(c, true)
	return c
}

// testArgv splits a command into words on spaces; a word "" stands for an
// empty argument.
func testArgv(cmd string) [][]byte {
	var argv [][]byte
	for _, w := range strings.Fields(cmd) {
		if w == `""` {
			w = ""
		}
		argv = append(argv, []byte(w))
	}
	return argv
}

// testRun executes one command (see testArgv) on c and returns its raw
// reply.
func testRun(c *Client, cmd string) string {
	c.argv = testArgv(cmd)
	c.out = c.out[:0]
	c.srv.execute(c)
	return string(c.out)
}

// benchCommand runs argv repeatedly on c, reporting allocations.
func benchCommand(b *testing.B, c *Client, argv [][]byte) {
	b.ReportAllocs()
	for b.Loop() {
		c.argv = argv
		c.out = c.out[:0]
		c.srv.execute(c)
	}
}
