package server

// The scripting fields of INFO memory, in Redis 7.0's order. gopher-lua
// cannot report the memory of its states, so the VM fields report what a
// fresh Lua state takes in Redis (used_memory_vm_eval 32768 bytes,
// used_memory_vm_functions 32768) plus the bytes of the code loaded into
// it; the cache fields count the script bodies and library codes as Redis
// counts its dictionaries' contents.

const (
	luaVMBaseEval      = 32768
	luaVMBaseFunctions = 32768
	scriptEntryCost    = 56 // a cache entry's overhead besides its body
)

func (s *Server) infoScriptMemory(b *infoBuilder) {
	var scripts, bodyMem, nFuncs, nLibs, fnMem int64
	if e := s.scripts; e != nil {
		scripts = int64(len(e.scripts))
		bodyMem = e.bodyMem + scripts*scriptEntryCost
		if f := e.fns; f != nil {
			nFuncs, nLibs = int64(len(f.funcs)), int64(len(f.libs))
			for _, l := range f.libs {
				fnMem += int64(len(l.code)) + scriptEntryCost
			}
			fnMem += nFuncs * scriptEntryCost
		}
	}
	vmEval := luaVMBaseEval + bodyMem
	vmFuncs := luaVMBaseFunctions + fnMem
	b.int("used_memory_lua", vmEval)
	b.int("used_memory_vm_eval", vmEval)
	b.str("used_memory_lua_human", bytesToHuman(uint64(vmEval)))
	b.int("used_memory_scripts_eval", bodyMem)
	b.int("number_of_cached_scripts", scripts)
	b.int("number_of_functions", nFuncs)
	b.int("number_of_libraries", nLibs)
	b.int("used_memory_vm_functions", vmFuncs)
	b.int("used_memory_vm_total", vmEval+vmFuncs)
	b.str("used_memory_vm_total_human", bytesToHuman(uint64(vmEval+vmFuncs)))
	b.int("used_memory_functions", fnMem)
	b.int("used_memory_scripts", bodyMem+fnMem)
	b.str("used_memory_scripts_human", bytesToHuman(uint64(bodyMem+fnMem)))
}
