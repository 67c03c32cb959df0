package server

import (
	"strconv"
	"strings"

	"github.com/kvdserver/kvd/internal/num"
	"github.com/kvdserver/kvd/resp"
	lua "github.com/yuin/gopher-lua"
)

// Lua scripting, as Redis 7.0's eval.c and script.c: EVAL, EVALSHA and
// their _RO variants, SCRIPT, and the run context that redis.call works
// in. Scripts run in the sandbox of script_lua.go on the loop goroutine;
// redis.call runs commands through a fake client with the caller's user,
// the way EXEC runs queued commands, so their effects propagate as one
// unit (wrapped in MULTI/EXEC when more than one command wrote).

var scriptCommands = []*Command{
	{Name: "eval", Proc: evalCommand, GetKeys: evalGetKeys},
	{Name: "evalsha", Proc: evalShaCommand, GetKeys: evalGetKeys},
	{Name: "eval_ro", Proc: evalROCommand, GetKeys: evalGetKeys},
	{Name: "evalsha_ro", Proc: evalShaROCommand, GetKeys: evalGetKeys},
	{Name: "script", Subcommands: []*Command{
		{Name: "load", Proc: scriptLoadCommand},
		{Name: "exists", Proc: scriptExistsCommand},
		{Name: "flush", Proc: scriptFlushCommand},
		{Name: "kill", Proc: scriptKillCommand},
		{Name: "debug", Proc: scriptDebugCommand},
		{Name: "help", Proc: scriptHelpCommand},
	}},
}

// Script flags (shebang "#!lua flags=..."), as Redis's SCRIPT_FLAG_*.
type scriptFlags uint32

const (
	sfNoWrites scriptFlags = 1 << iota
	sfAllowOOM
	sfAllowStale
	sfNoCluster
	sfEvalCompat // no shebang: the EVAL rules of Redis 6
	sfAllowCrossSlot
)

var scriptFlagNames = []struct {
	flag scriptFlags
	name string
}{
	{sfNoWrites, "no-writes"},
	{sfAllowOOM, "allow-oom"},
	{sfAllowStale, "allow-stale"},
	{sfNoCluster, "no-cluster"},
	{sfAllowCrossSlot, "allow-cross-slot-keys"},
}

// evalScript is a script in the cache.
type evalScript struct {
	sha   string
	body  string
	fn    *lua.LFunction
	flags scriptFlags
}

// scriptEngine is a server's scripting state: the EVAL sandbox and its
// script cache, the functions engine, and the script running now.
type scriptEngine struct {
	srv     *Server
	eval    *luaVM
	scripts map[string]*evalScript // by lower-case SHA1
	bodyMem int64                  // bytes of cached script bodies
	rand    rand48                 // math.random's state, shared by scripts and functions

	fake   *Client    // the client redis.call runs commands as
	fnFake *Client    // the same, for functions
	run    *scriptRun // the script running now, nil if none
	runBuf scriptRun
	hook   scriptHook      // gopher-lua's context: the instruction hook (script_busy.go)
	fns    *functionsState // libraries and their sandbox (function.go), made on first use

	// A busy script (script_busy.go).
	busy, polling bool
	lastPoll      int64
	heldClient    *Client // the busy script's caller, its input held
	held          []byte  // that input
	callerGone    bool    // its connection failed meanwhile
	resumeHooked  bool
	loadDeadline  int64 // while a library loads: when it times out (monotonic ns)
}

// scriptRun is the context of the script being run: who called it and
// under which rules, for redis.call.
type scriptRun struct {
	caller   *Client
	name     string // the SHA1 or the function's name, for error messages
	readOnly bool   // no-writes, or an _RO command
	allowOOM bool   // allow-oom: redis.call may write under OOM (evict.go)
	wrote    bool   // a write command was called: the script cannot be killed
	repl     int    // redis.set_repl's flags
	start    int64
	killed   bool
	function bool
}

// Replication flags of redis.set_repl.
const (
	replNone  = 0
	replAOF   = 1
	replSlave = 2
	replAll   = 3
)

func newScriptEngine(s *Server) *scriptEngine {
	e := &scriptEngine{srv: s, scripts: map[string]*evalScript{}, rand: newRand48()}
	e.hook.e = e
	return e
}

// engine returns the server's scripting engine, creating the EVAL sandbox
// on first use.
func (s *Server) scriptEngine() *scriptEngine {
	if s.scripts == nil {
		s.scripts = newScriptEngine(s)
	}
	e := s.scripts
	if e.eval == nil {
		e.eval = newLuaVM(s, e, luaEval)
		e.fake = s.newFakeClient()
		e.fake.monitorTag = "lua" // MONITOR shows "[db lua]", as Redis does
	}
	return e
}

