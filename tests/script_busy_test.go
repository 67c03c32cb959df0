package tests

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"
)

// busyStep is one step of a busy-script scenario: connection A or B sends
// (and, unless send-only, reads) a command, or reads a pending reply, or
// the scenario sleeps.
type busyStep struct {
	conn     byte   // 'A' or 'B'
	cmd      string // inline-style command; empty: read a pending reply
	sendOnly bool
	sleep    time.Duration
}

// runBusy runs steps on one server and returns every reply read.
func runBusy(t *testing.T, addr string, steps []busyStep) []string {
	t.Helper()
	conns := map[byte]*conn{'A': dial(t, addr), 'B': dial(t, addr)}
	var out []string
	for _, st := range steps {
		if st.sleep > 0 {
			time.Sleep(st.sleep)
			continue
		}
		c := conns[st.conn]
		if st.cmd == "" {
			r, err := c.readErr(10 * time.Second)
			if err != nil {
				r = "read error"
			}
			out = append(out, r)
			continue
		}
		_, args := splitStep(t, st.cmd)
		c.write(encode(args...))
		if !st.sendOnly {
			out = append(out, c.read())
		}
	}
	return out
}

var durationRe = regexp.MustCompile(`duration_ms\r\n:\d+`)

// diffBusy runs steps on a private kvd and redis-server pair.
func diffBusy(t *testing.T, steps []busyStep) {
	t.Helper()
	s := privateServers(t, nil)
	want, got := runBusy(t, s.redis, steps), runBusy(t, s.kvd, steps)
	for i := range want {
		w, g := durationRe.ReplaceAllString(want[i], "duration_ms"), durationRe.ReplaceAllString(got[i], "duration_ms")
		if w != g {
			t.Errorf("reply %d:\n redis: %q\n   kvd: %q", i, want[i], got[i])
		}
	}
}

func TestScriptBusy(t *testing.T) {
	const loop = `"local i = 0 while true do i = i + 1 end"`
	settle := busyStep{sleep: 400 * time.Millisecond}
	t.Run("kill", func(t *testing.T) {
		diffBusy(t, []busyStep{
			{conn: 'B', cmd: "CONFIG SET busy-reply-threshold 100"},
			{conn: 'B', cmd: "SET k v"},
			{conn: 'A', cmd: "EVAL " + loop + " 0", sendOnly: true},
			{conn: 'A', cmd: "PING", sendOnly: true},
			settle,
			{conn: 'B', cmd: "PING"},
			{conn: 'B', cmd: "GET k"},
			{conn: 'B', cmd: "EVAL \"return 1\" 0"},
			{conn: 'B', cmd: "FUNCTION STATS"},
			{conn: 'B', cmd: "FUNCTION KILL"},
			{conn: 'B', cmd: "SCRIPT KILL"},
			{conn: 'A'},
			{conn: 'A'},
			{conn: 'B', cmd: "GET k"},
			{conn: 'B', cmd: "SCRIPT KILL"},
		})
	})
	t.Run("unkillable", func(t *testing.T) {
		diffBusy(t, []busyStep{
			{conn: 'B', cmd: "CONFIG SET busy-reply-threshold 100"},
			{conn: 'A', cmd: "EVAL \"redis.call('set','w','1') local i = 0 while true do i = i + 1 end\" 0", sendOnly: true},
			settle,
			{conn: 'B', cmd: "SCRIPT KILL"},
			{conn: 'B', cmd: "SHUTDOWN"},
			{conn: 'B', cmd: "SHUTDOWN NOSAVE", sendOnly: true},
			{conn: 'A'},
		})
	})
	t.Run("function", func(t *testing.T) {
		diffBusy(t, []busyStep{
			{conn: 'B', cmd: "CONFIG SET busy-reply-threshold 100"},
			{conn: 'B', cmd: "FUNCTION LOAD \"#!lua name=busy\nredis.register_function{function_name='spin', callback=function() local i = 0 while true do i = i + 1 end end, flags={'no-writes'}}\""},
			{conn: 'A', cmd: "FCALL spin 0", sendOnly: true},
			settle,
			{conn: 'B', cmd: "PING"},
			{conn: 'B', cmd: "FUNCTION STATS"},
			{conn: 'B', cmd: "SCRIPT KILL"},
			{conn: 'B', cmd: "FUNCTION KILL"},
			{conn: 'A'},
			{conn: 'B', cmd: "FUNCTION STATS"},
		})
	})
}

