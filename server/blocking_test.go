package server

import (
	"fmt"
	"strings"
	"testing"
)

// blockTestClient returns another connection-like client of s, with an id,
// on which commands run synchronously (see testClient).
func blockTestClient(s *Server) *Client {
	s.nextClientID++
	c := &Client{fd: -1, id: s.nextClientID, flags: flagAuthenticated}
	s.initCtx(c, true)
	s.clients[c.id] = c
	return c
}

// runOn runs cmd on c, keeping the replies c already had (a blocked
// client's reply arrives later).
func runOn(c *Client, cmd string) {
	c.argv = testArgv(cmd)
	c.srv.execute(c)
	c.argv = nil
}

// takeOut returns and clears what c has been answered.
func takeOut(c *Client) string {
	out := string(c.out[c.wpos:])
	c.out, c.wpos = c.out[:0], 0
	return out
}

// TestBlockingPropagation checks what blocked clients served by a write
// propagate: Redis 7.0's stream (as read from a redis-server with SYNC),
// the write first, then each served pop as a unit of its own.
func TestBlockingPropagation(t *testing.T) {
	tests := []struct {
		name  string
		steps []string // "A CMD": run CMD on client A
		want  []string
		reply map[string]string // a client's replies at the end
	}{
		{"blpop", []string{"A BLPOP k 0", "B LPUSH k x y"},
			[]string{"LPUSH k x y", "LPOP k"}, map[string]string{"A": "*2\r\n$1\r\nk\r\n$1\r\ny\r\n"}},
		{"blmove chain", []string{"A BLMOVE a b left right 0", "B BRPOPLPUSH b c 0", "C LPUSH a x"},
			[]string{"LPUSH a x", "LMOVE a b left right", "RPOPLPUSH b c"},
			map[string]string{"A": "$1\r\nx\r\n", "B": "$1\r\nx\r\n"}},
		{"blmove sides lower-cased", []string{"A BLMOVE a b RIGHT LEFT 0", "C RPUSH a x"},
			[]string{"RPUSH a x", "LMOVE a b right left"}, nil},
		{"brpoplpush onto itself", []string{"A BRPOPLPUSH s s 0", "C LPUSH s v"},
			[]string{"LPUSH s v", "RPOPLPUSH s s"}, nil},
		{"blmove wrong destination", []string{"A BLMOVE m str LEFT LEFT 0", "C SET str x", "C LPUSH m v"},
			[]string{"SET str x", "LPUSH m v"},
			map[string]string{"A": "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"}},
		{"blmpop count", []string{"A BLMPOP 0 1 q LEFT COUNT 5", "C RPUSH q 1 2 3"},
			[]string{"RPUSH q 1 2 3", "LPOP q 3"}, nil},
		{"bzpop", []string{"A BZPOPMIN z 0", "B BZMPOP 0 1 z MAX COUNT 3", "C ZADD z 1 a 2 b 3 c"},
			[]string{"ZADD z 1 a 2 b 3 c", "ZPOPMIN z", "ZPOPMAX z 2"}, nil},
		{"type mismatch waits", []string{"A BZPOPMIN k 0", "B BLPOP k 0", "C LPUSH k v"},
			[]string{"LPUSH k v", "LPOP k"}, map[string]string{"A": ""}},
		{"not blocking", []string{"C RPUSH q 1 2", "A BLPOP q 0", "A BLMOVE q q2 RIGHT left 0", "C ZADD zz 1 a",
			"A BZPOPMAX nz zz 0", "C RPUSH q 1 2 3", "A BLMPOP 0 1 q LEFT COUNT 5", "C ZADD z 1 a 2 b", "A BZMPOP 0 1 z MIN COUNT 9"},
			[]string{"RPUSH q 1 2", "LPOP q", "LMOVE q q2 RIGHT left", "ZADD zz 1 a", "ZPOPMAX zz", "RPUSH q 1 2 3",
				"LPOP q 3", "ZADD z 1 a 2 b", "ZPOPMIN z 2"}, nil},
		{"timed out and unblocked", []string{"A BLPOP k 0.001", "B BLPOP k 0", "C CLIENT UNBLOCK 2", "C LPUSH k v"},
			[]string{"LPUSH k v"}, map[string]string{"B": "*-1\r\n"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := testClient(t, nil).srv
			clients := map[string]*Client{}
			for _, n := range []string{"A", "B", "C"} {
				clients[n] = blockTestClient(s)
			}
			var got []string
			s.addPropConsumer(func(db int, argv [][]byte) {
				w := make([]string, len(argv))
				for i, a := range argv {
					w[i] = string(a)
				}
				got = append(got, strings.Join(w, " "))
			})
			for _, st := range tc.steps {
				name, cmd, _ := strings.Cut(st, " ")
				runOn(clients[name], cmd)
				if strings.HasSuffix(cmd, " 0.001") {
					// The deadline passes; the timer runs as the loop would.
					s.blk.timeouts[0].blk.deadline = 1
					s.blockTimeouts()
				}
			}
			if strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
				t.Errorf("propagated:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
			}
			for name, want := range tc.reply {
				if out := takeOut(clients[name]); out != want {
					t.Errorf("%s answered %q, want %q", name, out, want)
				}
			}
		})
	}
}

