package server

import (
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
