package tests

import (
	"net"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestDiffConfigSetPortAndBind moves both servers' listeners at run time
// with CONFIG SET port / bind, as Redis 7.0 allows: the same replies
// (failures leave the server where it was), and each server then accepts
// connections where it was told to and nowhere else.
func TestDiffConfigSetPortAndBind(t *testing.T) {
	s := privateServers(t, nil)
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	busyPort := strconv.Itoa(busy.Addr().(*net.TCPAddr).Port)
	var replies [2][]string
	for i, addr := range []string{s.redis, s.kvd} {
		c := dial(t, addr)
		free := func() string {
			p, err := freePort()
			if err != nil {
				t.Fatal(err)
			}
			return strconv.Itoa(p)
		}
		p1, p2, p3 := free(), free(), free()
		steps := [][]string{
			{"CONFIG", "SET", "port", busyPort},
			{"CONFIG", "SET", "bind", "10.255.255.1"},
			{"CONFIG", "SET", "bind", "127.0.0.1 -10.255.255.1"},
			{"CONFIG", "GET", "bind"},
			{"CONFIG", "SET", "port", p1},
			{"CONFIG", "SET", "port", "0"},
			{"CONFIG", "GET", "port"},
			{"CONFIG", "SET", "port", p2},
			{"CONFIG", "SET", "bind", "127.0.0.1", "port", p3},
			{"CONFIG", "SET", "bind", "10.255.255.1", "port", busyPort},
			{"CONFIG", "SET", "port", "65536"},
			{"CONFIG", "SET", "bind", "127.0.0.1"},
			{"PING"},
		}
		for _, st := range steps {
			r := c.do(st...)
			for _, p := range []string{p1, p2, p3} {
				r = strings.ReplaceAll(r, p, "<port>")
			}
			replies[i] = append(replies[i], r)
			if len(st) == 4 && st[1] == "SET" && st[2] == "port" && st[3] == "0" {
				// No TCP listener now: the old port refuses.
				if c2, err := net.DialTimeout("tcp", "127.0.0.1:"+p1, time.Second); err == nil {
					c2.Close()
					t.Errorf("%s still accepts on %s after CONFIG SET port 0", addr, p1)
				}
			}
		}
		// The last port that took is p3, on 127.0.0.1.
		c3 := dial(t, "127.0.0.1:"+p3)
		replies[i] = append(replies[i], c3.do("CONFIG", "GET", "port"))
		replies[i][len(replies[i])-1] = strings.ReplaceAll(replies[i][len(replies[i])-1], p3, "<port>")
		for _, old := range []string{addr, "127.0.0.1:" + p2} {
			if c4, err := net.DialTimeout("tcp", old, time.Second); err == nil {
				c4.Close()
				t.Errorf("server first at %s still accepts on %s", addr, old)
			}
		}
	}
	for j := range replies[0] {
		if replies[0][j] != replies[1][j] {
			t.Errorf("step %d: kvd %q, redis %q", j, replies[1][j], replies[0][j])
		}
	}
}
