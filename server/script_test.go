package server

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"testing"
)

// TestScriptPropagation checks what a script's writes put on the
// propagation stream: its write commands (not EVAL), wrapped in MULTI/EXEC
// when there is more than one, none under redis.set_repl(REPL_NONE), and
// nothing for a script that only read.
func TestScriptPropagation(t *testing.T) {
	for _, tc := range []struct {
		script string
		want   []string
	}{
		{"return redis.call('get','a')", nil},
		{"return redis.call('set','a','1')", []string{"SELECT 0", "set a 1"}},
		{"redis.call('set','a','1') redis.call('incr','a') return redis.call('get','nokey')",
			[]string{"SELECT 0", "MULTI", "set a 1", "incr a", "EXEC"}},
		{"redis.call('select', 2) redis.call('set','b','x') redis.call('lpush','l','y') return 1",
			[]string{"SELECT 2", "MULTI", "set b x", "lpush l y", "EXEC"}},
		{"redis.set_repl(redis.REPL_NONE) redis.call('set','a','1') return 1", nil},
		{"redis.call('set','a','1') redis.set_repl(redis.REPL_NONE) redis.call('set','b','2') return 1", []string{"SELECT 0", "set a 1"}},
		{"redis.call('set','a','1') error('after the write')", []string{"SELECT 0", "set a 1"}},
	} {
		s := testClient(t, nil).srv
		var got []string
		db := -1
		s.addPropConsumer(func(d int, argv [][]byte) {
			if d != db {
				got = append(got, "SELECT "+string(rune('0'+d)))
				db = d
			}
			parts := make([]string, len(argv))
			for i, a := range argv {
				parts[i] = string(a)
			}
			got = append(got, strings.Join(parts, " "))
		})
		c := s.newFakeClient()
		fakeRun(c, "EVAL", tc.script, "0")
		if strings.Join(got, "|") != strings.Join(tc.want, "|") {
			t.Errorf("%s:\n got %q\nwant %q", tc.script, got, tc.want)
		}
	}
}

// BenchmarkEvalSha measures EVALSHA of a one-call script and of a 10-call
// script through the command path (no socket).
func BenchmarkEvalSha(b *testing.B) {
	for _, bc := range []struct{ name, script string }{
		{"incr", "return redis.call('INCR', KEYS[1])"},
		{"10calls", "local n for i = 1, 10 do n = redis.call('INCR', KEYS[1]) end return n"},
	} {
		b.Run(bc.name, func(b *testing.B) {
			s := testClient(b, nil).srv
			c := s.newFakeClient()
			sha := fakeRun(c, "SCRIPT", "LOAD", bc.script)
			sha = strings.TrimSuffix(sha[strings.Index(sha, "\n")+1:], "\r\n")
			argv := [][]byte{[]byte("EVALSHA"), []byte(sha), []byte("1"), []byte("counter")}
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				s.runFake(c, argv)
			}
		})
	}
}

// luaTableSource writes a Lua expression for a nested table described by
// data (a small deterministic grammar), for FuzzScriptConversion.
func luaTableSource(data []byte, depth int) (string, []byte) {
	if len(data) == 0 {
		return "1", nil
	}
	op := data[0]
	data = data[1:]
	switch op % 12 {
	case 0:
		return "'" + strings.Repeat("x", int(op%7)) + "'", data
	case 1:
		return strconv.Itoa(int(op) - 100), data
	case 2:
		return "true", data
	case 3:
		return "false", data
	case 4:
		return "nil", data
	case 5:
		return "{err='ERR e" + strconv.Itoa(int(op)) + "'}", data
	case 6:
		return "{ok='s'}", data
	case 7:
		return "{double=" + strconv.Itoa(int(op)) + ".5}", data
	case 8:
		return "3.75", data
	case 9:
		return "{map={k=1}}", data
	}
	if depth > 8 {
		return "{}", data
	}
	n := int(op % 5)
	parts := make([]string, 0, n)
	for i := 0; i < n; i++ {
		var p string
		p, data = luaTableSource(data, depth+1)
		parts = append(parts, p)
	}
	return "{" + strings.Join(parts, ",") + "}", data
}

// FuzzScriptConversion converts random nested Lua tables to replies in
// both protocols, and random bytes as if a command had answered them back
// to Lua values: no panic, and every reply is well-formed RESP.
func FuzzScriptConversion(f *testing.F) {
	f.Add([]byte{10, 1, 2, 11, 0, 5, 6})
	f.Add([]byte("*3\r\n:1\r\n$1\r\na\r\n%1\r\n+k\r\n,1.5\r\n"))
	f.Add([]byte("~2\r\n#t\r\n_\r\n"))
	f.Add([]byte("$5\r\nab"))
	s := testClient(f, nil).srv
	c := s.newFakeClient()
	f.Fuzz(func(t *testing.T, data []byte) {
		src, _ := luaTableSource(data, 0)
		for _, proto := range []int{2, 3} {
			c.proto = proto
			out := fakeRun(c, "EVAL", "return "+src, "0")
			if _, err := parseRESP([]byte(out)); err != nil {
				t.Fatalf("EVAL return %s (RESP%d): bad reply %q: %v", src, proto, out, err)
			}
		}
		c.proto = 2
		e := s.scriptEngine()
		v, _ := e.eval.luaFromReply(data, 0)
		e.eval.resp = 2
		x := &s.newFakeClient().Ctx
		e.eval.replyFromLua(x, v, 0)
		if _, err := parseRESP(x.out); err != nil {
			t.Fatalf("reply of %q: bad %q: %v", data, x.out, err)
		}
	})
}

// parseRESP checks that b is exactly one well-formed reply.
func parseRESP(b []byte) ([]byte, error) {
	rest, err := skipRESP(b, 0)
	if err != nil {
		return nil, err
	}
	if len(rest) != 0 {
		return nil, fmt.Errorf("trailing %q", rest)
	}
	return b, nil
}

func skipRESP(b []byte, depth int) ([]byte, error) {
	i := bytes.Index(b, []byte("\r\n"))
	if i < 1 || depth > 2000 {
		return nil, fmt.Errorf("bad line in %q", b)
	}
	line, rest := b[1:i], b[i+2:]
	switch b[0] {
	case '+', '-', ':', ',', '#', '_', '(':
		return rest, nil
	case '$', '=':
		n, err := strconv.Atoi(string(line))
		if err != nil {
			return nil, err
		}
		if n < 0 {
			return rest, nil
		}
		if len(rest) < n+2 {
			return nil, fmt.Errorf("short bulk")
		}
		return rest[n+2:], nil
	case '*', '~', '%':
		n, err := strconv.Atoi(string(line))
		if err != nil {
			return nil, err
		}
		if b[0] == '%' {
			n *= 2
		}
		for j := 0; j < n; j++ {
			if rest, err = skipRESP(rest, depth+1); err != nil {
				return nil, err
			}
		}
		return rest, nil
	}
	return nil, fmt.Errorf("unknown type %q", b[0])
}
