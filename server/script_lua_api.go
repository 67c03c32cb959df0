package server

import (
	"bytes"
	"math"
	"strconv"
	"strings"

	"github.com/kvdserver/kvd/internal/num"
	"github.com/kvdserver/kvd/resp"
	lua "github.com/yuin/gopher-lua"
)

// The redis table scripts see (redis.call, redis.pcall, ...) and the
// conversions between Lua values and replies, as Redis 7.0's script_lua.c
// defines them.

// RedisVersionNum is REDIS_VERSION_NUM (7.0.15 as 0x00MMmmpp).
const luaRedisVersionNum = 7<<16 | 0<<8 | 15

func (vm *luaVM) installRedisAPI() {
	L := vm.L
	r := L.NewTable()
	set := func(name string, fn lua.LGFunction) { r.RawSetString(name, L.NewFunction(fn)) }
	{
		set("call", func(L *lua.LState) int { return vm.redisCall(L, true) })
		set("pcall", func(L *lua.LState) int { return vm.redisCall(L, false) })
		set("setresp", vm.redisSetResp)
		set("set_repl", vm.redisSetRepl)
		set("replicate_commands", func(L *lua.LState) int {
			L.Push(lua.LTrue)
			return 1
		})
		set("breakpoint", func(L *lua.LState) int {
			L.Push(lua.LFalse)
			return 1
		})
		set("debug", func(L *lua.LState) int { return 0 })
		set("acl_check_cmd", vm.redisACLCheckCmd)
	}
	set("error_reply", func(L *lua.LState) int {
		s, ok := L.Get(1).(lua.LString)
		if L.GetTop() != 1 || !ok {
			L.Push(luaErrorTable(L, "wrong number or type of arguments"))
			return 1
		}
		msg := string(s)
		if !strings.HasPrefix(msg, "-") {
			msg = "-" + msg
		}
		L.Push(luaErrorTable(L, msg))
		return 1
	})
	set("status_reply", func(L *lua.LState) int {
		s, ok := L.Get(1).(lua.LString)
		if L.GetTop() != 1 || !ok {
			L.Push(luaErrorTable(L, "wrong number or type of arguments"))
			return 1
		}
		t := L.CreateTable(0, 1)
		t.RawSetString("ok", s)
		L.Push(t)
		return 1
	})
	set("sha1hex", func(L *lua.LState) int {
		if L.GetTop() != 1 {
			luaRaise(L, "wrong number of arguments")
		}
		L.Push(lua.LString(sha1hex([]byte(luaToString(L, 1)))))
		return 1
	})
	set("log", vm.redisLog)
	for name, v := range map[string]int{"LOG_DEBUG": 0, "LOG_VERBOSE": 1, "LOG_NOTICE": 2, "LOG_WARNING": 3,
		"REPL_NONE": replNone, "REPL_AOF": replAOF, "REPL_SLAVE": replSlave, "REPL_REPLICA": replSlave, "REPL_ALL": replAll} {
		r.RawSetString(name, lua.LNumber(v))
	}
	r.RawSetString("REDIS_VERSION", lua.LString(RedisVersion))
	r.RawSetString("REDIS_VERSION_NUM", lua.LNumber(luaRedisVersionNum))
	vm.realG.RawSetString("redis", r)
}

// luaToString returns argument n as a string (numbers converted), or "".
func luaToString(L *lua.LState, n int) string {
	switch v := L.Get(n).(type) {
	case lua.LString:
		return string(v)
	case lua.LNumber:
		return luaNumberString(float64(v))
	}
	return ""
}

