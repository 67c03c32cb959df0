package server

import (
	"errors"
	"runtime/metrics"
	"strconv"
	"strings"
	"time"
)

// Long-running scripts. gopher-lua checks a context before every
// instruction when one is set; scriptHook is that context, and its Done
// doubles as an instruction-count hook: every hookEvery instructions it
// checks whether the server is shutting down (the script is then aborted,
// so that Close and SHUTDOWN are not held up by an endless loop) and
// bounds the memory a script may take.
//
// Once a script has run for busy-reply-threshold (lua-time-limit), it is
// busy, as in Redis: the hook logs it and from then on runs nested
// iterations of the event loop (Loop.PollNested) at most once a
// millisecond, so that other clients are served while the script runs on
// the loop goroutine — no other goroutine ever touches the keyspace.
// Commands without the allow-busy flag get -BUSY; SCRIPT KILL and
// FUNCTION KILL stop a script that has not written (-UNKILLABLE after a
// write), SHUTDOWN NOSAVE stops the server. The caller's own input is held
// meanwhile (flagScriptCaller) and handed back, in order, before the loop
// next sleeps.

// hookEvery is how many Lua instructions pass between checks (a power of 2).
const hookEvery = 1 << 14

// scriptMemLimit bounds how much the Go heap may grow while one script
// runs before it is aborted: gopher-lua allocates for Lua values with no
// limit of its own.
const scriptMemLimit = 1 << 30

// scriptHook is the context of a running script (see above).
type scriptHook struct {
	e       *scriptEngine
	n       uint32
	done    chan struct{} // nil while the script may go on; closed to abort it
	err     error
	checks  int
	heap0   uint64
	logged  bool
	samples [1]metrics.Sample
}

var closedChan = func() chan struct{} { c := make(chan struct{}); close(c); return c }()

var (
	errScriptShutdown = errors.New("Script killed because the server is shutting down")
	errScriptMemory   = errors.New("Script used too much memory and was aborted")
)

func (h *scriptHook) Deadline() (time.Time, bool) { return time.Time{}, false }
func (h *scriptHook) Err() error                  { return h.err }
func (h *scriptHook) Value(any) any               { return nil }

// Done is called by gopher-lua before every instruction.
func (h *scriptHook) Done() <-chan struct{} {
	h.n++
	if h.n&(hookEvery-1) == 0 && h.done == nil {
		h.check()
	}
	return h.done
}

// reset prepares the hook for a new script.
func (h *scriptHook) reset() {
	h.n, h.done, h.err, h.checks, h.heap0, h.logged = 0, nil, nil, 0, 0, false
}

func (h *scriptHook) heapBytes() uint64 {
	h.samples[0].Name = "/memory/classes/heap/objects:bytes"
	metrics.Read(h.samples[:])
	if h.samples[0].Value.Kind() != metrics.KindUint64 {
		return 0
	}
	return h.samples[0].Value.Uint64()
}

func (h *scriptHook) check() {
	s := h.e.srv
	select {
	case <-s.stopping:
		h.err, h.done = errScriptShutdown, closedChan
		return
	default:
	}
	h.checks++
	if h.checks == 1 {
		h.heap0 = h.heapBytes()
	} else if h.checks%4 == 0 {
		if hb := h.heapBytes(); hb > h.heap0+scriptMemLimit {
			h.err, h.done = errScriptMemory, closedChan
			return
		}
	}
	e := h.e
	run := e.run
	if run == nil {
		if e.loadDeadline != 0 && s.clock.mono() > e.loadDeadline {
			h.err, h.done = errLoadTimeout, closedChan
		}
		return
	}
	now := s.clock.mono()
	if !e.busy {
		elapsed := (now - run.start) / 1e6
		if limit := s.busyThreshold(); limit <= 0 || elapsed < limit {
			return
		}
		kind := "SCRIPT KILL"
		if run.function {
			kind = "FUNCTION KILL"
		}
		s.logf(levelWarning, "Slow script detected: still in execution after %d milliseconds. You can try killing the script using the %s command. Script name is: %s.", elapsed, kind, run.name)
		e.startBusy(run.caller)
	}
	if e.polling || now-e.lastPoll < 1e6 {
		return
	}
	e.lastPoll = now
	e.polling = true
	s.aofBeforeSleep() // replies of earlier commands go out: their AOF first (aof.go)
	s.loop.PollNested()
	e.polling = false
	switch {
	case s.shutdown:
		h.err, h.done = errScriptShutdown, closedChan
	case run.killed:
		h.err, h.done = errScriptKilled, closedChan
	}
}

var (
	errScriptKilled = errors.New("Script killed by user with SCRIPT KILL...")
	errLoadTimeout  = errors.New("FUNCTION LOAD timeout")
)

// functionLoadTimeout bounds how long a library's code may run while it
// loads, as Redis's.
const functionLoadTimeout = 500e6 // ns