// TestScriptBusyPipelinedCaller sends a long script and more commands in
// one write: they run after the script, in order, on kvd.
func TestScriptBusyPipelinedCaller(t *testing.T) {
	srv := newKvd(t, nil)
	a, b := dial(t, srv.Addr().String()), dial(t, srv.Addr().String())
	b.do("CONFIG", "SET", "busy-reply-threshold", "50")
	script := "local t = redis.call('time') local i = 0 while i < 3000000 do i = i + 1 end return 'done'"
	var batch []byte
	batch = append(batch, encode("EVAL", script, "0")...)
	for i := 0; i < 50; i++ {
		batch = append(batch, encode("INCR", "n")...)
	}
	a.write(batch[:len(batch)-7]) // the last command is cut: its rest comes during the script
	time.Sleep(100 * time.Millisecond)
	a.write(batch[len(batch)-7:])
	if r := a.read(); r != "$4\r\ndone\r\n" {
		t.Fatalf("script reply %q", r)
	}
	for i := 1; i <= 50; i++ {
		if r := a.read(); !strings.HasPrefix(r, ":") {
			t.Fatalf("INCR %d: %q", i, r)
		}
	}
	if r := b.do("GET", "n"); r != "$2\r\n50\r\n" {
		t.Fatalf("GET n: %q", r)
	}
}

// TestScriptBusyCallerGone closes the connection of a busy script's
// caller: the script is killed, the server goes on, and the client is
// dropped once its script ends.
func TestScriptBusyCallerGone(t *testing.T) {
	srv := newKvd(t, nil)
	a, b := dial(t, srv.Addr().String()), dial(t, srv.Addr().String())
	b.do("CONFIG", "SET", "busy-reply-threshold", "50")
	a.write(encode("EVAL", "local i = 0 while true do i = i + 1 end", "0"))
	time.Sleep(200 * time.Millisecond)
	a.nc.Close()
	time.Sleep(100 * time.Millisecond)
	if r := b.do("SCRIPT", "KILL"); r != "+OK\r\n" {
		t.Fatalf("SCRIPT KILL: %q", r)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		r := b.do("CLIENT", "LIST")
		if strings.Count(r, "id=") == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the caller was not dropped: %q", r)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if r := b.do("PING"); r != "+PONG\r\n" {
		t.Fatalf("PING: %q", r)
	}
}

// TestScriptClientPause checks which scripts CLIENT PAUSE WRITE holds: as
// Redis, those that may write (no shebang, or a shebang without
// no-writes), not no-writes scripts, EVAL_RO or no-writes functions.
func TestScriptClientPause(t *testing.T) {
	s := privateServers(t, nil)
	cases := []string{
		`EVAL "#!lua flags=no-writes\nreturn 1" 0`,
		`EVAL_RO "return 2" 0`,
		`FCALL_RO ro 0`,
		`FCALL ro 0`,
		`EVAL "return 3" 0`,
		`EVAL "#!lua\nreturn 4" 0`,
		`FCALL rw 0`,
	}
	run := func(addr string) []string {
		a, b := dial(t, addr), dial(t, addr)
		a.do("FUNCTION", "LOAD", "REPLACE", "#!lua name=pz\nredis.register_function{function_name='ro', callback=function() return 'ro' end, flags={'no-writes'}}\nredis.register_function('rw', function() return 'rw' end)")
		var out []string
		for _, cs := range cases {
			a.do("CLIENT", "PAUSE", "300", "WRITE")
			_, args := splitStep(t, cs)
			start := time.Now()
			r := b.do(args...)
			held := time.Since(start) > 150*time.Millisecond
			out = append(out, fmt.Sprintf("%s held=%v", strings.TrimSpace(r), held))
			a.do("CLIENT", "UNPAUSE")
		}
		return out
	}
	want, got := run(s.redis), run(s.kvd)
	for i := range cases {
		if want[i] != got[i] {
			t.Errorf("%s:\n redis: %s\n   kvd: %s", cases[i], want[i], got[i])
		}
	}
}
