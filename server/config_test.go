package server

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"
)

func TestMatchParams(t *testing.T) {
	cfg := DefaultConfig()
	tests := []struct {
		patterns []string
		want     [][2]string
	}{
		{[]string{"maxclients"}, [][2]string{{"maxclients", "10000"}}},
		{[]string{"MAXCLIENTS"}, [][2]string{{"MAXCLIENTS", "10000"}}},
		{[]string{"maxclients", "MAXCLIENTS"}, [][2]string{{"maxclients", "10000"}}},
		{[]string{"MAXCLIENTS", "maxc*"}, [][2]string{{"MAXCLIENTS", "10000"}}},
		{[]string{"nosuch"}, nil},
		{[]string{"io-thread?"}, [][2]string{{"io-threads", "1"}}},
		{[]string{"TCP-*"}, [][2]string{{"tcp-backlog", "511"}, {"tcp-keepalive", "300"}}},
		{[]string{"tcp-k*", "*keepalive"}, [][2]string{{"tcp-keepalive", "300"}}},
	}
	for _, tt := range tests {
		if got := matchParams(&cfg, tt.patterns); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%q: got %v, want %v", tt.patterns, got, tt.want)
		}
	}
}

// TestParamErrors checks values each parameter refuses, with Redis's text.
func TestParamErrors(t *testing.T) {
	tests := []struct {
		name, value, err string
	}{
		{"maxclients", "0", "argument must be between 1 and 4294967295 inclusive"},
		{"maxclients", "10k", "argument couldn't be parsed into an integer"},
		{"timeout", "1kb", "argument couldn't be parsed into an integer"},
		{"timeout", "-1", "argument must be between 0 and 2147483647 inclusive"},
		{"proactor-spin-usec", "1001", "argument must be between 0 and 1000 inclusive"},
		{"proactor-spin-usec", "-1", "argument must be between 0 and 1000 inclusive"},
		{"tcp-keepalive", "1.5", "argument couldn't be parsed into an integer"},
		{"hz", "abc", "argument couldn't be parsed into an integer"},
		{"loglevel", "nothing", "argument(s) must be one of the following: debug, verbose, notice, warning"},
		{"proto-max-bulk-len", "1", "argument must be between 1048576 and 9223372036854775807 inclusive"},
		{"proto-max-bulk-len", "abc", "argument must be a memory value"},
		{"save", "1 2 3", "Invalid save parameters"},
		{"save", "a b", "Invalid save parameters"},
		{"save", "0 1", "Invalid save parameters"},
		{"save", "3600", "Invalid save parameters"},
		{"save", "1 -1", "Invalid save parameters"},
		{"appendonly", "maybe", "argument must be 'yes' or 'no'"},
		{"client-output-buffer-limit", "foo 1 2 3", "Invalid client class specified in buffer limit configuration."},
		{"client-output-buffer-limit", "normal 1", "Wrong number of arguments in buffer limit configuration."},
	}
	for _, tt := range tests {
		cfg := DefaultConfig()
		err := lookupParam(tt.name).set(&cfg, tt.value)
		if err == nil || err.Error() != tt.err {
			t.Errorf("%s %q: error %v, want %q", tt.name, tt.value, err, tt.err)
		}
	}
}

func TestParamValues(t *testing.T) {
	tests := []struct {
		name, value, get string
	}{
		{"hz", "1000", "500"},
		{"hz", "0", "1"},
		{"loglevel", "DEBUG", "debug"},
		{"proto-max-bulk-len", "2mb", "2097152"},
		{"client-query-buffer-limit", "1GB", "1073741824"},
		{"maxclients", "4294967295", "4294967295"},
		{"save", "", ""},
		{"appendonly", "NO", "no"},
		{"io-threads-adaptive", "no", "no"},
		{"io-threads-adaptive", "YES", "yes"},
	}
	for _, tt := range tests {
		cfg := DefaultConfig()
		p := lookupParam(tt.name)
		if err := p.set(&cfg, tt.value); err != nil {
			t.Errorf("%s %q: %v", tt.name, tt.value, err)
			continue
		}
		if got := p.get(&cfg); got != tt.get {
			t.Errorf("%s %q: reads back %q, want %q", tt.name, tt.value, got, tt.get)
		}
	}
}

