package server

import (
	"sort"
	"strings"

	"github.com/kvdserver/kvd/internal/glob"
	"github.com/kvdserver/kvd/internal/num"
	lua "github.com/yuin/gopher-lua"
)

// Functions, as Redis 7.0's functions.c and function_lua.c: libraries of
// Lua functions loaded with FUNCTION LOAD ("#!lua name=<lib>" first), each
// registering its functions with redis.register_function while it loads,
// and called with FCALL / FCALL_RO. Libraries live in their own sandbox; at
// load time the code sees only redis.register_function, redis.log, the
// LOG_* levels and the version, and its functions later run with the whole
// API.

var functionCommands = []*Command{
	{Name: "fcall", Proc: fcallCommand, GetKeys: evalGetKeys},
	{Name: "fcall_ro", Proc: fcallROCommand, GetKeys: evalGetKeys},
	{Name: "function", Subcommands: []*Command{
		{Name: "load", Proc: functionLoadCommand},
		{Name: "delete", Proc: functionDeleteCommand},
		{Name: "flush", Proc: functionFlushCommand},
		{Name: "list", Proc: functionListCommand},
		{Name: "stats", Proc: functionStatsCommand},
		{Name: "kill", Proc: functionKillCommand},
		{Name: "dump", Proc: functionDumpCommand},
		{Name: "restore", Proc: functionRestoreCommand},
		{Name: "help", Proc: functionHelpCommand},
	}},
}

// libFunction is a function a library registered.
type libFunction struct {
	name  string
	desc  *string
	flags scriptFlags
	fn    *lua.LFunction
	lib   *luaLibrary
}

// luaLibrary is a loaded library.
type luaLibrary struct {
	name  string
	code  string
	funcs map[string]*libFunction
	order []*libFunction // in registration order
}

// functionsState is a server's libraries and the sandbox they run in.
type functionsState struct {
	vm    *luaVM
	libs  map[string]*luaLibrary
	funcs map[string]*libFunction

	loadAPI  *lua.LTable // the globals' __index while a library loads
	loading  *luaLibrary // the library being loaded (register_function adds to it)
	runIndex lua.LValue  // the globals' __index while functions run
	gmeta    *lua.LTable // the metatable of the functions' globals proxy
}

// codesByName returns the libraries' code in name order, as RDB files and
// AOF rewrites carry them.
func (f *functionsState) codesByName() []string {
	names := make([]string, 0, len(f.libs))
	for n := range f.libs {
		names = append(names, n)
	}
	sort.Strings(names)
	codes := make([]string, len(names))
	for i, n := range names {
		codes[i] = f.libs[n].code
	}
	return codes
}

// functions returns the server's functions state, creating it on first use.
func (e *scriptEngine) functions() *functionsState {
	if e.fns != nil {
		return e.fns
	}
	s := e.srv
	f := &functionsState{libs: map[string]*luaLibrary{}, funcs: map[string]*libFunction{}}
	vm := newLuaVM(s, e, luaFunction)
	f.vm = vm
	if e.fnFake == nil {
		e.fnFake = s.newFakeClient()
	}
	L := vm.L
	f.gmeta = vm.proxyG.Metatable.(*lua.LTable)
	f.runIndex = f.gmeta.RawGetString("__index")
	missing := L.NewFunction(func(L *lua.LState) int {
		L.RaiseError(errLuaNoGlobalFn, lua.LVAsString(L.Get(2)))
		return 0
	})
	loadRedis := L.NewTable()
	loadRedis.RawSetString("register_function", L.NewFunction(f.registerFunction))
	realRedis := vm.proxies[vm.realG.RawGetString("redis").(*lua.LTable)]
	for _, k := range []string{"log", "LOG_DEBUG", "LOG_VERBOSE", "LOG_NOTICE", "LOG_WARNING", "REDIS_VERSION", "REDIS_VERSION_NUM"} {
		loadRedis.RawSetString(k, realRedis.RawGetString(k))
	}
	lm := L.NewTable()
	lm.RawSetString("__index", missing)
	loadRedis.Metatable = lm
	api := L.NewTable()
	api.RawSetString("redis", vm.readonly(loadRedis))
	am := L.NewTable()
	am.RawSetString("__index", missing)
	api.Metatable = am
	f.loadAPI = api
	e.fns = f
	return f
}

// validName reports whether s is a valid library or function name.
func validName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

