package tests

import (
	"bytes"
	"errors"
	"io"
	"net"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/kvdserver/kvd/server"
)

// TestUnauthenticatedOutputLimit: with requirepass set, a client that has
// not authenticated and floods the server with PINGs without reading the
// NOAUTH replies is closed once its unwritten replies overflow 16 KB, as by
// redis-server 7.0.15 with the fix for CVE-2025-21605, instead of making the
// server hold every reply. The flood is written in inline and multibulk form.
func TestUnauthenticatedOutputLimit(t *testing.T) {
	s := privateServers(t, func(c *server.Config) { c.RequirePass = "secret" }, "--requirepass", "secret")
	floods := []struct {
		name string
		req  string
	}{
		{"inline", "PING\r\n"},
		{"multibulk", "*1\r\n$4\r\nPING\r\n"},
	}
	for _, f := range floods {
		// 1,000,000 PINGs: 35 MB of NOAUTH replies if they were all kept.
		flood := bytes.Repeat([]byte(f.req), 1_000_000)
		t.Run(f.name, func(t *testing.T) {
			onBoth(t, s, func(t *testing.T, addr string) {
				admin := dial(t, addr)
				mustDo(t, admin, "+OK\r\n", "AUTH", "secret")
				nc, err := net.DialTimeout("tcp", addr, 5*time.Second)
				if err != nil {
					t.Fatal(err)
				}
				defer nc.Close()
				nc.SetWriteDeadline(time.Now().Add(maxWait))
				nc.Write(flood) // fails once the server closes the connection
				waitFor(t, 10*time.Second, f.name+" flooding client closed", func() bool {
					return strings.Contains(admin.do("INFO", "clients"), "connected_clients:1\r\n")
				})
				nc.SetReadDeadline(time.Now().Add(maxWait))
				got, err := io.Copy(io.Discard, nc)
				if isTimeout(err) {
					t.Fatalf("%s: the connection stayed open after %d bytes of replies", f.name, got)
				}
				if err != nil && !errors.Is(err, net.ErrClosed) && !isReset(err) {
					t.Fatalf("%s: reading the replies: %v", f.name, err)
				}
				if got > 1<<20 {
					t.Errorf("%s: %d bytes of replies arrived before the close; want well under 1 MB", f.name, got)
				}
			})
		})
	}
}

// isReset reports whether err is a connection reset by the peer.
func isReset(err error) bool {
	return errors.Is(err, syscall.ECONNRESET)
}