func TestRewriteConfigFile(t *testing.T) {
	tests := []struct {
		name, before, after string
		edit                func(*Config)
	}{
		{
			name:   "keeps comments and unknown lines, replaces in place, drops duplicates",
			before: "# my config\nport 6380\n  timeout 5\nunknown-option 1\n\ntimeout 7\n",
			edit:   func(c *Config) { c.Port = 6380; c.Timeout = 30 },
			after:  "# my config\nport 6380\ntimeout 30\nunknown-option 1\n\n" + rewriteSignature + "\nsave \"\"\n",
		},
		{
			name:   "blank lines collapse",
			before: "port 6380\n\n\n# end\n\n",
			edit:   func(c *Config) { c.Port = 6380 },
			after:  "port 6380\n\n# end\n\n" + rewriteSignature + "\nsave \"\"\n",
		},
		{
			name:   "appends changed parameters once",
			before: "port 7000\n",
			edit:   func(c *Config) { c.Port = 7000; c.Hz = 50; c.LogFile = "/tmp/a b.log"; c.ProtoMaxBulkLen = 2 << 20 },
			after:  "port 7000\n\n" + rewriteSignature + "\nhz 50\nlogfile \"/tmp/a b.log\"\nproto-max-bulk-len 2mb\nsave \"\"\n",
		},
		{
			name:   "rewrites a default value the file sets, reuses the signature",
			before: "hz 50\n" + rewriteSignature + "\nsave \"\"\n",
			edit:   func(c *Config) {},
			after:  "hz 10\n" + rewriteSignature + "\nsave \"\"\n",
		},
		{
			name:   "one line per output buffer class",
			before: "client-output-buffer-limit normal 0 0 0\nclient-output-buffer-limit pubsub 32mb 8mb 60\n",
			edit:   func(c *Config) { c.OutputLimit = OutputLimit{Hard: 1 << 30, Soft: 3000, SoftSeconds: 5} },
			after: "client-output-buffer-limit normal 1gb 3000 5\nclient-output-buffer-limit slave 256mb 64mb 60\n" +
				"\n" + rewriteSignature + "\nsave \"\"\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "kvd.conf")
			if err := os.WriteFile(path, []byte(tt.before), 0o600); err != nil {
				t.Fatal(err)
			}
			cfg := DefaultConfig()
			tt.edit(&cfg)
			if err := rewriteConfigFile(path, &cfg, nil); err != nil {
				t.Fatal(err)
			}
			got, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			// Redis always writes dir, and the latency percentiles (it
			// compares them as doubles with their text).
			wd, _ := os.Getwd()
			want := tt.after + "dir " + quoteConfig(wd) + "\nlatency-tracking-info-percentiles 50 99 99.9\n"
			if string(got) != want {
				t.Errorf("got:\n%s\nwant:\n%s", got, want)
			}
			if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
				t.Errorf("mode %v, %v; want 0600", fi.Mode(), err)
			}
			entries, _ := os.ReadDir(filepath.Dir(path))
			if len(entries) != 1 {
				t.Errorf("temporary files left: %v", entries)
			}
		})
	}
}

// TestIOModelChoice checks which loop each configuration gets: the
// proactor by default, the reactor when asked for or when I/O threads are,
// since only the reactor has them. CI's kernels support io_uring.
func TestIOModelChoice(t *testing.T) {
	for _, tc := range []struct {
		model   string
		threads int
		want    string
	}{
		{"", 1, "proactor"},
		{"reactor", 1, "reactor"},
		{"proactor", 1, "proactor"},
		{"", 2, "reactor"},
		{"proactor", 4, "reactor"},
		{"portable", 1, "portable"},
		{"portable", 4, "portable"},
	} {
		cfg := DefaultConfig()
		cfg.Bind, cfg.Port = []string{"127.0.0.1"}, 0
		if tc.model != "" {
			cfg.IOModel = tc.model
		}
		cfg.IOThreads = tc.threads
		s, err := New(cfg)
		if err != nil {
			t.Fatalf("%+v: %v", tc, err)
		}
		if got := s.Config().IOModel; got != tc.want {
			t.Errorf("io-model %q, io-threads %d: runs %q, want %q", tc.model, tc.threads, got, tc.want)
		}
		if got := s.loop.Backend().String(); (got == "io_uring") != (tc.want == "proactor") || (got == "portable") != (tc.want == "portable") {
			t.Errorf("io-model %q, io-threads %d: loop backend %s", tc.model, tc.threads, got)
		}
		if got, want := s.loop.SpinWait(), 30*time.Microsecond; tc.want == "proactor" && got != want {
			t.Errorf("io-model %q: loop spins %v, want proactor-spin-usec's default %v", tc.model, got, want)
		}
		s.Close()
	}
}

// TestIOThreadsAdaptive: by default the I/O-thread pool hands batches to as
// many threads as there are usable CPUs; io-threads-adaptive no makes it
// use all of them always, as Redis does.
func TestIOThreadsAdaptive(t *testing.T) {
	cfg := DefaultConfig()
	if got, _ := cfg.Get("io-threads-adaptive"); got != "yes" {
		t.Fatalf("io-threads-adaptive defaults to %q, want yes", got)
	}
	cfg.Bind, cfg.Port = []string{"127.0.0.1"}, 0
	cfg.IOThreads = 4
	if err := cfg.Set("io-threads-adaptive", "no"); err != nil {
		t.Fatal(err)
	}
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if got := s.ioPool.Active(); got != 4 {
		t.Fatalf("io-threads 4, io-threads-adaptive no: %d threads active, want 4", got)
	}
	if p := lookupParam("io-threads-adaptive"); p == nil || !p.immutable {
		t.Fatal("io-threads-adaptive is not an immutable parameter")
	}
}