const errLibName = "Library names can only contain letters, numbers, or underscores(_) and must be at least one character long"

// registerFunction is redis.register_function, while a library loads.
func (f *functionsState) registerFunction(L *lua.LState) int {
	lib := f.loading
	if lib == nil {
		luaRaise(L, "redis.register_function can only be called on FUNCTION LOAD command")
	}
	var name string
	var nameOK bool
	var cb *lua.LFunction
	var desc *string
	var flags scriptFlags
	switch L.GetTop() {
	case 1:
		t, ok := L.Get(1).(*lua.LTable)
		if !ok {
			luaRaise(L, "calling redis.register_function with a single argument is only applicable to Lua table (representing named arguments).")
		}
		for k, v := t.Next(lua.LNil); k != lua.LNil; k, v = t.Next(k) {
			ks, ok := k.(lua.LString)
			if !ok {
				luaRaise(L, "named argument key given to redis.register_function is not a string")
			}
			switch string(ks) {
			case "function_name":
				s, ok := luaStringish(v)
				if !ok {
					luaRaise(L, "function_name argument given to redis.register_function must be a string")
				}
				name, nameOK = s, true
			case "description":
				s, ok := luaStringish(v)
				if !ok {
					luaRaise(L, "description argument given to redis.register_function must be a string")
				}
				desc = &s
			case "callback":
				fn, ok := v.(*lua.LFunction)
				if !ok {
					luaRaise(L, "callback argument given to redis.register_function must be a function")
				}
				cb = fn
			case "flags":
				ft, ok := v.(*lua.LTable)
				if !ok {
					luaRaise(L, "flags argument to redis.register_function must be a table representing function flags")
				}
				for i := 1; ; i++ {
					fv := ft.RawGetInt(i)
					if fv == lua.LNil {
						break
					}
					fs, ok := fv.(lua.LString)
					if !ok {
						luaRaise(L, "unknown flag given")
					}
					found := false
					for _, d := range scriptFlagNames {
						if d.name == string(fs) {
							flags |= d.flag
							found = true
						}
					}
					if !found {
						luaRaise(L, "unknown flag given")
					}
				}
			default:
				luaRaise(L, "unknown argument given to redis.register_function")
			}
		}
		if !nameOK {
			luaRaise(L, "redis.register_function must get a function name argument")
		}
		if cb == nil {
			luaRaise(L, "redis.register_function must get a callback argument")
		}
	case 2:
		s, ok := luaStringish(L.Get(1))
		if !ok {
			luaRaise(L, "first argument to redis.register_function must be a string")
		}
		fn, ok := L.Get(2).(*lua.LFunction)
		if !ok {
			luaRaise(L, "second argument to redis.register_function must be a function")
		}
		name, cb = s, fn
	default:
		luaRaise(L, "wrong number of arguments to redis.register_function")
	}
	if !validName(name) {
		luaRaise(L, errLibName)
	}
	if lib.funcs[name] != nil {
		luaRaise(L, "Function already exists in the library")
	}
	fn := &libFunction{name: name, desc: desc, flags: flags, fn: cb, lib: lib}
	lib.funcs[name] = fn
	lib.order = append(lib.order, fn)
	return 0
}

// luaStringish returns a string or number argument as a string.
func luaStringish(v lua.LValue) (string, bool) {
	switch v := v.(type) {
	case lua.LString:
		return string(v), true
	case lua.LNumber:
		return luaNumberString(float64(v)), true
	}
	return "", false
}

// parseLibraryMeta reads the "#!lua name=<lib>" line of a library. It
// returns the name and the code after the line (keeping its line feed).
func parseLibraryMeta(code string) (string, string, string) {
	if !strings.HasPrefix(code, "#!") {
		return "", "", "Missing library metadata"
	}
	end := strings.IndexByte(code, '\n')
	if end < 0 {
		return "", "", "Invalid library metadata"
	}
	parts := strings.Fields(code[2:end])
	if len(parts) == 0 {
		return "", "", "Invalid library metadata"
	}
	if parts[0] != "lua" {
		return "", "", "Engine '" + parts[0] + "' not found"
	}
	name := ""
	for _, p := range parts[1:] {
		k, v, ok := strings.Cut(p, "=")
		if !ok || k != "name" {
			return "", "", "Invalid metadata value given: " + p
		}
		if name != "" {
			return "", "", "Invalid metadata value, name argument was given multiple times"
		}
		name = v
	}
	if name == "" {
		return "", "", "Library name was not given"
	}
	return name, code[end:], ""
}

