package server

import (
	"strings"
	"testing"
	"time"
)

// TestEmbedHooks runs Exec, AdvanceClock, SetClock and SetError on a
// serving server on the portable backend, and checks INFO names it.
func TestEmbedHooks(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Bind, cfg.Port, cfg.IOModel = []string{"127.0.0.1"}, 0, "portable"
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Exec([]byte("PING")); err != ErrNotServing {
		t.Fatalf("Exec before Serve: %v", err)
	}
	if err := s.Listen(); err != nil {
		t.Fatal(err)
	}
	go s.Serve()
	defer s.Close()
	exec := func(args ...string) string {
		t.Helper()
		argv := make([][]byte, len(args))
		for i, a := range args {
			argv[i] = []byte(a)
		}
		out, err := s.Exec(argv...) // waits for Serve to start the loop
		if err != nil {
			t.Fatal(err)
		}
		return string(out)
	}
	if got := exec("SET", "k", "v", "EX", "100"); got != "+OK\r\n" {
		t.Fatalf("SET: %q", got)
	}
	if err := s.AdvanceClock(50 * time.Second); err != nil {
		t.Fatal(err)
	}
	if got := exec("TTL", "k"); got != ":50\r\n" && got != ":49\r\n" {
		t.Fatalf("TTL after 50 s: %q", got)
	}
	if err := s.SetClock(time.Now().Add(101 * time.Second)); err != nil {
		t.Fatal(err)
	}
	if got := exec("EXISTS", "k"); got != ":0\r\n" {
		t.Fatalf("EXISTS after the deadline: %q", got)
	}
	if got := exec("BLPOP", "nolist", "0"); got != "*-1\r\n" {
		t.Fatalf("BLPOP from Exec: %q (must not block)", got)
	}
	if err := s.SetError("ERR nope"); err != nil {
		t.Fatal(err)
	}
	if got := exec("PING"); got != "+PONG\r\n" {
		t.Fatalf("Exec under SetError: %q", got)
	}
	info := exec("INFO", "server")
	if !strings.Contains(info, "kvd_io_model:portable\r\n") {
		t.Fatalf("INFO server lacks kvd_io_model:portable:\n%s", info)
	}
}