// luaErrorTable makes the error table {err=...} of an error reply, as
// Redis's luaPushErrorBuff: "-CODE message" keeps its code, a message
// without one gets ERR.
func luaErrorTable(L *lua.LState, msg string) *lua.LTable {
	var final string
	if rest, ok := strings.CutPrefix(msg, "-"); ok {
		if i := strings.IndexByte(rest, ' '); i >= 0 {
			final = rest[:i] + " " + strings.Trim(rest[i+1:], "\r\n")
		} else {
			final = errERR + strings.Trim(rest, "\r\n")
		}
	} else {
		final = errERR + strings.Trim(msg, "\r\n")
	}
	t := L.CreateTable(0, 1)
	t.RawSetString("err", lua.LString(final))
	return t
}

// callError answers a refused redis.call / redis.pcall: raised, or
// returned as an error table.
func (vm *luaVM) callError(L *lua.LState, raise bool, msg string) int {
	t := luaErrorTable(L, msg)
	if raise {
		L.Error(t, 0)
		return 0
	}
	L.Push(t)
	return 1
}

// redisCall is redis.call (raise) and redis.pcall.
func (vm *luaVM) redisCall(L *lua.LState, raise bool) int {
	e := vm.eng
	run := e.run
	n := L.GetTop()
	if n == 0 {
		return vm.callError(L, raise, "Please specify at least one argument for this redis lib call")
	}
	arena := vm.arena[:0]
	var ends [16]int
	endv := ends[:0]
	for i := 1; i <= n; i++ {
		switch v := L.Get(i).(type) {
		case lua.LString:
			arena = append(arena, v...)
		case lua.LNumber:
			arena = luaArgNumber(arena, float64(v))
		default:
			vm.arena = arena
			return vm.callError(L, raise, "Lua redis lib command arguments must be strings or integers")
		}
		endv = append(endv, len(arena))
	}
	vm.arena = arena
	argv := vm.argv[:0]
	start := 0
	for _, end := range endv {
		argv = append(argv, arena[start:end:end])
		start = end
	}
	vm.argv = argv
	if run == nil {
		return vm.callError(L, raise, "redis.call can only be called inside a script invocation")
	}
	s := vm.srv
	cmd := s.commands.lookup(argv)
	if cmd == nil {
		return vm.callError(L, raise, "Unknown Redis command called from script")
	}
	// Refusals count as the command's rejected calls, as in Redis.
	if (cmd.Arity > 0 && cmd.Arity != len(argv)) || len(argv) < -cmd.Arity {
		cmd.rejected++
		return vm.callError(L, raise, "Wrong number of args calling Redis command from script")
	}
	if cmd.Flags&FlagNoScript != 0 {
		cmd.rejected++
		return vm.callError(L, raise, "This Redis command is not allowed from script")
	}
	if u := run.caller.user; u != nil && !u.unrestricted() {
		if res, pos := u.checkCommand(cmd, argv); res != aclOK {
			s.addACLLog(run.caller, res, aclCtxLua, pos, "", aclLogObject(res, cmd, argv, pos))
			cmd.rejected++
			msg := "The user executing the script can't run this command or subcommand"
			switch res {
			case aclDeniedKey:
				msg = "The user executing the script can't access at least one of the keys mentioned in the command arguments"
			case aclDeniedChannel:
				msg = "The user executing the script can't publish to the channel mentioned in the command"
			}
			return vm.callError(L, raise, msg)
		}
	}
	if cmd.Flags&(FlagWrite|FlagMayReplicate) != 0 && run.readOnly {
		cmd.rejected++
		return vm.callError(L, raise, "Write commands are not allowed from read-only scripts.")
	}
	if cmd.Flags&FlagDenyOOM != 0 && !run.allowOOM && !run.wrote && s.evict.oom && s.evict.maxmemory > 0 {
		cmd.rejected++
		return vm.callError(L, raise, "-"+errOOM) // evict.go
	}
	if cmd.Flags&FlagWrite != 0 {
		run.wrote = true
	}
	fake := e.fake
	if vm.kind == luaFunction {
		fake = e.fnFake
	}
	fake.argv = argv
	fake.out = fake.out[:0]
	s.cmdMark = 0 // the command's time is its own, not the script's so far
	if run.repl == replNone {
		saved := s.prop.consumers
		s.prop.consumers = nil
		s.call(&fake.Ctx, cmd)
		s.prop.consumers = saved
	} else {
		s.call(&fake.Ctx, cmd)
	}
	fake.argv = nil
	reply := fake.out
	if len(reply) == 0 {
		L.Push(lua.LNil)
		return 1
	}
	v, _ := vm.luaFromReply(reply, 0)
	if reply[0] == '-' {
		if t, ok := v.(*lua.LTable); ok {
			// Counted when the command failed: not again as the script's reply.
			t.RawSetString("ignore_error_stats_update", lua.LTrue)
		}
		if raise {
			L.Error(v, 0)
			return 0
		}
	}
	L.Push(v)
	return 1
}

