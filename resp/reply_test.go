package resp

import (
	"math"
	"testing"
)

func TestReplies(t *testing.T) {
	type tc struct {
		name       string
		f          func(b []byte, proto int) []byte
		resp2, rp3 string
	}
	same := func(name string, f func(b []byte) []byte, want string) tc {
		return tc{name, func(b []byte, _ int) []byte { return f(b) }, want, want}
	}
	cases := []tc{
		same("ok", AppendOK, "+OK\r\n"),
		same("status", func(b []byte) []byte { return AppendStatus(b, "PONG") }, "+PONG\r\n"),
		same("empty status", func(b []byte) []byte { return AppendStatus(b, "") }, "+\r\n"),
		same("error", func(b []byte) []byte { return AppendError(b, "ERR syntax error") }, "-ERR syntax error\r\n"),
		same("error with CR LF", func(b []byte) []byte { return AppendError(b, "ERR a\r\nb\nc\r") }, "-ERR a  b c \r\n"),
		same("protocol error", func(b []byte) []byte { return AppendError(b, ErrExpectedDollar('\r').Error()) },
			"-ERR Protocol error: expected '$', got ' '\r\n"),
		same("int", func(b []byte) []byte { return AppendInt(b, 42) }, ":42\r\n"),
		same("zero", func(b []byte) []byte { return AppendInt(b, 0) }, ":0\r\n"),
		same("min int", func(b []byte) []byte { return AppendInt(b, math.MinInt64) }, ":-9223372036854775808\r\n"),
		same("max int", func(b []byte) []byte { return AppendInt(b, math.MaxInt64) }, ":9223372036854775807\r\n"),
		same("bulk", func(b []byte) []byte { return AppendBulk(b, []byte("hello")) }, "$5\r\nhello\r\n"),
		same("empty bulk", func(b []byte) []byte { return AppendBulk(b, []byte{}) }, "$0\r\n\r\n"),
		same("nil slice bulk is empty", func(b []byte) []byte { return AppendBulk(b, nil) }, "$0\r\n\r\n"),
		same("binary bulk", func(b []byte) []byte { return AppendBulk(b, []byte("a\r\n\x00b")) }, "$5\r\na\r\n\x00b\r\n"),
		same("bulk string", func(b []byte) []byte { return AppendBulkString(b, "wörld") }, "$6\r\nwörld\r\n"),
		same("bulk int", func(b []byte) []byte { return AppendBulkInt(b, -17) }, "$3\r\n-17\r\n"),
		same("array", func(b []byte) []byte { return AppendArray(b, 3) }, "*3\r\n"),
		same("empty array", func(b []byte) []byte { return AppendArray(b, 0) }, "*0\r\n"),
		{"null", AppendNull, "$-1\r\n", "_\r\n"},
		{"null array", AppendNullArray, "*-1\r\n", "_\r\n"},
		{"map", func(b []byte, p int) []byte { return AppendMap(b, p, 2) }, "*4\r\n", "%2\r\n"},
		{"empty map", func(b []byte, p int) []byte { return AppendMap(b, p, 0) }, "*0\r\n", "%0\r\n"},
		{"set", func(b []byte, p int) []byte { return AppendSet(b, p, 3) }, "*3\r\n", "~3\r\n"},
		{"push", func(b []byte, p int) []byte { return AppendPush(b, p, 3) }, "*3\r\n", ">3\r\n"},
		{"double", func(b []byte, p int) []byte { return AppendDouble(b, p, 1.5) }, "$3\r\n1.5\r\n", ",1.5\r\n"},
		{"double integral", func(b []byte, p int) []byte { return AppendDouble(b, p, 3) }, "$1\r\n3\r\n", ",3\r\n"},
		{"double 17 digits", func(b []byte, p int) []byte { return AppendDouble(b, p, 0.1) },
			"$19\r\n0.10000000000000001\r\n", ",0.10000000000000001\r\n"},
		{"double exponent", func(b []byte, p int) []byte { return AppendDouble(b, p, 1e300) },
			"$23\r\n1.0000000000000001e+300\r\n", ",1.0000000000000001e+300\r\n"},
		{"double negative", func(b []byte, p int) []byte { return AppendDouble(b, p, -2.25) }, "$5\r\n-2.25\r\n", ",-2.25\r\n"},
		{"double inf", func(b []byte, p int) []byte { return AppendDouble(b, p, math.Inf(1)) }, "$3\r\ninf\r\n", ",inf\r\n"},
		{"double -inf", func(b []byte, p int) []byte { return AppendDouble(b, p, math.Inf(-1)) }, "$4\r\n-inf\r\n", ",-inf\r\n"},
		{"true", func(b []byte, p int) []byte { return AppendBool(b, p, true) }, ":1\r\n", "#t\r\n"},
		{"false", func(b []byte, p int) []byte { return AppendBool(b, p, false) }, ":0\r\n", "#f\r\n"},
		{"verbatim", func(b []byte, p int) []byte { return AppendVerbatim(b, p, "txt", []byte("a\r\nb")) },
			"$4\r\na\r\nb\r\n", "=8\r\ntxt:a\r\nb\r\n"},
		{"empty verbatim", func(b []byte, p int) []byte { return AppendVerbatim(b, p, "txt", nil) }, "$0\r\n\r\n", "=4\r\ntxt:\r\n"},
		{"big number", func(b []byte, p int) []byte {
			return AppendBigNumber(b, p, "3492890328409238509324850943850943825024385")
		},
			"$43\r\n3492890328409238509324850943850943825024385\r\n", "(3492890328409238509324850943850943825024385\r\n"},
	}
	for _, c := range cases {
		for _, proto := range []int{RESP2, RESP3} {
			want := c.resp2
			if proto == RESP3 {
				want = c.rp3
			}
			// Helpers append: what is already in the buffer stays.
			got := c.f([]byte("prefix"), proto)
			if string(got) != "prefix"+want {
				t.Errorf("%s RESP%d: got %q, want %q", c.name, proto, got, "prefix"+want)
			}
		}
	}
}

// A whole reply, built from the helpers, reads back as its parts.
func TestRepliesCompose(t *testing.T) {
	b := AppendMap(nil, RESP3, 2)
	b = AppendBulkString(b, "server")
	b = AppendBulkString(b, "kvd")
	b = AppendBulkString(b, "modules")
	b = AppendArray(b, 0)
	want := "%2\r\n$6\r\nserver\r\n$3\r\nkvd\r\n$7\r\nmodules\r\n*0\r\n"
	if string(b) != want {
		t.Errorf("got %q, want %q", b, want)
	}
}

func TestRepliesDoNotAllocate(t *testing.T) {
	buf := make([]byte, 0, 4096)
	val := []byte("some value")
	allocs := testing.AllocsPerRun(100, func() {
		b := buf[:0]
		b = AppendOK(b)
		b = AppendInt(b, 123456789)
		b = AppendBulk(b, val)
		b = AppendBulkInt(b, -5)
		b = AppendNull(b, RESP3)
		b = AppendArray(b, 2)
		b = AppendMap(b, RESP2, 2)
		b = AppendDouble(b, RESP3, 3.25)
		b = AppendError(b, "ERR x")
		_ = b
	})
	if allocs != 0 {
		t.Errorf("%v allocs, want 0", allocs)
	}
}

func BenchmarkAppendBulk(b *testing.B) {
	buf := make([]byte, 0, 1024)
	val := []byte("value-0000000000000000")
	b.ReportAllocs()
	for b.Loop() {
		buf = AppendBulk(buf[:0], val)
	}
}