// parseShebang reads the flags of a script's "#!lua" line. It returns
// the flags and the length of the line (0 without one), or Redis's error.
func parseShebang(body string) (scriptFlags, int, string) {
	if !strings.HasPrefix(body, "#!") {
		return sfEvalCompat, 0, ""
	}
	end := strings.IndexByte(body, '\n')
	if end < 0 {
		return 0, 0, "Invalid script shebang"
	}
	parts, err := resp.SplitArgs(body[:end])
	if err != nil || len(parts) == 0 {
		return 0, 0, "Invalid engine in script shebang"
	}
	if parts[0] != "#!lua" {
		return 0, 0, "Unexpected engine in script shebang: " + parts[0]
	}
	var flags scriptFlags
	for _, p := range parts[1:] {
		v, ok := strings.CutPrefix(p, "flags=")
		if !ok {
			return 0, 0, "Unknown lua shebang option: " + p
		}
		if v == "" {
			continue
		}
		for _, f := range strings.Split(v, ",") {
			found := false
			for _, d := range scriptFlagNames {
				if d.name == f {
					flags |= d.flag
					found = true
					break
				}
			}
			if !found {
				return 0, 0, "Unexpected flag in script shebang: " + f
			}
		}
	}
	return flags, end, ""
}

// createScript compiles body and adds it to the cache under its SHA1. On
// a compile error it returns Redis's error message.
func (e *scriptEngine) createScript(body []byte) (string, *evalScript, string) {
	sha := sha1hex(body)
	if sc := e.scripts[sha]; sc != nil {
		return sha, sc, ""
	}
	src := string(body)
	flags, shebang, errMsg := parseShebang(src)
	if errMsg != "" {
		return "", nil, errERR + errMsg
	}
	code := src
	if shebang > 0 {
		// The shebang line is left out, its line feed kept so that the
		// line numbers stay the script's.
		code = src[shebang:]
	}
	fn, err := e.eval.compile(code, "user_script")
	if err != nil {
		return "", nil, errCompileScriptPrefix + luaCompileError(err, "user_script", code)
	}
	if !strings.Contains(code, "arg") {
		// Lua 5.1 gives a vararg chunk that does not use "..." a table
		// "arg" of its arguments (LUA_COMPAT_VARARG), made on every call;
		// a script that never names it cannot see the difference.
		fn.Proto.IsVarArg &^= lua.VarArgNeedsArg
	}
	sc := &evalScript{sha: sha, body: src, fn: fn, flags: flags}
	e.scripts[sha] = sc
	e.bodyMem += int64(len(src))
	return sha, sc, ""
}

// luaCompileError words a gopher-lua compile error like Lua's
// ("user_script:1: message").
func luaCompileError(err error, chunk, code string) string {
	msg := err.Error()
	// gopher-lua: "user_script at EOF:   syntax error"
	if rest, ok := strings.CutPrefix(msg, chunk+" at EOF:"); ok {
		rest = strings.TrimSpace(rest)
		switch rest {
		case "syntax error", "parse error":
			rest = "unexpected symbol"
		case "unterminated string":
			rest = "unfinished string"
		}
		line := strings.Count(code, "\n") + 1
		return chunk + ":" + strconv.Itoa(line) + ": " + rest + " near '<eof>'"
	}
	// gopher-lua: "user_script line:1(column:5) near 'x':   parse error"
	if rest, ok := strings.CutPrefix(msg, chunk+" line:"); ok {
		i := 0
		for i < len(rest) && rest[i] >= '0' && rest[i] <= '9' {
			i++
		}
		line := rest[:i]
		rest = rest[i:]
		if j := strings.IndexByte(rest, ')'); j >= 0 && strings.HasPrefix(rest, "(column:") {
			rest = rest[j+1:]
		}
		rest = strings.TrimSpace(rest)
		near := ""
		if r, ok := strings.CutPrefix(rest, "near "); ok {
			if k := strings.Index(r, ":"); k >= 0 {
				near, rest = r[:k], strings.TrimSpace(r[k+1:])
			}
		}
		switch rest {
		case "syntax error", "parse error":
			rest = "unexpected symbol"
		case "unterminated string":
			rest = "unfinished string"
		}
		if near != "" {
			if near == "EOF" {
				near = "'<eof>'"
			}
			return chunk + ":" + line + ": " + rest + " near " + near
		}
		return chunk + ":" + line + ": " + rest
	}
	return strings.ReplaceAll(msg, "\n", " ")
}

// ---- EVAL ----

func evalCommand(c *Ctx)      { evalGeneric(c, false, false) }
func evalShaCommand(c *Ctx)   { evalGeneric(c, true, false) }
func evalROCommand(c *Ctx)    { evalGeneric(c, false, true) }
func evalShaROCommand(c *Ctx) { evalGeneric(c, true, true) }