// luaFromReply converts the reply at the start of b to a Lua value, as
// Redis's redisProtocolToLuaType, and returns the bytes after it. Input
// that is not a well-formed reply (never produced by a command) gives nil
// and no rest.
func (vm *luaVM) luaFromReply(b []byte, depth int) (lua.LValue, []byte) {
	L := vm.L
	if len(b) < 3 || depth > luaMaxReplyDepth {
		return lua.LNil, nil
	}
	i := bytes.IndexByte(b, '\r')
	if i < 1 || i+1 >= len(b) || b[i+1] != '\n' {
		return lua.LNil, nil
	}
	line, rest := b[1:i], b[i+2:]
	switch b[0] {
	case '+':
		t := L.CreateTable(0, 1)
		t.RawSetString("ok", lua.LString(line))
		return t, rest
	case '-':
		return luaErrorTable(L, "-"+string(line)), rest
	case ':':
		n, _ := num.ParseInt(line)
		return lua.LNumber(n), rest
	case '$', '=':
		n, ok := num.ParseInt(line)
		if !ok {
			return lua.LNil, nil
		}
		if n < 0 {
			return lua.LFalse, rest
		}
		if n > int64(len(rest))-2 {
			return lua.LNil, nil
		}
		s := rest[:n]
		rest = rest[n+2:]
		if b[0] == '=' {
			t := L.CreateTable(0, 1)
			vt := L.CreateTable(0, 2)
			if len(s) >= 4 {
				vt.RawSetString("format", lua.LString(s[:3]))
				vt.RawSetString("string", lua.LString(s[4:]))
			}
			t.RawSetString("verbatim_string", vt)
			return t, rest
		}
		return lua.LString(s), rest
	case '*', '~', '%':
		n, ok := num.ParseInt(line)
		if !ok {
			return lua.LNil, nil
		}
		if n < 0 {
			return lua.LFalse, rest
		}
		if n > int64(len(rest)) {
			return lua.LNil, nil // each element takes at least one byte
		}
		switch b[0] {
		case '*':
			t := L.CreateTable(int(n), 0)
			for j := int64(1); j <= n && rest != nil; j++ {
				var v lua.LValue
				v, rest = vm.luaFromReply(rest, depth+1)
				t.RawSetInt(int(j), v)
			}
			return t, rest
		case '~':
			set := L.NewTable()
			for j := int64(0); j < n && rest != nil; j++ {
				var v lua.LValue
				v, rest = vm.luaFromReply(rest, depth+1)
				if v != lua.LNil {
					set.RawSet(v, lua.LTrue)
				}
			}
			t := L.CreateTable(0, 1)
			t.RawSetString("set", set)
			return t, rest
		default:
			m := L.NewTable()
			for j := int64(0); j < n && rest != nil; j++ {
				var k, v lua.LValue
				k, rest = vm.luaFromReply(rest, depth+1)
				v, rest = vm.luaFromReply(rest, depth+1)
				if k != lua.LNil {
					m.RawSet(k, v)
				}
			}
			t := L.CreateTable(0, 1)
			t.RawSetString("map", m)
			return t, rest
		}
	case '_':
		return lua.LNil, rest
	case '#':
		return lua.LBool(len(line) > 0 && line[0] == 't'), rest
	case ',':
		t := L.CreateTable(0, 1)
		f, _ := strconv.ParseFloat(string(line), 64)
		switch string(line) {
		case "inf":
			f = math.Inf(1)
		case "-inf":
			f = math.Inf(-1)
		}
		t.RawSetString("double", lua.LNumber(f))
		return t, rest
	case '(':
		t := L.CreateTable(0, 1)
		t.RawSetString("big_number", lua.LString(line))
		return t, rest
	case '|':
		// Attributes are not given to scripts.
		n, ok := num.ParseInt(line)
		if !ok || n < 0 || n > int64(len(rest)) {
			return lua.LNil, nil
		}
		for j := int64(0); j < 2*n && rest != nil; j++ {
			_, rest = vm.luaFromReply(rest, depth+1)
		}
		return vm.luaFromReply(rest, depth)
	}
	return lua.LNil, nil
}

