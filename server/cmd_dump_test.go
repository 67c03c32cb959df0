package server

import (
	"bytes"
	"strconv"
	"testing"
	"time"
)

// TestRestorePropagation: RESTORE with a relative TTL propagates with an
// absolute one and ABSTTL, as Redis 7.0 rewrites it; a RESTORE that only
// deletes (REPLACE with a deadline already passed) propagates DEL.
func TestRestorePropagation(t *testing.T) {
	s := testClient(t, nil).srv
	c := s.newFakeClient()
	var got [][][]byte
	s.addPropConsumer(func(db int, argv [][]byte) {
		cp := make([][]byte, len(argv))
		for i, a := range argv {
			cp[i] = bytes.Clone(a)
		}
		got = append(got, cp)
	})
	run := func(argv ...string) string {
		b := make([][]byte, len(argv))
		for i, a := range argv {
			b[i] = []byte(a)
		}
		return string(s.runFake(c, b))
	}
	run("SET", "k", "hello")
	dump := run("DUMP", "k")
	payload := dump[bytes.IndexByte([]byte(dump), '\n')+1 : len(dump)-2]
	now := time.Now().UnixMilli()

	got = nil
	if r := run("RESTORE", "a", "10000", payload); r != "+OK\r\n" {
		t.Fatalf("RESTORE: %q", r)
	}
	if len(got) != 1 || len(got[0]) != 5 || string(got[0][0]) != "RESTORE" || string(got[0][4]) != "ABSTTL" || string(got[0][3]) != payload {
		t.Fatalf("propagated %q", got)
	}
	if at, _ := strconv.ParseInt(string(got[0][2]), 10, 64); at < now+9000 || at > now+11000 {
		t.Errorf("absolute TTL %d, now %d", at, now)
	}

	got = nil
	run("RESTORE", "b", "0", payload)
	if len(got) != 1 || len(got[0]) != 4 || string(got[0][2]) != "0" {
		t.Errorf("RESTORE without TTL propagated %q", got)
	}

	got = nil
	if r := run("RESTORE", "b", "1", payload, "ABSTTL", "REPLACE"); r != "+OK\r\n" {
		t.Fatalf("RESTORE: %q", r)
	}
	if len(got) != 1 || string(got[0][0]) != "DEL" || string(got[0][1]) != "b" {
		t.Errorf("expired RESTORE REPLACE propagated %q", got)
	}

	got = nil
	run("RESTORE", "c", "1", payload, "ABSTTL")
	run("RESTORE", "a", "0", payload)
	if len(got) != 0 {
		t.Errorf("RESTOREs that changed nothing propagated %q", got)
	}
}