// TestBlockingIndexesEmpty blocks and unblocks clients 10,000 times in
// every way (served, timed out, CLIENT UNBLOCK, disconnected, WAIT) on
// overlapping keys, and requires every index of blocked clients to be
// empty afterwards.
func TestBlockingIndexesEmpty(t *testing.T) {
	s := testClient(t, nil).srv
	pusher := blockTestClient(s)
	for i := range 10000 {
		c := blockTestClient(s)
		k1, k2 := fmt.Sprintf("k%d", i%37), fmt.Sprintf("k%d", i%101)
		switch i % 6 {
		case 0:
			runOn(c, "BLPOP "+k1+" "+k2+" "+k1+" 0")
			runOn(pusher, "RPUSH "+k2+" v")
		case 1:
			runOn(c, "BZPOPMIN "+k1+"z "+k2+"z 100")
			runOn(pusher, "CLIENT UNBLOCK "+fmt.Sprint(c.id)+" ERROR")
		case 2:
			runOn(c, "BLMOVE "+k1+" "+k2+" LEFT RIGHT 100")
			c.forget(false)
		case 3:
			runOn(c, "WAIT 1 0")
			c.forget(false)
		case 4:
			runOn(c, "BRPOP "+k1+" 0.001")
			s.blk.timeouts[0].blk.deadline = 1 // due now
			s.blockTimeouts()
		case 5:
			runOn(c, "BLMPOP 100 2 "+k1+" "+k2+" LEFT COUNT 2")
			runOn(pusher, "CLIENT UNBLOCK "+fmt.Sprint(c.id))
		}
		if c.flags&flagBlocked != 0 {
			t.Fatalf("cycle %d: client still blocked", i)
		}
		c.forget(false)
	}
	runOn(pusher, "FLUSHALL")
	queues, ready, timeouts, blocked, onKeys := s.blockingSizes()
	if queues+ready+timeouts+blocked+onKeys != 0 {
		t.Errorf("after 10,000 cycles: %d key queues, %d ready keys, %d deadlines, %d blocked, %d on keys",
			queues, ready, timeouts, blocked, onKeys)
	}
	if len(s.clients) != 1 {
		t.Errorf("%d clients left", len(s.clients))
	}
}

// TestBlockingWritesDoNotAllocate checks that while a client is blocked,
// writes to other keys cost the request path no allocation: marking keys
// ready looks them up without copying them.
func TestBlockingWritesDoNotAllocate(t *testing.T) {
	s := testClient(t, nil).srv
	waiting, c := blockTestClient(s), blockTestClient(s)
	runOn(waiting, "BLPOP other 0")
	runOn(c, "RPUSH l a b")
	push, pop := testArgv("RPUSH l v"), testArgv("LPOP l")
	allocs := testing.AllocsPerRun(1000, func() {
		c.argv = push
		c.out = c.out[:0]
		s.execute(c)
		c.argv = pop
		c.out = c.out[:0]
		s.execute(c)
	})
	if allocs != 0 {
		t.Errorf("RPUSH and LPOP with a client blocked on another key: %v allocations", allocs)
	}
	if s.blk.blocked != 1 {
		t.Fatalf("%d blocked", s.blk.blocked)
	}
}

// TestBlockingServedAfterUnit runs writes as one execution unit (as EXEC
// and scripts will) and checks that the keys they made ready are served
// only when it ends, in the order they became ready, against the data the
// whole unit left: a key deleted or given another type in the same unit
// serves no one.
func TestBlockingServedAfterUnit(t *testing.T) {
	s := testClient(t, nil).srv
	a, b, w := blockTestClient(s), blockTestClient(s), blockTestClient(s)
	var got []string
	s.addPropConsumer(func(db int, argv [][]byte) {
		w := make([]string, len(argv))
		for i, x := range argv {
			w[i] = string(x)
		}
		got = append(got, strings.Join(w, " "))
	})
	unit := func(cmds ...string) {
		s.prop.enter()
		for _, cmd := range cmds {
			runOn(w, cmd)
		}
		s.prop.exit()
		s.serveReady() // what afterCall does when the outermost unit ends
	}
	runOn(a, "BLPOP a 0")
	runOn(b, "BLPOP b 0")
	unit("LPUSH a x", "DEL a", "LPUSH b y", "SET b str")
	if takeOut(a) != "" || takeOut(b) != "" || s.blk.blocked != 2 {
		t.Fatalf("served from a deleted key or a string")
	}
	unit("SET b str2", "RPUSH a 2", "DEL b", "RPUSH b 1", "RPUSH b 3")
	if out := takeOut(a) + takeOut(b); out != "*2\r\n$1\r\na\r\n$1\r\n2\r\n*2\r\n$1\r\nb\r\n$1\r\n1\r\n" {
		t.Errorf("replies %q", out)
	}
	want := []string{"MULTI", "LPUSH a x", "DEL a", "LPUSH b y", "SET b str", "EXEC",
		"MULTI", "SET b str2", "RPUSH a 2", "DEL b", "RPUSH b 1", "RPUSH b 3", "EXEC", "LPOP a", "LPOP b"}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("propagated:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
