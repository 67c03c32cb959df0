package server

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/kvdserver/kvd/resp"
)

func TestAOFManifestParse(t *testing.T) {
	for _, tc := range []struct {
		in, out, err string
	}{
		{in: "file appendonly.aof.1.base.rdb seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n",
			out: "file appendonly.aof.1.base.rdb seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n"},
		{in: "# comment\nfile a.1.incr.aof seq 1 type i\nfile a.2.incr.aof seq 2 type i\nfile a.3.base.rdb seq 3 type b\nfile a.2.base.rdb seq 2 type h\n",
			out: "file a.3.base.rdb seq 3 type b\nfile a.2.base.rdb seq 2 type h\nfile a.1.incr.aof seq 1 type i\nfile a.2.incr.aof seq 2 type i\n"},
		{in: "type i seq 4 file \"sp ace.4.incr.aof\"\n", out: "file \"sp ace.4.incr.aof\" seq 4 type i\n"},
		{in: "", err: "Found an empty AOF manifest"},
		{in: "file x seq 1\n", err: "Invalid AOF manifest file format"},
		{in: "file x seq 1 type z\n", err: "Unknown AOF file type"},
		{in: "file a/b seq 1 type i\n", err: "File can't be a path, just a filename"},
		{in: "file x seq 1 type b\nfile y seq 2 type b\n", err: "Found duplicate base file information"},
		{in: "file x seq 2 type i\nfile y seq 1 type i\n", err: "Found a non-monotonic sequence number"},
		{in: "file x seq 1 type i", err: "The AOF manifest file contains too long line"},
		{in: "# only\nfile h seq 1 type h\n", err: "Found an empty AOF manifest"},
		{in: strings.Repeat("x", 2000) + "\n", err: "The AOF manifest file contains too long line"},
	} {
		m, err := parseAOFManifest(strings.NewReader(tc.in))
		if tc.err != "" {
			if err == nil || err.Error() != tc.err {
				t.Errorf("%q: error %v, want %q", tc.in, err, tc.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%q: %v", tc.in, err)
			continue
		}
		if got := m.String(); got != tc.out {
			t.Errorf("%q: %q, want %q", tc.in, got, tc.out)
		}
	}
}

func TestAOFManifestNames(t *testing.T) {
	m := &aofManifest{}
	if n := m.newBase("appendonly.aof", true); n != "appendonly.aof.1.base.rdb" {
		t.Fatal(n)
	}
	m.newIncr("appendonly.aof")
	m.newIncr("appendonly.aof")
	if n := m.newBase("appendonly.aof", false); n != "appendonly.aof.2.base.aof" {
		t.Fatal(n)
	}
	m.incrToHistory()
	want := "file appendonly.aof.2.base.aof seq 2 type b\n" +
		"file appendonly.aof.1.base.rdb seq 1 type h\n" +
		"file appendonly.aof.1.incr.aof seq 1 type h\n" +
		"file appendonly.aof.2.incr.aof seq 2 type i\n"
	if got := m.String(); got != want {
		t.Fatalf("%q, want %q", got, want)
	}
}

// aofSeeds are AOF contents: what kvd appends, and hostile variants.
func aofSeeds() [][]byte {
	f := newPropFeed()
	f.append(0, testArgv("SET a 1"))
	f.append(0, testArgv("MULTI"))
	f.append(2, testArgv("RPUSH l a b c"))
	f.append(2, testArgv("EXEC"))
	f.append(1, testArgv("PEXPIREAT a 99999999999999"))
	good := f.buf
	return [][]byte{
		good,
		append([]byte("#TS:1700000000\r\n"), good...),
		good[:len(good)-4],
		[]byte("*1\r\n$5\r\nMULTI\r\n*3\r\n$3\r\nSET\r\n$1\r\nx\r\n"),
		[]byte("*999999999999\r\n$3\r\nSET\r\n"),
		[]byte("*2\r\n$-1\r\n$99999999999\r\nab\r\n"),
		[]byte("garbage\r\n"),
		[]byte("*1\r\n$6\r\nNOSUCH\r\n"),
	}
}

// FuzzAOFReplay replays arbitrary bytes as an AOF tail: never a crash, a
// hang or memory beyond the file's size.
func FuzzAOFReplay(f *testing.F) {
	for _, s := range aofSeeds() {
		f.Add(s)
	}
	c := testClient(f, nil)
	s := c.srv
	f.Fuzz(func(t *testing.T, data []byte) {
		res, valid, _ := s.replayAOF(bytes.NewReader(data), 0, int64(len(data)), "fuzz")
		if valid < 0 || valid > int64(len(data)) {
			t.Fatalf("valid up to %d of %d (%v)", valid, len(data), res)
		}
		for _, db := range s.dbs {
			db.Flush()
		}
	})
}

// FuzzAOFManifest parses arbitrary manifests: an accepted one renders to
// a manifest that parses to the same thing.
func FuzzAOFManifest(f *testing.F) {
	f.Add([]byte("file appendonly.aof.1.base.rdb seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n"))
	f.Add([]byte("file \"a b\\x41\" seq 3 type i\n# x\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := parseAOFManifest(bytes.NewReader(data))
		if err != nil {
			return
		}
		out := m.String()
		if out == "" {
			return
		}
		m2, err := parseAOFManifest(strings.NewReader(out))
		if err != nil || m2.String() != out {
			t.Fatalf("%q rendered %q, which parses to %v %v", data, out, m2, err)
		}
	})
}

func TestAOFReplay(t *testing.T) {
	c := testClient(t, nil)
	s := c.srv
	for i, data := range aofSeeds() {
		for _, db := range s.dbs {
			db.Flush()
		}
		res, valid, _ := s.replayAOF(bytes.NewReader(data), 0, int64(len(data)), "t")
		want := []aofReplayResult{aofReplayOK, aofReplayOK, aofReplayEOF, aofReplayEOF, aofReplayEOF, aofReplayEOF, aofReplayFormat, aofReplayUnknown}[i]
		if res != want {
			t.Errorf("seed %d: %v, want %v (valid %d)", i, res, want, valid)
		}
		if i == 0 {
			if got := testRun(c, "LLEN l"); got != ":0\r\n" {
				t.Errorf("db 0 LLEN %q", got)
			}
			testRun(c, "SELECT 2")
			if got := testRun(c, "LLEN l"); got != ":3\r\n" {
				t.Errorf("db 2 LLEN %q", got)
			}
			testRun(c, "SELECT 0")
		}
	}
}

// BenchmarkAOFAppend measures the AOF's cost per SET on the request path:
// the consumer's append to the buffer and the write of the buffer (a
// batch of 100 commands per write, appendfsync no).
func BenchmarkAOFAppend(b *testing.B) {
	dir := b.TempDir()
	c := testClient(b, func(cfg *Config) {
		cfg.Set("dir", dir)
		cfg.Set("appendonly", "yes")
		cfg.Set("appendfsync", "no")
	})
	s := c.srv
	if err := s.loadAOFAtStartup(); err != nil {
		b.Fatal(err)
	}
	argv := testArgv("SET key:000000000001 value-of-some-length-xxxxxxxxxxxxxxxxxxxx")
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		c.argv = argv
		c.out = c.out[:0]
		s.execute(c)
		if n++; n%100 == 0 {
			s.aofBeforeSleep()
		}
	}
	s.aofClose()
}

// BenchmarkAOFLoad measures replaying 100k SETs.
func BenchmarkAOFLoad(b *testing.B) {
	var buf []byte
	buf = resp.AppendArray(buf, 2)
	buf = resp.AppendBulkString(buf, "SELECT")
	buf = resp.AppendBulkString(buf, "0")
	for i := 0; i < 100000; i++ {
		buf = resp.AppendArray(buf, 3)
		buf = resp.AppendBulkString(buf, "SET")
		buf = resp.AppendBulk(buf, strconv.AppendInt([]byte("key:"), int64(i), 10))
		buf = resp.AppendBulkString(buf, "value-xxxxxxxxxxxxxxxx")
	}
	path := filepath.Join(b.TempDir(), "x.aof")
	os.WriteFile(path, buf, 0o644)
	c := testClient(b, nil)
	s := c.srv
	b.SetBytes(int64(len(buf)))
	for b.Loop() {
		s.dbs[0].Flush()
		f, _ := os.Open(path)
		if res, _, _ := s.replayAOF(f, 0, int64(len(buf)), "x"); res != aofReplayOK {
			b.Fatal(res)
		}
		f.Close()
	}
}
