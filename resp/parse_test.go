package resp

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand"
	"reflect"
	"strings"
	"testing"
)

// parseAll parses every complete request at the start of buf, the way a
// server's read loop does, and returns the commands (empty requests
// included, as empty slices), the bytes consumed and the error that stopped
// it, if any.
func parseAll(p *Parser, buf []byte) (cmds [][]string, consumed int, err error) {
	var argv [][]byte
	for consumed < len(buf) {
		var n int
		argv, n, err = p.Parse(buf[consumed:], argv)
		if err != nil {
			return cmds, consumed, err
		}
		if n == 0 {
			break
		}
		if n > len(buf)-consumed {
			return cmds, consumed, fmt.Errorf("consumed %d of %d bytes", n, len(buf)-consumed)
		}
		cmds = append(cmds, toStrings(argv))
		consumed += n
	}
	return cmds, consumed, nil
}

func toStrings(argv [][]byte) []string {
	out := make([]string, len(argv))
	for i, a := range argv {
		out[i] = string(a)
	}
	return out
}

// mb encodes a multibulk request.
func mb(args ...string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "*%d\r\n", len(args))
	for _, a := range args {
		fmt.Fprintf(&b, "$%d\r\n%s\r\n", len(a), a)
	}
	return b.String()
}

// cmds is shorthand for a list of commands.
func cmds(c ...[]string) [][]string { return c }

// args is shorthand for one command.
func args(a ...string) []string {
	if a == nil {
		return []string{}
	}
	return a
}

type parseCase struct {
	name     string
	in       string
	want     [][]string // complete requests, in order
	consumed int        // bytes they used; -1 means len(in)
	err      error      // the error that follows them, if any
}

func runParseCases(t *testing.T, maxBulk int64, cases []parseCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := Parser{MaxBulkLen: maxBulk}
			got, n, err := parseAll(&p, []byte(tc.in))
			wantN := tc.consumed
			if wantN < 0 {
				wantN = len(tc.in)
			}
			if !errors.Is(err, tc.err) && !(err != nil && tc.err != nil && err.Error() == tc.err.Error()) {
				t.Fatalf("error: got %v, want %v", err, tc.err)
			}
			if len(got) != len(tc.want) || (len(got) > 0 && !reflect.DeepEqual(got, tc.want)) {
				t.Fatalf("commands:\n got %q\nwant %q", got, tc.want)
			}
			if n != wantN {
				t.Fatalf("consumed %d bytes, want %d", n, wantN)
			}
			if err != nil && p.Pending() {
				t.Fatalf("parser still pending after error %v", err)
			}
		})
	}
}