// luaMaxReplyDepth bounds the nesting of a script's reply.
const luaMaxReplyDepth = 1000

// replyFromLua sends a script's result as a reply, as Redis's
// luaReplyToRedisReply.
func (vm *luaVM) replyFromLua(c *Ctx, v lua.LValue, depth int) {
	switch v := v.(type) {
	case lua.LString:
		c.replyBulkString(string(v))
	case lua.LBool:
		// The script's protocol (redis.setresp) decides, not the caller's.
		if vm.resp == 2 {
			if v {
				c.replyInt(1)
			} else {
				c.replyNull()
			}
		} else {
			c.replyBool(bool(v))
		}
	case lua.LNumber:
		c.replyInt(luaToInt64(float64(v)))
	case *lua.LTable:
		if depth >= luaMaxReplyDepth {
			c.replyError(errLuaStackLimit)
			return
		}
		vm.replyTable(c, v, depth)
	default:
		c.replyNull()
	}
}

// luaToInt64 converts a number as C's (long long) cast does on amd64.
func luaToInt64(f float64) int64 {
	if f != f || f >= 9.223372036854775807e18 || f < -9.223372036854775808e18 {
		return -1 << 63
	}
	return int64(f)
}

func (vm *luaVM) replyTable(c *Ctx, t *lua.LTable, depth int) {
	if e, ok := t.RawGetString("err").(lua.LString); ok {
		msg := string(e)
		if t.RawGetString("ignore_error_stats_update") == lua.LTrue {
			c.replyErrorNoStats(msg)
		} else {
			c.replyError(msg)
		}
		return
	}
	if ok, isStr := t.RawGetString("ok").(lua.LString); isStr {
		c.replyStatus(strings.Map(crlfToSpace, string(ok)))
		return
	}
	if d, ok := t.RawGetString("double").(lua.LNumber); ok {
		c.replyDouble(float64(d))
		return
	}
	if b, ok := t.RawGetString("big_number").(lua.LString); ok {
		c.replyBigNumber(strings.Map(crlfToSpace, string(b)))
		return
	}
	if m, ok := t.RawGetString("map").(*lua.LTable); ok {
		n := 0
		m.ForEach(func(_, _ lua.LValue) { n++ })
		c.replyMap(n)
		for k, v := m.Next(lua.LNil); k != lua.LNil; k, v = m.Next(k) {
			vm.replyFromLua(c, k, depth+1)
			vm.replyFromLua(c, v, depth+1)
		}
		return
	}
	if st, ok := t.RawGetString("set").(*lua.LTable); ok {
		n := 0
		st.ForEach(func(_, _ lua.LValue) { n++ })
		c.replySet(n)
		for k, _ := st.Next(lua.LNil); k != lua.LNil; k, _ = st.Next(k) {
			vm.replyFromLua(c, k, depth+1)
		}
		return
	}
	if vt, ok := t.RawGetString("verbatim_string").(*lua.LTable); ok {
		f, ok1 := vt.RawGetString("format").(lua.LString)
		s, ok2 := vt.RawGetString("string").(lua.LString)
		if ok1 && ok2 {
			c.out = resp.AppendVerbatim(c.buf(), c.proto, string(f), []byte(s))
			return
		}
	}
	n := 0
	for t.RawGetInt(n+1) != lua.LNil {
		n++
	}
	c.replyArray(n)
	for i := 1; i <= n; i++ {
		vm.replyFromLua(c, t.RawGetInt(i), depth+1)
	}
}

