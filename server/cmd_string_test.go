package server

import (
	"strings"
	"testing"

	"github.com/kvdserver/kvd/store"
)

// TestStringEncodings checks the OBJECT ENCODING each command leaves, as
// observed on redis-server 7.0.15.
func TestStringEncodings(t *testing.T) {
	x44, x45 := strings.Repeat("x", 44), strings.Repeat("x", 45)
	tests := []struct {
		name  string
		steps []string
		want  store.Encoding
	}{
		{"set int", []string{"SET k 123"}, store.EncInt},
		{"set max int", []string{"SET k 9223372036854775807"}, store.EncInt},
		{"set -0", []string{"SET k -0"}, store.EncEmbstr},
		{"set 20 digits", []string{"SET k 12345678901234567890"}, store.EncEmbstr},
		{"set 44", []string{"SET k " + x44}, store.EncEmbstr},
		{"set 45", []string{"SET k " + x45}, store.EncRaw},
		{"setex int", []string{"SETEX k 100 12"}, store.EncInt},
		{"psetex", []string{"PSETEX k 100000 hi"}, store.EncEmbstr},
		{"setnx int", []string{"SETNX k 5"}, store.EncInt},
		{"getex keeps", []string{"SETEX k 100 12", "GETEX k PERSIST"}, store.EncInt},
		{"getset int", []string{"SET k abc", "GETSET k 77"}, store.EncInt},
		{"mset int", []string{"MSET k 123 j hello"}, store.EncInt},
		{"mset raw", []string{"MSET j 1 k " + x45}, store.EncRaw},
		{"append missing int", []string{"APPEND k 123"}, store.EncInt},
		{"append missing empty", []string{`APPEND k ""`}, store.EncEmbstr},
		{"append existing", []string{"SET k 12", "APPEND k 3"}, store.EncRaw},
		{"incr", []string{"SET k 10", "INCR k"}, store.EncInt},
		{"incr after append", []string{"SET k 10", "APPEND k 0", "INCRBY k 5"}, store.EncInt},
		{"incrbyfloat", []string{"INCRBYFLOAT k 3"}, store.EncEmbstr},
		{"incrbyfloat fraction", []string{"SET k 3", "INCRBYFLOAT k 0.5"}, store.EncEmbstr},
		{"incrbyfloat long", []string{"INCRBYFLOAT k 1e308"}, store.EncRaw},
		{"setrange missing", []string{"SETRANGE k 0 12"}, store.EncRaw},
		{"setrange existing", []string{"SET k 12", "SETRANGE k 0 3"}, store.EncRaw},
		{"setrange nothing", []string{"SET k 12", `SETRANGE k 0 ""`}, store.EncInt},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := testClient(t, nil)
			for _, s := range tt.steps {
				if r := testRun(c, s); strings.HasPrefix(r, "-") {
					t.Fatalf("%s: %q", s, r)
				}
			}
			e, ok := c.db.LookupWith([]byte("k"), c.srv.now(), store.NoTouch)
			if !ok {
				t.Fatal("key k missing")
			}
			if got := e.Encoding(); got != tt.want {
				t.Errorf("encoding %s, want %s", got, tt.want)
			}
		})
	}
}

// TestStringLengthLimits checks the proto-max-bulk-len limits of APPEND,
// SETRANGE and LCS with a small limit (Redis's own minimum, 1mb, would
// need megabyte values).
func TestStringLengthLimits(t *testing.T) {
	c := testClient(t, func(cfg *Config) { cfg.ProtoMaxBulkLen = 100 })
	tests := []struct{ cmd, want string }{
		{"SET k " + strings.Repeat("a", 90), "+OK\r\n"},
		{"APPEND k " + strings.Repeat("b", 10), ":100\r\n"},
		{"APPEND k c", "-ERR string exceeds maximum allowed size (proto-max-bulk-len)\r\n"},
		{"STRLEN k", ":100\r\n"},
		{"SETRANGE k 99 z", ":100\r\n"},
		{"SETRANGE k 100 z", "-ERR string exceeds maximum allowed size (proto-max-bulk-len)\r\n"},
		{"SETRANGE n 99 z", ":100\r\n"},
		{"SETRANGE m 98 zz", ":100\r\n"},
		{"SETRANGE m 99 zz", "-ERR string exceeds maximum allowed size (proto-max-bulk-len)\r\n"},
		{"SETRANGE m 9223372036854775807 z", "-ERR string exceeds maximum allowed size (proto-max-bulk-len)\r\n"},
		{"MSET a 1234 b 1234", "+OK\r\n"},
		{"LCS a b LEN", ":4\r\n"}, // 5×5 cells × 4 bytes = 100
		{"SET b 12345", "+OK\r\n"},
		{"LCS a b LEN", "-ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len\r\n"},
	}
	for _, tt := range tests {
		if got := testRun(c, tt.cmd); got != tt.want {
			t.Errorf("%.40s: got %q, want %q", tt.cmd, got, tt.want)
		}
	}
}

// TestIncrNoAlloc checks that INCR of an existing key, like GET and SET,
// does not allocate in steady state.
func TestIncrNoAlloc(t *testing.T) {
	c := testClient(t, nil)
	testRun(c, "SET k 1000")
	for _, cmd := range []string{"INCR k", "GET k", "SET k 2000"} {
		c.argv = testArgv(cmd)
		allocs := testing.AllocsPerRun(100, func() {
			c.out = c.out[:0]
			c.srv.execute(c)
		})
		if allocs != 0 {
			t.Errorf("%s: %v allocations per run", cmd, allocs)
		}
	}
}

// TestPipelinedBigRepliesNoAlloc checks that replies outgrowing one 16 KB
// buffer (16 pipelined GETs of 1 KB values) move to pooled buffers instead
// of allocating once the pool is warm.
func TestPipelinedBigRepliesNoAlloc(t *testing.T) {
	c := testClient(t, nil)
	testRun(c, "SET k "+strings.Repeat("v", 1024))
	get := testArgv("GET k")
	batch := func() {
		for i := 0; i < 16; i++ {
			c.argv = get
			c.srv.execute(c)
		}
		c.releaseOutBuf()
	}
	batch()
	if allocs := testing.AllocsPerRun(50, batch); allocs != 0 {
		t.Errorf("%v allocations per batch of 16 GETs of 1 KB", allocs)
	}
}