func TestParseMultibulk(t *testing.T) {
	big := strings.Repeat("v", 40000)
	runParseCases(t, 0, []parseCase{
		{name: "ping", in: mb("PING"), want: cmds(args("PING")), consumed: -1},
		{name: "set", in: mb("SET", "key", "value"), want: cmds(args("SET", "key", "value")), consumed: -1},
		{name: "empty argument", in: mb("GET", ""), want: cmds(args("GET", "")), consumed: -1},
		{name: "big argument", in: mb("SET", "k", big), want: cmds(args("SET", "k", big)), consumed: -1},
		{name: "pipeline", in: mb("SET", "a", "1") + mb("GET", "a") + mb("PING"),
			want: cmds(args("SET", "a", "1"), args("GET", "a"), args("PING")), consumed: -1},
		{name: "binary argument", in: mb("SET", "k\r\n\x00", "\x00\r\n$1\r\n*2"),
			want: cmds(args("SET", "k\r\n\x00", "\x00\r\n$1\r\n*2")), consumed: -1},
		{name: "zero count", in: "*0\r\n", want: cmds(args()), consumed: -1},
		{name: "minus one count", in: "*-1\r\n", want: cmds(args()), consumed: -1},
		{name: "negative count", in: "*-10\r\n", want: cmds(args()), consumed: -1},
		{name: "most negative count", in: "*-9223372036854775808\r\n", want: cmds(args()), consumed: -1},
		{name: "empty requests then ping", in: "*0\r\n*-5\r\n" + mb("PING"),
			want: cmds(args(), args(), args("PING")), consumed: -1},
		{name: "incomplete count", in: "*1", consumed: 0},
		{name: "count without LF", in: "*1\r", consumed: 0},
		{name: "incomplete bulk header", in: "*1\r\n$4", consumed: 0},
		{name: "incomplete bulk data", in: "*1\r\n$4\r\nPI", consumed: 0},
		{name: "bulk data without CRLF", in: "*1\r\n$4\r\nPING", consumed: 0},
		{name: "bulk data with CR only", in: "*1\r\n$4\r\nPING\r", consumed: 0},
		{name: "huge count waits", in: "*20000000\r\n$4\r\nPING\r\n", consumed: 0},
		{name: "INT_MAX count waits", in: "*2147483647\r\n", consumed: 0},
		{name: "largest bulk waits", in: "*1\r\n$536870912\r\n", consumed: 0},
		{name: "second request incomplete", in: mb("PING") + "*1\r\n$4\r\nPI",
			want: cmds(args("PING")), consumed: len(mb("PING"))},

		// Redis skips the two bytes after bulk data, and the byte after a
		// header's CR, without checking them.
		{name: "bytes after data unchecked", in: "*1\r\n$4\r\nPINGxy", want: cmds(args("PING")), consumed: -1},
		{name: "byte after header CR unchecked", in: "*1\rX$4\rYPING\r\n", want: cmds(args("PING")), consumed: -1},

		{name: "empty count", in: "*\r\n", err: ErrInvalidMultibulkLen},
		{name: "non-numeric count", in: "*abc\r\n", err: ErrInvalidMultibulkLen},
		{name: "plus sign count", in: "*+1\r\n", err: ErrInvalidMultibulkLen},
		{name: "leading zero count", in: "*01\r\n", err: ErrInvalidMultibulkLen},
		{name: "space in count", in: "* 1\r\n", err: ErrInvalidMultibulkLen},
		{name: "trailing space count", in: "*1 \r\n", err: ErrInvalidMultibulkLen},
		{name: "minus zero count", in: "*-0\r\n", err: ErrInvalidMultibulkLen},
		{name: "count over INT_MAX", in: "*2147483648\r\n", err: ErrInvalidMultibulkLen},
		{name: "count overflows int64", in: "*9223372036854775808\r\n", err: ErrInvalidMultibulkLen},
		{name: "LF-only count line", in: "*1\n$4\r\nPING\r\n", err: ErrInvalidMultibulkLen},
		{name: "count error after a good request", in: mb("PING") + "*x\r\n",
			want: cmds(args("PING")), consumed: len(mb("PING")), err: ErrInvalidMultibulkLen},

		{name: "bulk length -1", in: "*1\r\n$-1\r\n", err: ErrInvalidBulkLen},
		{name: "bulk length -2", in: "*1\r\n$-2\r\n", err: ErrInvalidBulkLen},
		{name: "bulk length int64 max", in: "*1\r\n$9223372036854775807\r\n", err: ErrInvalidBulkLen},
		{name: "bulk length overflows", in: "*1\r\n$9223372036854775808\r\n", err: ErrInvalidBulkLen},
		{name: "bulk length over proto-max-bulk-len", in: "*1\r\n$536870913\r\n", err: ErrInvalidBulkLen},
		{name: "empty bulk length", in: "*1\r\n$\r\n", err: ErrInvalidBulkLen},
		{name: "non-numeric bulk length", in: "*1\r\n$x\r\n", err: ErrInvalidBulkLen},
		{name: "plus sign bulk length", in: "*1\r\n$+4\r\nPING\r\n", err: ErrInvalidBulkLen},
		{name: "leading zero bulk length", in: "*1\r\n$04\r\nPING\r\n", err: ErrInvalidBulkLen},
		{name: "bad second bulk length", in: "*2\r\n$3\r\nGET\r\n$-1\r\n", err: ErrInvalidBulkLen},

		{name: "expected dollar got x", in: "*1\r\nx\r\n", err: ErrExpectedDollar('x')},
		{name: "expected dollar got star", in: "*1\r\n*1\r\n", err: ErrExpectedDollar('*')},
		{name: "expected dollar got CR", in: "*1\r\n\r\n", err: ErrExpectedDollar('\r')},
		{name: "expected dollar got colon", in: "*2\r\n$3\r\nGET\r\n:1\r\n", err: ErrExpectedDollar(':')},
		{name: "data longer than length", in: "*2\r\n$2\r\nPING\r\n$1\r\na\r\n", err: ErrExpectedDollar('\r')},
	})
}