// startBusy marks the running script busy: other clients are served by
// nested loop iterations from now on, and the caller's input is held.
func (e *scriptEngine) startBusy(caller *Client) {
	e.busy = true
	if caller == nil || caller.fd < 0 {
		return
	}
	caller.flags |= flagScriptCaller
	e.heldClient = caller
	if !e.resumeHooked {
		e.resumeHooked = true
		e.srv.loop.BeforeSleep(e.resumeCaller)
	}
}

// holdInput keeps input the busy script's caller sent meanwhile.
func (e *scriptEngine) holdInput(c *Client, data []byte) {
	e.held = append(e.held, data...)
}

// resumeCaller hands the caller of a script that was busy its held input
// (or closes it if its connection failed meanwhile), before the loop sleeps.
func (e *scriptEngine) resumeCaller() {
	c := e.heldClient
	if c == nil || e.busy {
		return
	}
	e.heldClient = nil
	c.flags &^= flagScriptCaller
	data := e.held
	e.held = nil
	if e.callerGone {
		e.callerGone = false
		c.forget(true)
		return
	}
	if len(data) > 0 {
		c.OnData(data)
	}
}

// busyRejects answers -BUSY to a command that may not run while a script
// is busy, as Redis's processCommand does; it reports whether it did.
func (s *Server) busyRejects(c *Client, cmd *cmdState) bool {
	allowed := cmd.Flags&FlagAllowBusy != 0
	if allowed && cmd.fullName == "shutdown" {
		// Only SHUTDOWN NOSAVE stops a server whose script is busy.
		allowed = false
		for _, a := range c.argv[1:] {
			if isOpt(a, "nosave") {
				allowed = true
			}
		}
	}
	if allowed {
		return false
	}
	s.reject(c, cmd, s.scripts.busyError())
	return true
}

// busyError is the -BUSY error for the kind of script running.
func (e *scriptEngine) busyError() string {
	if e.run != nil && e.run.function {
		return errBusyFunction
	}
	return errBusyEval
}

// busyThreshold is busy-reply-threshold (lua-time-limit) in milliseconds.
func (s *Server) busyThreshold() int64 {
	if v, ok := s.cfg.other["busy-reply-threshold"]; ok {
		n, _ := strconv.ParseInt(v, 10, 64)
		return n
	}
	return 5000
}

// scriptCmdFlags returns cmd, or for EVAL, EVALSHA, FCALL and their _RO
// variants of a script that declares flags, a command whose flags are
// what the script declared, as Redis's evalGetCommandFlags: a no-writes
// script is not a write (CLIENT PAUSE WRITE lets it run), one that may
// write is. Only used while the server is paused.
func (s *Server) scriptCmdFlags(c *Client, cmd *cmdState) *cmdState {
	var flags scriptFlags
	orig := cmd
	switch cmd.fullName {
	case "eval", "evalsha", "fcall":
		// Redis gives these may_replicate, hidden from COMMAND INFO (so
		// not in kvd's metadata).
		cmd = &cmdState{Command: cmd.Command, fullName: cmd.fullName, Flags: cmd.Flags | FlagMayReplicate}
	}
	switch cmd.fullName {
	case "eval", "eval_ro", "evalsha", "evalsha_ro":
		if len(c.argv) < 2 {
			return cmd
		}
		var sc *evalScript
		if s.scripts != nil {
			if cmd.fullName == "evalsha" || cmd.fullName == "evalsha_ro" {
				sc = s.scripts.scripts[strings.ToLower(string(c.argv[1]))]
			} else {
				sc = s.scripts.scripts[sha1hex(c.argv[1])]
			}
		}
		switch {
		case sc != nil:
			flags = sc.flags
		case cmd.fullName == "eval" || cmd.fullName == "eval_ro":
			f, _, msg := parseShebang(string(c.argv[1]))
			if msg != "" {
				return cmd
			}
			flags = f
		default:
			return cmd
		}
	case "fcall", "fcall_ro":
		if len(c.argv) < 2 || s.scripts == nil || s.scripts.fns == nil {
			return cmd
		}
		fn := s.scripts.fns.funcs[string(c.argv[1])]
		if fn == nil {
			return cmd
		}
		flags = fn.flags
	default:
		return cmd
	}
	if flags&sfEvalCompat != 0 {
		return cmd
	}
	f := orig.Flags &^ (FlagWrite | FlagMayReplicate | FlagStale)
	if flags&sfNoWrites == 0 {
		f |= FlagWrite
		if flags&sfAllowOOM == 0 {
			f |= FlagDenyOOM // evict.go: refused at once under OOM
		}
	}
	if flags&sfAllowStale != 0 {
		f |= FlagStale
	}
	return &cmdState{Command: cmd.Command, fullName: cmd.fullName, Flags: f}
}
