package server

import (
	"errors"
	"runtime/metrics"
	"strconv"
	"time"
)

// Long-running scripts. gopher-lua checks a context before every
// instruction when one is set; scriptHook is that context, and its Done
// doubles as an instruction-count hook: every hookEvery instructions it
// checks whether the server is shutting down (the script is then aborted,
// so that Close and SHUTDOWN are not held up by an endless loop), logs a
// script that passed busy-reply-threshold as Redis does, and bounds the
// memory a script may take.
//
// What Redis does beyond that (answering other clients -BUSY while the
// script runs, SCRIPT KILL / FUNCTION KILL) needs the event loop to run
// nested iterations from inside a command; kvd's backends read into
// buffers that the running command's arguments alias, so that is not done
// yet: while a script runs, other clients wait.

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
	run := h.e.run
	if run == nil || h.logged {
		return
	}
	elapsed := (s.clock.mono() - run.start) / 1e6
	if limit := s.busyThreshold(); limit > 0 && elapsed >= limit {
		h.logged = true
		s.logf(levelWarning, "Slow script detected: still in execution after %d milliseconds. You can try killing the script using the SCRIPT KILL command. Script name is: %s.", elapsed, run.name)
	}
}

// busyThreshold is busy-reply-threshold (lua-time-limit) in milliseconds.
func (s *Server) busyThreshold() int64 {
	if v, ok := s.cfg.other["busy-reply-threshold"]; ok {
		n, _ := strconv.ParseInt(v, 10, 64)
		return n
	}
	return 5000
}
