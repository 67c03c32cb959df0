package server

import (
	"slices"
	"strings"
	"testing"
)

// TestSetMaxIntsetEntriesParam checks the parameter's parsing against what
// redis-server 7.0.15 accepts: a plain integer (string2ll rules, no unit
// suffix) from 0 to LONG_MAX.
func TestSetMaxIntsetEntriesParam(t *testing.T) {
	tests := []struct {
		value, want, err string
	}{
		{value: "0", want: "0"},
		{value: "9223372036854775807", want: "9223372036854775807"},
		{value: "128", want: "128"},
		{value: "-1", err: "argument must be between 0 and 9223372036854775807 inclusive"},
		{value: "9223372036854775808", err: "argument couldn't be parsed into an integer"},
		{value: "1k", err: "argument couldn't be parsed into an integer"},
		{value: "+5", err: "argument couldn't be parsed into an integer"},
		{value: "05", err: "argument couldn't be parsed into an integer"},
		{value: "-0", err: "argument couldn't be parsed into an integer"},
		{value: "5.0", err: "argument couldn't be parsed into an integer"},
	}
	for _, tt := range tests {
		cfg := DefaultConfig()
		err := cfg.Set("set-max-intset-entries", tt.value)
		if tt.err != "" {
			if err == nil || !strings.HasSuffix(err.Error(), tt.err) {
				t.Errorf("%s: error %v, want %q", tt.value, err, tt.err)
			}
			if got, _ := cfg.Get("set-max-intset-entries"); got != "512" {
				t.Errorf("%s: a failed set changed the value to %s", tt.value, got)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tt.value, err)
			continue
		}
		if got, _ := cfg.Get("SET-MAX-INTSET-ENTRIES"); got != tt.want {
			t.Errorf("%s: Get gives %s", tt.value, got)
		}
	}
}

func TestSintercardKeys(t *testing.T) {
	tests := []struct {
		cmd  string
		want []int
	}{
		{"SINTERCARD 2 a b", []int{2, 3}},
		{"SINTERCARD 1 a LIMIT 5", []int{2}},
		{"SINTERCARD 3 a b", nil},
		{"SINTERCARD 0 a", nil},
		{"SINTERCARD x a", nil},
		{"SINTERCARD 1x a", []int{2}}, // numkeys read with atoi, as by Redis
		{"SINTERCARD", nil},
	}
	for _, tt := range tests {
		if got := numkeysFirstKeys(testArgv(tt.cmd)); !slices.Equal(got, tt.want) {
			t.Errorf("%s: keys %v, want %v", tt.cmd, got, tt.want)
		}
	}
}

// TestSetDeferredHeaders checks the replies whose length is only known at
// the end (SINTER, SSCAN) after earlier replies still in the buffer.
func TestSetDeferredHeaders(t *testing.T) {
	c := testClient(t, nil)
	testRun(c, "SADD a 3 1 2")
	testRun(c, "SADD b 2 3 4")
	c.out = c.out[:0]
	for _, cmd := range []string{"PING", "SINTER a b", "SSCAN a 0 MATCH [12]", "SINTER a nokey", "SINTER b a"} {
		c.argv = testArgv(cmd)
		c.srv.execute(c)
	}
	want := "+PONG\r\n" +
		"*2\r\n$1\r\n2\r\n$1\r\n3\r\n" +
		"*2\r\n$1\r\n0\r\n*2\r\n$1\r\n1\r\n$1\r\n2\r\n" +
		"*0\r\n" +
		"*2\r\n$1\r\n2\r\n$1\r\n3\r\n"
	if string(c.out) != want {
		t.Errorf("replies %q, want %q", c.out, want)
	}
}

// TestSetCommandsNoAlloc checks that the read commands and re-adding an
// existing member do not allocate.
func TestSetCommandsNoAlloc(t *testing.T) {
	c := testClient(t, nil)
	testRun(c, "SADD h a b c d e f 1 2 3")
	testRun(c, "SADD i 1 2 3 4 5")
	for _, cmd := range []string{"SISMEMBER h c", "SISMEMBER h zz", "SISMEMBER i 4", "SMISMEMBER h a x 1",
		"SCARD h", "SADD h a", "SADD i 3", "SREM h nothere", "SMEMBERS i", "SMEMBERS h", "SINTERCARD 2 h i",
		"SINTER i h", "SINTER h i", "SRANDMEMBER h", "SRANDMEMBER h -3", "SSCAN h 0"} {
		c.argv = testArgv(cmd)
		c.out = c.out[:0]
		c.srv.execute(c)
		if strings.HasPrefix(string(c.out), "-") {
			t.Fatalf("%s: %q", cmd, c.out)
		}
		allocs := testing.AllocsPerRun(100, func() {
			c.out = c.out[:0]
			c.srv.execute(c)
		})
		if allocs != 0 {
			t.Errorf("%s: %v allocations per run", cmd, allocs)
		}
	}
}