func crlfToSpace(r rune) rune {
	if r == '\r' || r == '\n' {
		return ' '
	}
	return r
}

// ---- the rest of the API ----

func (vm *luaVM) redisSetResp(L *lua.LState) int {
	if L.GetTop() != 1 {
		luaRaise(L, "redis.setresp() requires one argument.")
	}
	n := L.CheckInt(1)
	if n != 2 && n != 3 {
		luaRaise(L, "RESP version must be 2 or 3.")
	}
	if e := vm.eng; e.run != nil {
		if vm.kind == luaFunction {
			e.fnFake.proto = n
		} else {
			e.fake.proto = n
		}
	}
	return 0
}

func (vm *luaVM) redisSetRepl(L *lua.LState) int {
	if L.GetTop() != 1 {
		luaRaise(L, "redis.set_repl() requires two arguments.")
	}
	n := L.CheckInt(1)
	if n&^replAll != 0 {
		luaRaise(L, "Invalid replication flags. Use REPL_AOF, REPL_REPLICA, REPL_ALL or REPL_NONE.")
	}
	if e := vm.eng; e.run != nil {
		e.run.repl = n
	}
	return 0
}

func (vm *luaVM) redisLog(L *lua.LState) int {
	n := L.GetTop()
	if n < 2 {
		luaRaise(L, "redis.log() requires two arguments or more.")
	}
	lv, ok := L.Get(1).(lua.LNumber)
	if !ok {
		luaRaise(L, "First argument must be a number (log level).")
	}
	level := int(lv)
	if level < 0 || level > 3 {
		luaRaise(L, "Invalid debug level.")
	}
	var sb strings.Builder
	for i := 2; i <= n; i++ {
		if i > 2 {
			sb.WriteByte(' ')
		}
		sb.WriteString(luaToString(L, i))
	}
	vm.srv.logf(level, "%s", sb.String())
	return 0
}

func (vm *luaVM) redisACLCheckCmd(L *lua.LState) int {
	n := L.GetTop()
	if n == 0 {
		luaRaise(L, "Please specify at least one argument for this redis lib call")
	}
	argv := make([][]byte, n)
	for i := 1; i <= n; i++ {
		switch v := L.Get(i).(type) {
		case lua.LString:
			argv[i-1] = []byte(v)
		case lua.LNumber:
			argv[i-1] = luaArgNumber(nil, float64(v))
		default:
			luaRaise(L, "Lua redis lib command arguments must be strings or integers")
		}
	}
	s := vm.srv
	cmd := s.commands.lookup(argv)
	if cmd == nil {
		luaRaise(L, "Invalid command passed to redis.acl_check_cmd()")
	}
	if (cmd.Arity > 0 && cmd.Arity != len(argv)) || len(argv) < -cmd.Arity {
		luaRaise(L, "Invalid number of arguments passed to redis.acl_check_cmd()")
	}
	ok := true
	if run := vm.eng.run; run != nil {
		if u := run.caller.user; u != nil && !u.unrestricted() {
			res, _ := u.checkCommand(cmd, argv)
			ok = res == aclOK
		}
	}
	L.Push(lua.LBool(ok))
	return 1
}

// luaRaise raises an error of the redis API as Redis does: an error table
// {err="ERR msg"}, with no position of its own (the message handler adds
// the script's).
func luaRaise(L *lua.LState, msg string) {
	L.Error(luaErrorTable(L, msg), 0)
}
