// Command kvd runs a kvd server, a Redis-compatible in-memory key-value
// store.
//
// Usage is redis-server's:
//
//	kvd [/path/to/kvd.conf] [--option value ...]
//
// The config file has redis.conf syntax ("name value ..." per line, # for
// comments); command-line options are applied after it. SIGINT and SIGTERM
// shut the server down cleanly.
package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"time"

	"github.com/kvdserver/kvd/resp"
	"github.com/kvdserver/kvd/server"
)

func main() {
	atLeastTwoPs()
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// atLeastTwoPs raises GOMAXPROCS to 2 when the runtime chose 1 (kvd
// confined to one CPU, say by taskset or a container's CPU limit) and the
// user did not set it. With a single P, the runtime's monitor thread takes
// the P away from every wait of the event loop longer than 20 µs, and then
// keeps waking every 20 µs: measured at 1,500 requests a second, that
// doubled kvd's CPU use. With a second, idle P it leaves waits alone. The
// command goroutines still run on one thread; the second P only lets the
// runtime's own work (garbage collection) run beside it.
func atLeastTwoPs() {
	if os.Getenv("GOMAXPROCS") == "" && runtime.GOMAXPROCS(0) < 2 {
		runtime.GOMAXPROCS(2)
	}
}

func usage(w io.Writer) {
	fmt.Fprintf(w, `Usage: kvd [/path/to/kvd.conf] [options] [-]
       kvd - (read config from stdin)
       kvd -v or --version
       kvd -h or --help

Examples:
       kvd (run the server with default config)
       kvd /etc/kvd/6379.conf
       kvd --port 7777
       kvd --port 7777 --loglevel verbose
       kvd /etc/mykvd.conf --loglevel verbose
`)
}

// run parses the arguments, runs the server until it stops, and returns the exit status.
func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 1 {
		switch args[0] {
		case "-v", "--version":
			fmt.Fprintf(stdout, "kvd server v=%s (Redis %s compatible)\n", server.Version, server.RedisVersion)
			return 0
		case "-h", "--help":
			// Like redis-server: the usage goes to stderr, with status 1.
			usage(stderr)
			return 1
		}
	}
	cfg, err := loadConfig(args, os.Stdin)
	if err != nil {
		fmt.Fprintf(stderr, "\n*** FATAL CONFIG FILE ERROR (kvd %s) ***\n%v\n", server.Version, err)
		return 1
	}
	if v, _ := cfg.Get("daemonize"); v == "yes" {
		if child, status := daemonize(args, stderr); !child {
			return status
		}
		if p, _ := cfg.Get("pidfile"); p == "" && defaultPidFile != "" {
			cfg.Set("pidfile", defaultPidFile)
		}
	}
	if cfg.LogFile == "" {
		cfg.LogOutput = stdout
	}
	if len(args) == 0 {
		cfg.NoConfigArgv0 = os.Args[0]
	}
	srv, err := server.New(cfg)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	if err := srv.Listen(); err != nil {
		// The server has logged why, with Redis's lines.
		srv.Close()
		return 1
	}
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM)
	defer signal.Stop(sigs)
	go func() {
		for {
			select {
			case sig := <-sigs:
				name := "SIGTERM"
				if sig == syscall.SIGINT {
					name = "SIGINT"
				}
				// The final save may take a while; a failed one keeps
				// the server running, waiting for the next signal.
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
				err := srv.ShutdownOnSignal(ctx, name)
				cancel()
				if err == nil {
					return
				}
			case <-srv.Done():
				return
			}
		}
	}()
	if err := srv.Serve(); err != nil && !errors.Is(err, server.ErrServerClosed) {
		fmt.Fprintln(stderr, err)
		return 1
	}
	return 0
}

// configLine is one directive with where it came from, for error messages.
type configLine struct {
	where string
	text  string
	args  []string
}