// evalGetKeys returns the key positions of EVAL and friends: numkeys keys
// after the numkeys argument.
func evalGetKeys(argv [][]byte) []int {
	if len(argv) < 3 {
		return nil
	}
	n, err := strconv.ParseInt(string(argv[2]), 10, 64)
	if err != nil || n <= 0 || n > int64(len(argv)-3) {
		return nil
	}
	keys := make([]int, n)
	for i := range keys {
		keys[i] = 3 + i
	}
	return keys
}

func evalGeneric(c *Ctx, bySha, ro bool) {
	numkeys, ok := num.ParseInt(c.argv[2])
	if !ok {
		c.replyError(errNotInteger)
		return
	}
	if numkeys > int64(len(c.argv)-3) {
		c.replyError(errNumKeysTooBig)
		return
	}
	if numkeys < 0 {
		c.replyError(errNumKeysNegative)
		return
	}
	e := c.srv.scriptEngine()
	var sc *evalScript
	var sha string
	if bySha {
		if len(c.argv[1]) == 40 {
			var buf [40]byte
			for i, b := range c.argv[1] {
				if b >= 'A' && b <= 'Z' {
					b += 'a' - 'A'
				}
				buf[i] = b
			}
			sc = e.scripts[string(buf[:])]
			if sc != nil {
				sha = sc.sha
			}
		}
		if sc == nil {
			c.replyError(errNoScript)
			return
		}
	} else {
		var msg string
		sha, sc, msg = e.createScript(c.argv[1])
		if sc == nil {
			c.replyError(msg)
			return
		}
	}
	run, msg := e.prepareRun(c, sc.flags, ro)
	if msg != "" {
		c.replyError(msg)
		return
	}
	run.name = sha
	vm := e.eval
	nk := int(numkeys)
	vm.realG.RawSetString("KEYS", newArgTable(vm.L, c.argv[3:3+nk]))
	vm.realG.RawSetString("ARGV", newArgTable(vm.L, c.argv[3+nk:]))
	e.callFunction(c, vm, sc.fn, run, nil)
}

// newArgTable makes a fresh array of args as strings, as Redis makes KEYS
// and ARGV for every call.
func newArgTable(L *lua.LState, args [][]byte) *lua.LTable {
	t := L.CreateTable(len(args), 0)
	for i, a := range args {
		t.RawSetInt(i+1, lua.LString(a))
	}
	return t
}

// prepareRun checks the script's flags against the server's state and the
// command (ro: an _RO variant), as Redis's scriptPrepareForRun, and makes
// the run context. It returns Redis's error if the script may not run.
func (e *scriptEngine) prepareRun(c *Ctx, flags scriptFlags, ro bool) (*scriptRun, string) {
	if flags&sfEvalCompat == 0 {
		if flags&sfNoWrites == 0 && ro {
			return nil, errScriptWriteRO
		}
	}
	run := &e.runBuf
	*run = scriptRun{caller: c.client, repl: replAll}
	if ro || (flags&sfEvalCompat == 0 && flags&sfNoWrites != 0) {
		run.readOnly = true
	}
	if flags&sfEvalCompat == 0 && flags&sfAllowOOM != 0 {
		run.allowOOM = true
	}
	return run, ""
}

// callFunction runs fn (with args pushed by push, if any) under run and
// sends its result, converted, to the caller.
func (e *scriptEngine) callFunction(c *Ctx, vm *luaVM, fn *lua.LFunction, run *scriptRun, push func(L *lua.LState) int) {
	s := e.srv
	fake := e.fake
	if vm.kind == luaFunction {
		fake = e.fnFake
	}
	fake.selectDB(c.dbIndex)
	fake.proto = 2
	fake.user = c.client.user
	fake.denyBlocking = true
	run.start = s.clock.mono()
	e.hook.reset()
	e.run = run
	savedNow := s.scriptNow
	s.scriptNow = c.now
	L := vm.L
	L.Push(fn)
	nargs := 0
	if push != nil {
		nargs = push(L)
	}
	err := L.PCall(nargs, 1, vm.errHandler)
	s.scriptNow = savedNow
	e.busy = false
	e.run = nil
	if err != nil {
		if e.hook.err == errScriptShutdown {
			// SHUTDOWN NOSAVE stopped it: like Redis, the server goes
			// away without answering.
			c.client.flags |= flagCloseAfterReply
			L.SetTop(0)
			return
		}
		var ev lua.LValue = lua.LNil
		if ae, ok := err.(*lua.ApiError); ok {
			ev = ae.Object
		}
		e.replyScriptError(c, ev, run.name)
		L.SetTop(0)
		return
	}
	ret := L.Get(-1)
	L.Pop(1)
	vm.resp = fake.proto
	vm.replyFromLua(c, ret, 0)
	L.SetTop(0)
}