func TestParseMaxBulkLen(t *testing.T) {
	runParseCases(t, 1024, []parseCase{
		{name: "at limit", in: mb("x", strings.Repeat("a", 1024)), want: cmds(args("x", strings.Repeat("a", 1024))), consumed: -1},
		{name: "over limit", in: "*1\r\n$1025\r\n", err: ErrInvalidBulkLen},
	})
}

func TestParseUnauthenticated(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   string
		want [][]string
		err  error
	}{
		{name: "ten arguments", in: "*10\r\n" + strings.Repeat("$1\r\na\r\n", 10),
			want: cmds(args("a", "a", "a", "a", "a", "a", "a", "a", "a", "a"))},
		{name: "eleven arguments", in: "*11\r\n", err: ErrUnauthMultibulkLen},
		{name: "negative count", in: "*-11\r\n", want: cmds(args())},
		{name: "invalid count first", in: "*2147483648\r\n", err: ErrInvalidMultibulkLen},
		{name: "16 KB argument", in: mb(strings.Repeat("b", 16384)), want: cmds(args(strings.Repeat("b", 16384)))},
		{name: "argument over 16 KB", in: "*1\r\n$16385\r\n", err: ErrUnauthBulkLen},
		{name: "invalid bulk length first", in: "*1\r\n$536870913\r\n", err: ErrInvalidBulkLen},
		{name: "inline has no such limits", in: strings.Repeat("a ", 20) + strings.Repeat("c", 20000) + "\n",
			want: cmds(append(strings.Fields(strings.Repeat("a ", 20)), strings.Repeat("c", 20000)))},
	} {
		p := Parser{Unauthenticated: true}
		got, _, err := parseAll(&p, []byte(tc.in))
		if err != tc.err || len(got) != len(tc.want) || len(got) > 0 && !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: got %.80q, %v; want %.80q, %v", tc.name, got, err, tc.want, tc.err)
		}
	}
}

func TestParseLineLimits(t *testing.T) {
	digits := func(n int) string { return strings.Repeat("1", n) }
	runParseCases(t, 0, []parseCase{
		// The count line: waits up to MaxInlineSize bytes without a CR.
		{name: "mbulk count at limit", in: "*" + digits(MaxInlineSize-1), consumed: 0},
		{name: "mbulk count over limit", in: "*" + digits(MaxInlineSize), err: ErrTooBigMbulkCount},
		{name: "mbulk count far over limit", in: "*" + digits(4*MaxInlineSize), err: ErrTooBigMbulkCount},
		// A bulk header: counted from the header's first byte.
		{name: "bulk count at limit", in: "*1\r\n$" + digits(MaxInlineSize-1), consumed: 0},
		{name: "bulk count over limit", in: "*1\r\n$" + digits(MaxInlineSize), err: ErrTooBigBulkCount},
		{name: "bulk count over limit, second arg", in: "*2\r\n$1\r\na\r\n$" + digits(MaxInlineSize), err: ErrTooBigBulkCount},
		// An inline request.
		{name: "inline at limit", in: strings.Repeat("a", MaxInlineSize), consumed: 0},
		{name: "inline over limit", in: strings.Repeat("a", MaxInlineSize+1), err: ErrTooBigInline},
		{name: "long inline with newline", in: strings.Repeat("a", 3*MaxInlineSize) + "\n",
			want: cmds(args(strings.Repeat("a", 3*MaxInlineSize))), consumed: -1},
	})
}