// loadLibrary compiles and runs a library's code, returning the library
// with its functions (not yet installed), or Redis's error.
func (f *functionsState) loadLibrary(code string) (*luaLibrary, string) {
	name, body, msg := parseLibraryMeta(code)
	if msg != "" {
		return nil, msg
	}
	if !validName(name) {
		return nil, errLibName
	}
	vm := f.vm
	fn, err := vm.compile(body, "user_function")
	if err != nil {
		return nil, "Error compiling function: " + luaCompileError(err, "user_function", body)
	}
	lib := &luaLibrary{name: name, code: code, funcs: map[string]*libFunction{}}
	f.loading = lib
	f.gmeta.RawSetString("__index", f.loadAPI)
	L := vm.L
	vm.eng.hook.reset()
	vm.eng.loadDeadline = vm.srv.clock.mono() + functionLoadTimeout
	L.Push(fn)
	perr := L.PCall(0, 0, vm.errHandler)
	vm.eng.loadDeadline = 0
	f.gmeta.RawSetString("__index", f.runIndex)
	f.loading = nil
	L.SetTop(0)
	if perr != nil {
		m := "(null)"
		if ae, ok := perr.(*lua.ApiError); ok {
			if t, ok := ae.Object.(*lua.LTable); ok {
				m = lua.LVAsString(t.RawGetString("err"))
			} else {
				m = lua.LVAsString(ae.Object)
			}
		}
		return nil, "Error registering functions: " + m
	}
	if len(lib.funcs) == 0 {
		return nil, "No functions registered"
	}
	return lib, ""
}

// install adds libraries to the state; with replace a library of the same
// name is replaced, else it is an error. Nothing changes on error.
func (f *functionsState) install(libs []*luaLibrary, replace, restore bool) string {
	exists := func(name string) string {
		if restore {
			return "Library " + name + " already exists"
		}
		return "Library '" + name + "' already exists"
	}
	drop := map[string]bool{}
	seen := map[string]bool{}
	for _, lib := range libs {
		if seen[lib.name] {
			return exists(lib.name)
		}
		seen[lib.name] = true
		if f.libs[lib.name] != nil {
			if !replace {
				return exists(lib.name)
			}
			drop[lib.name] = true
		}
	}
	names := map[string]bool{}
	for _, lib := range libs {
		for _, fn := range lib.order {
			if names[fn.name] {
				return "Function " + fn.name + " already exists"
			}
			names[fn.name] = true
			if old := f.funcs[fn.name]; old != nil && !drop[old.lib.name] {
				return "Function " + fn.name + " already exists"
			}
		}
	}
	for name := range drop {
		f.remove(name)
	}
	for _, lib := range libs {
		f.libs[lib.name] = lib
		for _, fn := range lib.order {
			f.funcs[fn.name] = fn
		}
	}
	return ""
}

// remove deletes a library and its functions.
func (f *functionsState) remove(name string) {
	lib := f.libs[name]
	if lib == nil {
		return
	}
	for _, fn := range lib.order {
		delete(f.funcs, fn.name)
	}
	delete(f.libs, name)
}

// sortedLibs returns the libraries by name.
func (f *functionsState) sortedLibs() []*luaLibrary {
	libs := make([]*luaLibrary, 0, len(f.libs))
	for _, l := range f.libs {
		libs = append(libs, l)
	}
	sort.Slice(libs, func(i, j int) bool { return libs[i].name < libs[j].name })
	return libs
}

// ---- commands ----

func functionLoadCommand(c *Ctx) {
	replace := false
	args := c.argv[2:]
	if len(args) > 1 {
		if strings.EqualFold(string(args[0]), "replace") {
			replace = true
			args = args[1:]
		} else {
			c.replyError(errUnknownOptionGiven + string(args[0]))
			return
		}
	}
	if len(args) != 1 {
		c.replyError(errFunctionCodeMissing)
		return
	}
	f := c.srv.scriptEngine().functions()
	lib, msg := f.loadLibrary(string(args[0]))
	if lib == nil {
		c.replyError(errERR + msg)
		return
	}
	if msg := f.install([]*luaLibrary{lib}, replace, false); msg != "" {
		c.replyError(errERR + msg)
		return
	}
	c.srv.stats.dirty++
	c.replyBulkString(lib.name)
}