// replyScriptError sends the reply to a script that raised an error, as
// Redis's luaCallFunction: "<err> script: <name>, on <source>:<line>.".
func (e *scriptEngine) replyScriptError(c *Ctx, ev lua.LValue, name string) {
	t, ok := ev.(*lua.LTable)
	if !ok {
		msg := "execution failure"
		if s, ok := ev.(lua.LString); ok {
			msg = string(s)
		}
		if len(msg) > 100 {
			msg = msg[:100]
		}
		c.replyError(errRunningScriptPrefix + name + errRunningScriptSep + msg)
		return
	}
	msg := lua.LVAsString(t.RawGetString("err"))
	if msg == "" {
		msg = "(null)"
	}
	src, line := t.RawGetString("source"), t.RawGetString("line")
	if src != lua.LNil && line != lua.LNil {
		msg += " script: " + name + ", on " + lua.LVAsString(src) + ":" + lua.LVAsString(line) + "."
	}
	if t.RawGetString("ignore_error_stats_update") == lua.LTrue {
		c.replyErrorNoStats(msg)
		return
	}
	c.replyError(msg)
}

// replyErrorNoStats sends an error reply that is not counted in the error
// statistics (it was counted when the command that produced it failed).
func (x *Ctx) replyErrorNoStats(msg string) {
	if needsSanitizing(msg) {
		msg = sanitizeError(msg)
	}
	x.out = resp.AppendError(x.buf(), msg)
	x.errored = true
}

// ---- SCRIPT ----

func scriptLoadCommand(c *Ctx) {
	e := c.srv.scriptEngine()
	sha, sc, msg := e.createScript(c.argv[2])
	if sc == nil {
		c.replyError(msg)
		return
	}
	c.replyBulkString(sha)
}

func scriptExistsCommand(c *Ctx) {
	e := c.srv.scriptEngine()
	c.replyArray(len(c.argv) - 2)
	for _, a := range c.argv[2:] {
		if e.scripts[strings.ToLower(string(a))] != nil {
			c.replyInt(1)
		} else {
			c.replyInt(0)
		}
	}
}

func scriptFlushCommand(c *Ctx) {
	if len(c.argv) > 3 {
		c.replyError(errScriptFlushOption)
		return
	}
	if len(c.argv) == 3 {
		switch strings.ToLower(string(c.argv[2])) {
		case "sync", "async":
		default:
			c.replyError(errScriptFlushOption)
			return
		}
	}
	c.srv.flushScripts()
	c.replyOK()
}

// flushScripts empties the script cache and starts a new EVAL sandbox, as
// Redis's SCRIPT FLUSH does.
func (s *Server) flushScripts() {
	if s.scripts == nil || s.scripts.eval == nil {
		return
	}
	e := s.scripts
	e.eval.L.Close()
	e.eval = nil
	e.scripts = map[string]*evalScript{}
	e.bodyMem = 0
	s.scriptEngine()
}

func scriptKillCommand(c *Ctx) {
	c.srv.killScript(c, false)
}

func scriptDebugCommand(c *Ctx) {
	switch strings.ToLower(string(c.argv[2])) {
	case "no":
		c.replyOK()
	case "yes", "sync":
		c.replyError(errNoLuaDebugger)
	default:
		c.replyError(errScriptDebugUsage)
	}
}

var scriptHelp = []string{
	"DEBUG (YES|SYNC|NO)",
	"    Set the debug mode for subsequent scripts executed.",
	"EXISTS <sha1> [<sha1> ...]",
	"    Return information about the existence of the scripts in the script cache.",
	"FLUSH [ASYNC|SYNC]",
	"    Flush the Lua scripts cache. Very dangerous on replicas.",
	"    When called without the optional mode argument, the behavior is determined by the",
	"    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
	"    * ASYNC: Asynchronously flush the scripts cache.",
	"    * SYNC: Synchronously flush the scripts cache.",
	"KILL",
	"    Kill the currently executing Lua script.",
	"LOAD <script>",
	"    Load a script into the scripts cache without executing it.",
}

func scriptHelpCommand(c *Ctx) { c.replyHelpLines("SCRIPT", scriptHelp) }

// killScript is SCRIPT KILL (function false) and FUNCTION KILL, as
// Redis's scriptKill.
func (s *Server) killScript(c *Ctx, function bool) {
	e := s.scripts
	if e == nil || e.run == nil || !e.busy {
		c.replyError(errNotBusy)
		return
	}
	run := e.run
	switch {
	case run.wrote:
		c.replyError(errUnkillable)
	case !function && run.function:
		c.replyError(errBusyFunction)
	case function && !run.function:
		c.replyError(errBusyEval)
	default:
		run.killed = true
		c.replyOK()
	}
}
