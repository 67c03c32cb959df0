package kvdtest

import (
	"strconv"
	"testing"
)

// FuzzParseReply feeds parseReply arbitrary bytes: it must return an
// error or a value, never panic or loop.
func FuzzParseReply(f *testing.F) {
	for _, seed := range []string{
		"+OK\r\n", "-ERR unknown command 'x'\r\n", ":42\r\n", "$5\r\nhello\r\n", "$-1\r\n",
		"*2\r\n$1\r\na\r\n:1\r\n", "*-1\r\n", "*1\r\n*1\r\n+x\r\n", "$3\r\nab", "*3\r\n", "$-5\r\n",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		parseReply(b)
	})
}

func TestParseReply(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want string
	}{
		{"+OK\r\n", "OK"},
		{":-3\r\n", "-3"},
		{"$0\r\n\r\n", ""},
		{"$-1\r\n", "<nil>"},
		{"*2\r\n$1\r\na\r\n*1\r\n:2\r\n", "[a [2]]"},
		{"-WRONGTYPE x\r\n", "WRONGTYPE x"},
	} {
		v, _, err := parseReply([]byte(tc.in))
		if err != nil {
			t.Fatalf("%q: %v", tc.in, err)
		}
		if got := fmtAny(v); got != tc.want {
			t.Errorf("%q: got %s, want %s", tc.in, got, tc.want)
		}
	}
	for _, bad := range []string{"", "+OK", "$3\r\nab", "*1\r\n", "?x\r\n", ":x\r\n"} {
		if _, _, err := parseReply([]byte(bad)); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}

func fmtAny(v any) string {
	switch v := v.(type) {
	case nil:
		return "<nil>"
	case []any:
		s := "["
		for i, e := range v {
			if i > 0 {
				s += " "
			}
			s += fmtAny(e)
		}
		return s + "]"
	case ReplyError:
		return string(v)
	case int64:
		return strconv.FormatInt(v, 10)
	case string:
		return v
	}
	return "?"
}

func TestParseReplyHugeLengths(t *testing.T) {
	for _, in := range []string{"$9223372036854775807\r\nab\r\n", "*9223372036854775807\r\n:1\r\n"} {
		if _, _, err := parseReply([]byte(in)); err == nil {
			t.Errorf("%q: no error", in)
		}
	}
}