func functionDeleteCommand(c *Ctx) {
	if len(c.argv) != 3 {
		c.replyError(errWrongArgs("function|delete"))
		return
	}
	f := c.srv.scriptEngine().functions()
	if f.libs[string(c.argv[2])] == nil {
		c.replyError(errLibraryNotFound)
		return
	}
	f.remove(string(c.argv[2]))
	c.srv.stats.dirty++
	c.replyOK()
}

func functionFlushCommand(c *Ctx) {
	if len(c.argv) > 3 {
		c.replyError(errFunctionFlushOption)
		return
	}
	if len(c.argv) == 3 {
		switch strings.ToLower(string(c.argv[2])) {
		case "sync", "async":
		default:
			c.replyError(errFunctionFlushOption)
			return
		}
	}
	c.srv.flushFunctions()
	c.srv.stats.dirty++
	c.replyOK()
}

// flushFunctions deletes every library and starts a new sandbox.
func (s *Server) flushFunctions() {
	e := s.scriptEngine()
	if e.fns != nil {
		e.fns.vm.L.Close()
		e.fns = nil
	}
}

func functionListCommand(c *Ctx) {
	withCode := false
	var pattern []byte
	hasPattern := false
	for i := 2; i < len(c.argv); i++ {
		a := strings.ToLower(string(c.argv[i]))
		switch {
		case a == "withcode" && !withCode:
			withCode = true
		case a == "libraryname" && !hasPattern:
			if i+1 >= len(c.argv) {
				c.replyError(errLibraryNameMissing)
				return
			}
			i++
			pattern, hasPattern = c.argv[i], true
		default:
			c.replyError(errUnknownArgumentPrefix + string(c.argv[i]))
			return
		}
	}
	f := c.srv.scriptEngine().functions()
	var libs []*luaLibrary
	for _, l := range f.sortedLibs() {
		if hasPattern && !glob.MatchBytes(pattern, []byte(l.name)) {
			continue
		}
		libs = append(libs, l)
	}
	c.replyArray(len(libs))
	for _, l := range libs {
		n := 3
		if withCode {
			n = 4
		}
		c.replyMap(n)
		c.replyBulkString("library_name")
		c.replyBulkString(l.name)
		c.replyBulkString("engine")
		c.replyBulkString("LUA")
		c.replyBulkString("functions")
		c.replyArray(len(l.order))
		for _, fn := range l.order {
			c.replyMap(3)
			c.replyBulkString("name")
			c.replyBulkString(fn.name)
			c.replyBulkString("description")
			if fn.desc != nil {
				c.replyBulkString(*fn.desc)
			} else {
				c.replyNull()
			}
			c.replyBulkString("flags")
			var names []string
			for _, d := range scriptFlagNames {
				if fn.flags&d.flag != 0 {
					names = append(names, d.name)
				}
			}
			c.replySet(len(names))
			for _, n := range names {
				c.replyStatus(n)
			}
		}
		if withCode {
			c.replyBulkString("library_code")
			c.replyBulkString(l.code)
		}
	}
}

func functionStatsCommand(c *Ctx) {
	e := c.srv.scriptEngine()
	if e.run != nil && !e.run.function {
		c.replyError(e.busyError()) // an EVAL script is busy
		return
	}
	f := e.functions()
	c.replyMap(2)
	c.replyBulkString("running_script")
	if run := e.run; run != nil && run.function {
		c.replyMap(3)
		c.replyBulkString("name")
		c.replyBulkString(run.name)
		c.replyBulkString("command")
		c.replyArray(len(run.caller.argv))
		c.replyBulkItems(run.caller.argv)
		c.replyBulkString("duration_ms")
		c.replyInt((c.srv.clock.mono() - run.start) / 1e6)
	} else {
		c.replyNull()
	}
	c.replyBulkString("engines")
	c.replyMap(1)
	c.replyBulkString("LUA")
	c.replyMap(2)
	c.replyBulkString("libraries_count")
	c.replyInt(int64(len(f.libs)))
	c.replyBulkString("functions_count")
	c.replyInt(int64(len(f.funcs)))
}

func functionKillCommand(c *Ctx) { c.srv.killScript(c, true) }