// loadConfig builds the configuration from the optional config file (or
// "-" for stdin) and the --name value options that follow it.
func loadConfig(args []string, stdin io.Reader) (server.Config, error) {
	cfg := server.DefaultConfig()
	var lines []configLine
	i := 0
	if len(args) > 0 && !strings.HasPrefix(args[0], "--") {
		var r io.Reader
		name := args[0]
		if name == "-" {
			r = stdin
		} else {
			f, err := os.Open(name)
			if err != nil {
				return cfg, fmt.Errorf("Fatal error, can't open config file '%s': %w", name, err)
			}
			defer f.Close()
			r = f
			// INFO shows it and CONFIG REWRITE rewrites it, whatever the
			// working directory becomes.
			if abs, err := filepath.Abs(name); err == nil {
				cfg.ConfigFile = abs
			} else {
				cfg.ConfigFile = name
			}
		}
		fileLines, err := readConfigLines(r, name)
		if err != nil {
			return cfg, err
		}
		lines = append(lines, fileLines...)
		i = 1
	}
	// Command-line options: --name value... up to the next --option.
	for i < len(args) {
		if !strings.HasPrefix(args[i], "--") || len(args[i]) == 2 {
			return cfg, fmt.Errorf("Invalid argument '%s': options start with --", args[i])
		}
		opt := configLine{where: "command line", args: []string{args[i][2:]}}
		i++
		for i < len(args) && !(strings.HasPrefix(args[i], "--") && len(args[i]) > 2) {
			opt.args = append(opt.args, args[i])
			i++
		}
		opt.text = strings.Join(append([]string{"--" + opt.args[0]}, opt.args[1:]...), " ")
		lines = append(lines, opt)
	}
	// Save points: redis-server's defaults unless "save" lines (in the
	// file or on the command line) say otherwise; the first such line
	// replaces the defaults, the next ones add to it, and save "" clears
	// what came before.
	var savePoints []server.SavePoint
	sawSave := false
	for _, l := range lines {
		if err := applyLine(&cfg, l); err != nil {
			return cfg, err
		}
		if strings.EqualFold(l.args[0], "save") {
			if !sawSave || len(cfg.SavePoints) == 0 {
				savePoints = nil
			}
			sawSave = true
			savePoints = append(savePoints, cfg.SavePoints...)
		}
	}
	if sawSave {
		cfg.SavePoints = savePoints
	} else {
		cfg.SavePoints = server.DefaultSavePoints
	}
	return cfg, nil
}

// readConfigLines reads a config file's directives, with those of the
// files its "include" lines name (glob patterns allowed, as in Redis 7.0)
// in their place.
func readConfigLines(r io.Reader, name string) ([]configLine, error) {
	return readConfigLinesDepth(r, name, 0)
}

// maxIncludeDepth stops include loops.
const maxIncludeDepth = 16

func readConfigLinesDepth(r io.Reader, name string, depth int) ([]configLine, error) {
	var out []configLine
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for n := 1; sc.Scan(); n++ {
		text := strings.TrimSpace(sc.Text())
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		where := fmt.Sprintf("Reading the configuration file %s, at line %d", name, n)
		words, err := resp.SplitArgs(text)
		if err != nil {
			return nil, fmt.Errorf("%s\n>>> '%s'\nUnbalanced quotes in configuration line", where, text)
		}
		if len(words) == 0 {
			continue
		}
		if strings.EqualFold(words[0], "include") && len(words) == 2 {
			inc, err := includeFiles(words[1], depth)
			if err != nil {
				return nil, fmt.Errorf("%s\n>>> '%s'\n%v", where, text, err)
			}
			out = append(out, inc...)
			continue
		}
		out = append(out, configLine{where: where, text: text, args: words})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("reading config file %s: %w", name, err)
	}
	return out, nil
}

// includeFiles reads the directives of the files pattern names.
func includeFiles(pattern string, depth int) ([]configLine, error) {
	if depth >= maxIncludeDepth {
		return nil, errors.New("Too many nested include directives")
	}
	paths := []string{pattern}
	if strings.ContainsAny(pattern, "*?[") {
		var err error
		if paths, err = filepath.Glob(pattern); err != nil {
			return nil, err
		}
	}
	var out []configLine
	for _, p := range paths {
		f, err := os.Open(p)
		if err != nil {
			return nil, fmt.Errorf("Fatal error, can't open config file '%s': %w", p, err)
		}
		lines, err := readConfigLinesDepth(f, p, depth+1)
		f.Close()
		if err != nil {
			return nil, err
		}
		out = append(out, lines...)
	}
	return out, nil
}

// deprecatedDirectives are accepted and ignored, as Redis 7.0 does, with
// the number of arguments they take.
var deprecatedDirectives = map[string]int{
	"list-max-ziplist-entries": 1,
	"list-max-ziplist-value":   1,
	"lua-replicate-commands":   1,
}

// quoteArgs joins words so that resp.SplitArgs gives them back, empty
// ones included.
func quoteArgs(words []string) string {
	q := make([]string, len(words))
	for i, w := range words {
		q[i] = `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(w) + `"`
	}
	return strings.Join(q, " ")
}

func applyLine(cfg *server.Config, l configLine) error {
	name := strings.ToLower(l.args[0])
	values := l.args[1:]
	fail := func(msg string) error {
		return fmt.Errorf("%s\n>>> '%s'\n%s", l.where, l.text, msg)
	}
	if n, ok := deprecatedDirectives[name]; ok && len(values) == n {
		return nil
	}
	if len(values) == 0 && name != "save" && name != "bind" {
		return fail("wrong number of arguments")
	}
	if name == "rename-command" {
		if len(values) != 2 {
			return fail("wrong number of arguments")
		}
		values = []string{quoteArgs(values)}
	}
	if len(values) > 1 && !server.IsMultiArg(name) {
		return fail("wrong number of arguments")
	}
	if err := cfg.Set(name, strings.Join(values, " ")); err != nil {
		if errors.Is(err, server.ErrUnknownOption) {
			return fail("Bad directive or wrong number of arguments")
		}
		// Set names the directive and value; the line above already shows them.
		if reason := errors.Unwrap(err); reason != nil {
			err = reason
		}
		return fail(err.Error())
	}
	return nil
}
