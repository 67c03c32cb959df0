package server

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/pprof"
	"strings"
)

// pprofMux serves the runtime profiles (enabled with pprof-addr), with the
// process's command line args shown with secret values redacted.
func pprofMux(args []string) *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprofCmdline(redactArgs(args)))
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	return mux
}

// pprofCmdline serves the command line as net/http/pprof's Cmdline does
// (the arguments separated by NUL bytes), but the one given.
func pprofCmdline(args []string) http.HandlerFunc {
	body := strings.Join(args, "\x00")
	return func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprint(w, body)
	}
}

// redacted replaces a secret value in the command line pprof shows.
const redacted = "(redacted)"

// redactArgs returns a copy of a kvd command line with the values of
// secret options replaced: every value of an option ("--name" followed by
// its values, up to the next "--option", as kvd parses them, or
// "--name=value") whose name contains "pass" or "auth", such as
// requirepass or masterauth.
func redactArgs(args []string) []string {
	out := append([]string(nil), args...)
	secret := false
	for i, a := range out {
		if i == 0 {
			continue // the program
		}
		if strings.HasPrefix(a, "--") && len(a) > 2 {
			name, _, hasValue := strings.Cut(a[2:], "=")
			name = strings.ToLower(name)
			secret = strings.Contains(name, "pass") || strings.Contains(name, "auth")
			if secret && hasValue {
				out[i] = a[:len(name)+3] + redacted
			}
			continue
		}
		if secret {
			out[i] = redacted
		}
	}
	return out
}

// errPprofRemote refuses a pprof-addr that is not a loopback address.
var errPprofRemote = errors.New("is not a loopback address, and profiles show data: set pprof-allow-remote yes to serve them there")

// pprofListenAddr resolves pprof-addr and, unless allowRemote is set,
// requires a loopback address ("127.0.0.1:6060", "[::1]:6060",
// "localhost:6060"); an address with no host (":6060") is every interface.
func pprofListenAddr(addr string, allowRemote bool) (*net.TCPAddr, error) {
	ta, err := net.ResolveTCPAddr("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("pprof-addr %s: %w", addr, err)
	}
	if !allowRemote && (ta.IP == nil || !ta.IP.IsLoopback()) {
		return nil, fmt.Errorf("pprof-addr %s %w", addr, errPprofRemote)
	}
	return ta, nil
}