var functionHelp = []string{
	"LOAD [REPLACE] <FUNCTION CODE>",
	"    Create a new library with the given library name and code.",
	"DELETE <LIBRARY NAME>",
	"    Delete the given library.",
	"LIST [LIBRARYNAME PATTERN] [WITHCODE]",
	"    Return general information on all the libraries:",
	"    * Library name",
	"    * The engine used to run the Library",
	"    * Library description",
	"    * Functions list",
	"    * Library code (if WITHCODE is given)",
	"    It also possible to get only function that matches a pattern using LIBRARYNAME argument.",
	"STATS",
	"    Return information about the current function running:",
	"    * Function name",
	"    * Command used to run the function",
	"    * Duration in MS that the function is running",
	"    If no function is running, return nil",
	"    In addition, returns a list of available engines.",
	"KILL",
	"    Kill the current running function.",
	"FLUSH [ASYNC|SYNC]",
	"    Delete all the libraries.",
	"    When called without the optional mode argument, the behavior is determined by the",
	"    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
	"    * ASYNC: Asynchronously flush the libraries.",
	"    * SYNC: Synchronously flush the libraries.",
	"DUMP",
	"    Return a serialized payload representing the current libraries, can be restored using FUNCTION RESTORE command",
	"RESTORE <PAYLOAD> [FLUSH|APPEND|REPLACE]",
	"    Restore the libraries represented by the given payload, it is possible to give a restore policy to",
	"    control how to handle existing libraries (default APPEND):",
	"    * FLUSH: delete all existing libraries.",
	"    * APPEND: appends the restored libraries to the existing libraries. On collision, abort.",
	"    * REPLACE: appends the restored libraries to the existing libraries, On collision, replace the old",
	"      libraries with the new libraries (notice that even on this option there is a chance of failure",
	"      in case of functions name collision with another library).",
}

func functionHelpCommand(c *Ctx) { c.replyHelpLines("FUNCTION", functionHelp) }

// ---- FCALL ----

func fcallCommand(c *Ctx)   { fcallGeneric(c, false) }
func fcallROCommand(c *Ctx) { fcallGeneric(c, true) }

func fcallGeneric(c *Ctx, ro bool) {
	numkeys, ok := num.ParseInt(c.argv[2])
	if !ok {
		c.replyError(errBadNumKeys)
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
	f := e.functions()
	fn := f.funcs[string(c.argv[1])]
	if fn == nil {
		c.replyError(errFunctionNotFound)
		return
	}
	run, msg := e.prepareRun(c, fn.flags, ro)
	if msg != "" {
		c.replyError(msg)
		return
	}
	run.name = fn.name
	run.function = true
	nk := int(numkeys)
	keys, args := c.argv[3:3+nk], c.argv[3+nk:]
	e.callFunction(c, f.vm, fn.fn, run, func(L *lua.LState) int {
		kt := L.CreateTable(len(keys), 0)
		for i, k := range keys {
			kt.RawSetInt(i+1, lua.LString(k))
		}
		at := L.CreateTable(len(args), 0)
		for i, a := range args {
			at.RawSetInt(i+1, lua.LString(a))
		}
		L.Push(kt)
		L.Push(at)
		return 2
	})
}

func functionDumpCommand(c *Ctx) {
	c.replyBulk(c.srv.scriptEngine().functions().dump())
}

func functionRestoreCommand(c *Ctx) {
	policy := "append"
	if len(c.argv) > 4 {
		c.subcommandSyntaxError()
		return
	}
	if len(c.argv) == 4 {
		policy = strings.ToLower(string(c.argv[3]))
		if policy != "append" && policy != "replace" && policy != "flush" {
			c.replyError(errRestorePolicy)
			return
		}
	}
	f := c.srv.scriptEngine().functions()
	codes, msg := parseFunctionDump(c.argv[2])
	if msg != "" {
		c.replyError(errERR + msg)
		return
	}
	if policy == "flush" {
		c.srv.flushFunctions()
		f = c.srv.scriptEngine().functions()
	}
	var libs []*luaLibrary
	for _, code := range codes {
		lib, msg := f.loadLibrary(code)
		if lib == nil {
			c.replyError(errERR + msg)
			return
		}
		libs = append(libs, lib)
	}
	if msg := f.install(libs, policy == "replace", true); msg != "" {
		c.replyError(errERR + msg)
		return
	}
	c.srv.stats.dirty++
	c.replyOK()
}