func TestParseInline(t *testing.T) {
	runParseCases(t, 0, []parseCase{
		{name: "ping CRLF", in: "PING\r\n", want: cmds(args("PING")), consumed: -1},
		{name: "ping LF", in: "PING\n", want: cmds(args("PING")), consumed: -1},
		{name: "words", in: "SET  a\tb \r\n", want: cmds(args("SET", "a", "b")), consumed: -1},
		{name: "empty line CRLF", in: "\r\n", want: cmds(args()), consumed: -1},
		{name: "empty line LF", in: "\n", want: cmds(args()), consumed: -1},
		{name: "blank line", in: " \t \r\n", want: cmds(args()), consumed: -1},
		{name: "lone CR is a blank line", in: "\r\r\n", want: cmds(args()), consumed: -1},
		{name: "CR ends a word", in: "PING\r\r\n", want: cmds(args("PING")), consumed: -1},
		{name: "CR splits words", in: "a\rb\n", want: cmds(args("a", "b")), consumed: -1},
		{name: "vertical tab inside a word", in: "GET\vx\n", want: cmds(args("GET\vx")), consumed: -1},
		{name: "leading vertical tab skipped", in: "\v\fGET x\n", want: cmds(args("GET", "x")), consumed: -1},
		{name: "several lines", in: "PING\nECHO a\r\n\nGET k\n",
			want: cmds(args("PING"), args("ECHO", "a"), args(), args("GET", "k")), consumed: -1},
		{name: "inline then multibulk", in: "PING\r\n" + mb("GET", "k"),
			want: cmds(args("PING"), args("GET", "k")), consumed: -1},
		{name: "star not first is inline", in: " *1\r\n", want: cmds(args("*1")), consumed: -1},
		{name: "dollar line is inline", in: "$4\r\n", want: cmds(args("$4")), consumed: -1},
		{name: "incomplete", in: "PING", consumed: 0},
		{name: "incomplete after CR", in: "PING\r", consumed: 0},
		{name: "double quotes", in: `SET "a b" "c"` + "\r\n", want: cmds(args("SET", "a b", "c")), consumed: -1},
		{name: "single quotes", in: `SET 'a b' ''` + "\n", want: cmds(args("SET", "a b", "")), consumed: -1},
		{name: "empty double quotes", in: `ECHO ""` + "\n", want: cmds(args("ECHO", "")), consumed: -1},
		{name: "escapes", in: `ECHO "\x41\x4a\n\r\t\b\a\\\"\q"` + "\n", want: cmds(args("ECHO", "AJ\n\r\t\b\a\\\"q")), consumed: -1},
		{name: "NUL by hex escape", in: `SET "k\x00" "\x00"` + "\n", want: cmds(args("SET", "k\x00", "\x00")), consumed: -1},
		{name: "short hex escape", in: `ECHO "\x4"` + "\n", want: cmds(args("ECHO", "x4")), consumed: -1},
		{name: "bad hex escape", in: `ECHO "\xZZ"` + "\n", want: cmds(args("ECHO", "xZZ")), consumed: -1},
		{name: "single quote escape", in: `ECHO 'it\'s' 'a\nb'` + "\n", want: cmds(args("ECHO", "it's", `a\nb`)), consumed: -1},
		{name: "quote inside a word", in: `ECHO a"b c" d` + "\n", want: cmds(args("ECHO", "ab c", "d")), consumed: -1},
		{name: "text after quote inside a word", in: `ECHO a"b"c` + "\n", err: ErrUnbalancedQuotes},
		{name: "unbalanced double quote", in: `SET "a` + "\r\n", err: ErrUnbalancedQuotes},
		{name: "unbalanced single quote", in: `SET 'a` + "\n", err: ErrUnbalancedQuotes},
		{name: "trailing backslash in quotes", in: `SET "a\` + "\n", err: ErrUnbalancedQuotes},
		{name: "text after closing double quote", in: `SET "a"b` + "\n", err: ErrUnbalancedQuotes},
		{name: "text after closing single quote", in: `SET 'a'b` + "\n", err: ErrUnbalancedQuotes},
		{name: "unbalanced after a good line", in: "PING\n\"\n", want: cmds(args("PING")), consumed: 5, err: ErrUnbalancedQuotes},
	})
}

// A NUL byte hides a line's end from Redis, which searches with strchr: the
// request waits for more input until it passes the size limit.
func TestParseNULQuirks(t *testing.T) {
	pad := strings.Repeat("x", 2*MaxInlineSize)
	runParseCases(t, 0, []parseCase{
		{name: "NUL in count line waits", in: "*1\x00\r\n$4\r\nPING\r\n", consumed: 0},
		{name: "NUL in count line, then too big", in: "*1\x00\r\n" + pad, err: ErrTooBigMbulkCount},
		{name: "NUL in bulk header waits", in: "*1\r\n$4\x00\r\nPING\r\n", consumed: 0},
		{name: "NUL in bulk header, then too big", in: "*1\r\n$4\x00\r\n" + pad, err: ErrTooBigBulkCount},
		{name: "NUL as header first byte waits", in: "*1\r\n\x00\r\n", consumed: 0},
		{name: "NUL in bulk data is data", in: mb("SET", "a\x00b", "\x00"), want: cmds(args("SET", "a\x00b", "\x00")), consumed: -1},
		{name: "NUL in inline waits", in: "PING\x00\r\n", consumed: 0},
		{name: "NUL in inline, then too big", in: "PING\x00\r\n" + pad, err: ErrTooBigInline},
		{name: "NUL after inline newline", in: "PING\n\x00\n", want: cmds(args("PING")), consumed: 5},
		{name: "NUL after request waits", in: mb("PING") + "\x00PING\r\n", want: cmds(args("PING")), consumed: len(mb("PING"))},
	})
}

func TestErrorTexts(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want string
	}{
		{ErrInvalidMultibulkLen, "ERR Protocol error: invalid multibulk length"},
		{ErrInvalidBulkLen, "ERR Protocol error: invalid bulk length"},
		{ErrTooBigMbulkCount, "ERR Protocol error: too big mbulk count string"},
		{ErrTooBigBulkCount, "ERR Protocol error: too big bulk count string"},
		{ErrTooBigInline, "ERR Protocol error: too big inline request"},
		{ErrUnbalancedQuotes, "ERR Protocol error: unbalanced quotes in request"},
		{ErrUnauthMultibulkLen, "ERR Protocol error: unauthenticated multibulk length"},
		{ErrUnauthBulkLen, "ERR Protocol error: unauthenticated bulk length"},
		{ErrExpectedDollar('x'), "ERR Protocol error: expected '$', got 'x'"},
	} {
		if got := tc.err.Error(); got != tc.want {
			t.Errorf("got %q, want %q", got, tc.want)
		}
	}
}

// pipeline is a mix of every kind of request, with binary data, big
// arguments and empty requests.
func pipeline() []byte {
	var b bytes.Buffer
	b.WriteString(mb("SET", "key", "value"))
	b.WriteString("PING\r\n")
	b.WriteString(mb("SET", "bin\r\n\x00key", "\x00\r\n*1\r\n$4\r\n"))
	b.WriteString("\r\n")
	b.WriteString("*0\r\n")
	b.WriteString(`SET "quoted key" 'v\'' "\x00\r\n"` + "\n")
	b.WriteString(mb("SET", "big", strings.Repeat("0123456789", 200)))
	b.WriteString("*-3\r\n")
	b.WriteString(mb(""))
	b.WriteString(mb("MGET", "a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l"))
	b.WriteString("GET key\n")
	b.WriteString("*1\r\n$4\r\nPINGxx")
	return b.Bytes()
}

// feed simulates a server reading buf in the given chunk sizes: after each
// read it parses every complete request, keeps the unparsed tail (copying
// it into a fresh buffer, as a compaction would) and calls Parse once more
// with no new data to check that an idle retry changes nothing.
func feed(t *testing.T, buf []byte, chunks []int) [][]string {
	t.Helper()
	var p Parser
	var out [][]string
	var qbuf []byte
	var argv [][]byte
	pos := 0
	for _, size := range chunks {
		qbuf = append(qbuf, buf[pos:pos+size]...)
		pos += size
		for {
			var n int
			var err error
			argv, n, err = p.Parse(qbuf, argv)
			if err != nil {
				t.Fatalf("chunks %v: %v", chunks, err)
			}
			if n == 0 {
				if len(qbuf) > 0 {
					if _, n2, err := p.Parse(qbuf, argv); n2 != 0 || err != nil {
						t.Fatalf("idle retry: n=%d err=%v", n2, err)
					}
				}
				break
			}
			out = append(out, toStrings(argv))
			qbuf = append([]byte(nil), qbuf[n:]...)
		}
	}
	if len(qbuf) != 0 || p.Pending() {
		t.Fatalf("chunks %v: %d bytes left unparsed, pending=%v", chunks, len(qbuf), p.Pending())
	}
	return out
}

func TestParseIncrementalEverySplit(t *testing.T) {
	buf := pipeline()
	var p Parser
	want, n, err := parseAll(&p, buf)
	if err != nil || n != len(buf) {
		t.Fatalf("whole pipeline: n=%d of %d, err=%v", n, len(buf), err)
	}
	if len(want) != 12 {
		t.Fatalf("pipeline has %d requests, want 12: %q", len(want), want)
	}
	for i := 1; i < len(buf); i++ {
		got := feed(t, buf, []int{i, len(buf) - i})
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("split at %d:\n got %q\nwant %q", i, got, want)
		}
	}
}

func TestParseIncrementalOneByte(t *testing.T) {
	buf := pipeline()
	var p Parser
	want, _, _ := parseAll(&p, buf)
	ones := make([]int, len(buf))
	for i := range ones {
		ones[i] = 1
	}
	if got := feed(t, buf, ones); !reflect.DeepEqual(got, want) {
		t.Fatalf("one byte at a time:\n got %q\nwant %q", got, want)
	}
}

func TestParseIncrementalRandom(t *testing.T) {
	buf := append(pipeline(), mb("SET", "huge", strings.Repeat("abcdefgh\r\n", 30000))...)
	buf = append(buf, pipeline()...)
	var p Parser
	want, _, _ := parseAll(&p, buf)
	seed := int64(20240607)
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewSource(seed))
	for round := 0; round < 200; round++ {
		var chunks []int
		for left := len(buf); left > 0; {
			n := min(left, 1+rng.Intn(1<<uint(rng.Intn(16))))
			chunks = append(chunks, n)
			left -= n
		}
		if got := feed(t, buf, chunks); !reflect.DeepEqual(got, want) {
			t.Fatalf("round %d:\n got %q\nwant %q", round, got, want)
		}
	}
}

// The error a hostile request gets does not depend on how it arrives.
func TestParseIncrementalErrors(t *testing.T) {
	for _, tc := range []struct {
		in  string
		err error
	}{
		{"*1\r\n$-1\r\n", ErrInvalidBulkLen},
		{"*abc\r\n", ErrInvalidMultibulkLen},
		{"*2\r\n$3\r\nGET\r\nx\r\n", ErrExpectedDollar('x')},
		{"SET \"a\r\n", ErrUnbalancedQuotes},
		{"*1\r\n$" + strings.Repeat("1", MaxInlineSize+10), ErrTooBigBulkCount},
		{"*1\x00" + strings.Repeat("1", MaxInlineSize+10), ErrTooBigMbulkCount},
		{strings.Repeat("a", MaxInlineSize+10), ErrTooBigInline},
	} {
		in := []byte(tc.in)
		for _, step := range []int{1, 7, 1000, len(in)} {
			var p Parser
			var err error
			for end := step; err == nil; end += step {
				end = min(end, len(in))
				var n int
				_, n, err = p.Parse(in[:end], nil)
				if n != 0 {
					t.Fatalf("%q step %d: parsed a request", tc.in, step)
				}
				if end == len(in) {
					break
				}
			}
			if err == nil || err.Error() != tc.err.Error() {
				t.Errorf("%.20q step %d: got %v, want %v", tc.in, step, err, tc.err)
			}
		}
	}
}

func TestNeedAndPending(t *testing.T) {
	req := mb("SET", "k", strings.Repeat("x", 100000))
	var p Parser
	if p.Pending() || p.Need() != 0 {
		t.Fatalf("fresh parser: pending=%v need=%d", p.Pending(), p.Need())
	}
	// Before the big argument's header arrives, nothing specific is known.
	hdr := strings.Index(req, "$100000")
	if _, n, err := p.Parse([]byte(req[:hdr+3]), nil); n != 0 || err != nil {
		t.Fatalf("partial: n=%d err=%v", n, err)
	}
	if !p.Pending() || p.Need() != 0 {
		t.Fatalf("before header: pending=%v need=%d", p.Pending(), p.Need())
	}
	// Once it has, Need is the whole request's length.
	if _, n, err := p.Parse([]byte(req[:hdr+10]), nil); n != 0 || err != nil {
		t.Fatalf("partial: n=%d err=%v", n, err)
	}
	if p.Need() != len(req) {
		t.Fatalf("Need = %d, want %d", p.Need(), len(req))
	}
	argv, n, err := p.Parse([]byte(req), nil)
	if n != len(req) || err != nil || len(argv) != 3 || len(argv[2]) != 100000 {
		t.Fatalf("complete: n=%d err=%v argc=%d", n, err, len(argv))
	}
	if p.Pending() || p.Need() != 0 {
		t.Fatalf("after: pending=%v need=%d", p.Pending(), p.Need())
	}
	// An incomplete inline request is pending too.
	if _, n, _ := p.Parse([]byte("PIN"), nil); n != 0 || !p.Pending() {
		t.Fatalf("inline partial: n=%d pending=%v", n, p.Pending())
	}
	p.Reset()
	if p.Pending() {
		t.Fatal("pending after Reset")
	}
	// After Reset the parser starts over on a new request.
	if _, n, _ := p.Parse([]byte("*2\r\n$3\r\nGE"), nil); n != 0 {
		t.Fatalf("partial: n=%d", n)
	}
	p.Reset()
	argv, n, err = p.Parse([]byte(mb("PING")), nil)
	if err != nil || n != len(mb("PING")) || len(argv) != 1 || string(argv[0]) != "PING" {
		t.Fatalf("after Reset: %q n=%d err=%v", argv, n, err)
	}
}

// Arguments alias the buffer: no copy is made, and each is capped so an
// append to one cannot overwrite the next.
func TestParseAliasing(t *testing.T) {
	buf := []byte(mb("SET", "k", "v"))
	var p Parser
	argv, _, err := p.Parse(buf, nil)
	if err != nil || len(argv) != 3 {
		t.Fatalf("argv %q err %v", argv, err)
	}
	if &argv[1][0] != &buf[strings.Index(string(buf), "k\r\n")] {
		t.Error("argument does not alias the buffer")
	}
	_ = append(argv[1], 'X')
	if string(buf) != mb("SET", "k", "v") {
		t.Errorf("append to an argument changed the buffer: %q", buf)
	}
}

// The argv slice passed in is reused.
func TestParseReusesArgv(t *testing.T) {
	var p Parser
	argv := make([][]byte, 0, 8)
	got, _, _ := p.Parse([]byte(mb("GET", "k")), argv)
	if &got[:1][0] != &argv[:1][0] {
		t.Error("argv was not reused")
	}
}

func TestSplitArgs(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []string
		err  bool
	}{
		{in: "", want: []string{}},
		{in: "   ", want: []string{}},
		{in: "set a b", want: []string{"set", "a", "b"}},
		{in: "  bind 127.0.0.1 ::1  ", want: []string{"bind", "127.0.0.1", "::1"}},
		{in: `save ""`, want: []string{"save", ""}},
		{in: `"a b" 'c d'`, want: []string{"a b", "c d"}},
		{in: `"\x00\xff\x7F"`, want: []string{"\x00\xff\x7f"}},
		{in: `"\n\r\t\b\a\\\"\'"`, want: []string{"\n\r\t\b\a\\\"'"}},
		{in: `'\n\\\''`, want: []string{`\n\\'`}},
		{in: `a\x41`, want: []string{`a\x41`}},
		{in: `"\x4g"`, want: []string{"x4g"}},
		{in: `"a"`, want: []string{"a"}},
		{in: `"a" `, want: []string{"a"}},
		{in: `"a"	b`, want: []string{"a", "b"}},
		{in: `"a`, err: true},
		{in: `'a`, err: true},
		{in: `"a"b`, err: true},
		{in: `'a'b`, err: true},
		{in: `"\"`, err: true},
		{in: `'\'`, err: true},
	} {
		got, err := SplitArgs(tc.in)
		if tc.err {
			if !errors.Is(err, ErrUnbalancedQuotes) {
				t.Errorf("SplitArgs(%q) = %q, %v; want ErrUnbalancedQuotes", tc.in, got, err)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("SplitArgs(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
}

var setCmd = []byte(mb("SET", "key:000000012345", strings.Repeat("v", 64)))
var getCmd = []byte(mb("GET", "key:000000012345"))
var inlineCmd = []byte("SET key:000000012345 value\r\n")

// Parsing a SET or GET in a steady state allocates nothing.
func TestParseAllocs(t *testing.T) {
	for _, tc := range []struct {
		name string
		buf  []byte
	}{{"set", setCmd}, {"get", getCmd}, {"inline", inlineCmd}, {"pipeline", append(append([]byte(nil), setCmd...), getCmd...)}} {
		var p Parser
		argv := make([][]byte, 0, 8)
		run := func() {
			for off := 0; off < len(tc.buf); {
				var n int
				var err error
				argv, n, err = p.Parse(tc.buf[off:], argv)
				if err != nil || n == 0 {
					panic(fmt.Sprintf("parse: n=%d err=%v", n, err))
				}
				off += n
			}
		}
		run()
		if a := testing.AllocsPerRun(100, run); a != 0 {
			t.Errorf("%s: %v allocs per parse, want 0", tc.name, a)
		}
	}
}

func benchParse(b *testing.B, buf []byte) {
	var p Parser
	argv := make([][]byte, 0, 8)
	b.SetBytes(int64(len(buf)))
	b.ReportAllocs()
	for b.Loop() {
		var n int
		var err error
		argv, n, err = p.Parse(buf, argv)
		if err != nil || n != len(buf) {
			b.Fatalf("n=%d err=%v", n, err)
		}
	}
}

func BenchmarkParseSet(b *testing.B)    { benchParse(b, setCmd) }
func BenchmarkParseGet(b *testing.B)    { benchParse(b, getCmd) }
func BenchmarkParseInline(b *testing.B) { benchParse(b, inlineCmd) }

// BenchmarkParseBigIncremental parses a 1 MB SET arriving in 16 KB reads.
func BenchmarkParseBigIncremental(b *testing.B) {
	buf := []byte(mb("SET", "k", strings.Repeat("x", 1<<20)))
	b.SetBytes(int64(len(buf)))
	b.ReportAllocs()
	var p Parser
	argv := make([][]byte, 0, 8)
	for b.Loop() {
		for end := 16384; ; end += 16384 {
			end = min(end, len(buf))
			var n int
			argv, n, _ = p.Parse(buf[:end], argv)
			if n > 0 {
				break
			}
		}
	}
}

func BenchmarkSplitArgs(b *testing.B) {
	line := []byte(`SET "key with spaces" 'single' "\x00\x01\n" plain`)
	var p Parser
	argv := make([][]byte, 0, 8)
	b.ReportAllocs()
	for b.Loop() {
		argv, _ = p.splitArgs(line, argv[:0])
	}
}

// TestParserArgumentRoom: a request of many arguments, arriving a few at
// a time, grows the parser's room for their positions by doubling up to
// the announced count, so the arrays it outgrows add up to less than twice
// the last one (append's growth leaves four times as much); the argument
// slice it returns is of the exact size; and the room is not kept for the
// next request.
func TestParserArgumentRoom(t *testing.T) {
	for _, count := range []int{3, 1000, 1025, 5000, 100_000} {
		t.Run(fmt.Sprint(count), func(t *testing.T) {
			req := []byte(fmt.Sprintf("*%d\r\n", count) + strings.Repeat("$0\r\n\r\n", count))
			var p Parser
			outgrown, last := 0, 0
			for end := 10; ; end = min(end+6*97, len(req)) {
				argv, n, err := p.Parse(req[:end], nil)
				if err != nil {
					t.Fatal(err)
				}
				if n == 0 {
					if c := cap(p.spans); c != last {
						outgrown += last
						last = c
					}
					if last > count {
						t.Fatalf("room for %d positions, more than the %d announced", last, count)
					}
					continue
				}
				if len(argv) != count || cap(argv) != count {
					t.Fatalf("argv: len %d cap %d, want %d", len(argv), cap(argv), count)
				}
				break
			}
			if outgrown > 2*last {
				t.Errorf("outgrown arrays hold %d positions, more than twice the last one's %d", outgrown, last)
			}
			if count > maxKeptSpans && cap(p.spans) != 0 {
				t.Errorf("room for %d positions kept after the request", cap(p.spans))
			}
		})
	}
}
