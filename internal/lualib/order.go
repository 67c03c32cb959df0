package lualib

import (
	"math"

	lua "github.com/yuin/gopher-lua"
)

// PUC Lua 5.1 visits a table's keys (next, pairs) in the order of its
// internal layout: the array part, then the hash nodes in slot order, where
// a key's slot depends on its hash, the node array's size and the
// collisions met while the table grew. gopher-lua visits keys in insertion
// order. Redis's cjson.encode and cmsgpack.pack emit members in next()
// order, so to produce Redis's bytes the encoders replay the table's
// construction on a model of Lua 5.1's table (ltable.c's algorithm: main
// positions, the free pointer moving down, collision chains, rehash sizing)
// and emit the keys in the model's order.
//
// The model assumes the table was built by assigning its keys, in
// gopher-lua's insertion order, to an empty table ({} or lua_newtable):
// exact for decoded JSON/msgpack and tables filled field by field. Keys
// deleted before the encode are invisible through gopher-lua's API, yet in
// Lua 5.1 they shaped the layout: such tables can differ. A table
// constructor with several fields ({a = 1, b = 2, c = 3}) is presized by
// Lua 5.1 and can lay out differently; keys whose hash is an address
// (tables, functions, userdata) fall back to insertion order.

const (
	pucMaxBits  = 26
	pucMaxASize = 1 << pucMaxBits
)

type pucNode struct {
	key  lua.LValue // nil when free
	next int        // -1: end of chain
}

type pucTable struct {
	array    []bool // present array slots
	nodes    []pucNode
	spare    []pucNode // a node buffer not in use, reused by the next resize
	lastfree int
}

// pucScratch holds buffers reused from one table to the next while one
// value is encoded (nothing in it outlives pucKeyOrder).
type pucScratch struct {
	all          []lua.LValue
	nodes, spare []pucNode
	ctors        *ctorRecord // recorded constructors (constructor.go)
}

func newScratch(L *lua.LState) pucScratch { return pucScratch{ctors: ctorHints(L)} }

// pucKeyOrder returns t's keys in the order PUC Lua 5.1 would visit them,
// or ok=false when the order cannot be modelled (or needs no model).
func pucKeyOrder(t *lua.LTable, sc *pucScratch) (keys []lua.LValue, ok bool) {
	hashKeys := 0
	all := sc.all[:0]
	defer func() { sc.all = all[:0] }()
	for k, _ := t.Next(lua.LNil); k != lua.LNil; k, _ = t.Next(k) {
		switch x := k.(type) {
		case lua.LString, lua.LBool:
			hashKeys++
		case lua.LNumber:
			if f := float64(x); f != math.Trunc(f) || f < 1 || f > float64(len(all)+1) {
				hashKeys++
			}
		default:
			return nil, false
		}
		all = append(all, k)
	}
	if hashKeys <= 1 {
		return nil, false // insertion order is next() order
	}
	p := pucTable{nodes: sc.nodes[:0], spare: sc.spare[:0]}
	if h, ok := sc.ctors.get(t); ok {
		// Made by a constructor: Lua 5.1 presized it (luaH_new).
		p.array = make([]bool, h.narray)
		p.setNodeVector(h.nhash)
	}
	for _, k := range all {
		p.set(k)
	}
	defer func() { sc.nodes, sc.spare = p.nodes[:0], p.spare[:0] }()
	keys = make([]lua.LValue, 0, len(all))
	for i, present := range p.array {
		if present {
			keys = append(keys, lua.LNumber(i+1))
		}
	}
	for _, n := range p.nodes {
		if n.key != nil {
			keys = append(keys, n.key)
		}
	}
	return keys, true
}

// luaStringHash is the string hash of Redis's Lua 5.1: seeded with the
// length, and (unlike stock Lua 5.1, which samples long strings) over every
// byte, as Redis patched it against hash-collision attacks.
func luaStringHash(s string) uint32 {
	h := uint32(len(s))
	for l1 := len(s); l1 >= 1; l1-- {
		h ^= (h << 5) + (h >> 2) + uint32(s[l1-1])
	}
	return h
}

func (p *pucTable) size() int { return len(p.nodes) }

// mainPosition is the slot a key hashes to (the dummy node counts as slot 0).
func (p *pucTable) mainPosition(k lua.LValue) int {
	size := p.size()
	if size == 0 {
		return 0
	}
	switch x := k.(type) {
	case lua.LString:
		return int(luaStringHash(string(x)) & uint32(size-1))
	case lua.LBool:
		if x {
			return 1 & (size - 1)
		}
		return 0
	case lua.LNumber:
		f := float64(x)
		if f == 0 {
			return 0
		}
		b := math.Float64bits(f)
		a := uint32(b) + uint32(b>>32)
		return int(a % uint32((size-1)|1))
	}
	return 0
}

// arrayIndex is the key as an array index, or 0.
func arrayIndex(k lua.LValue) int {
	if n, ok := k.(lua.LNumber); ok {
		f := float64(n)
		if f == math.Trunc(f) && f >= 1 && f <= pucMaxASize {
			return int(f)
		}
	}
	return 0
}

func (p *pucTable) find(k lua.LValue) bool {
	if i := arrayIndex(k); i > 0 && i <= len(p.array) {
		return p.array[i-1]
	}
	if p.size() == 0 {
		return false
	}
	for n := p.mainPosition(k); n >= 0; n = p.nodes[n].next {
		if p.nodes[n].key == k {
			return true
		}
	}
	return false
}

func (p *pucTable) set(k lua.LValue) {
	if i := arrayIndex(k); i > 0 && i <= len(p.array) {
		p.array[i-1] = true
		return
	}
	if p.find(k) {
		return
	}
	p.newKey(k)
}

func (p *pucTable) getFreePos() int {
	for p.lastfree > 0 {
		p.lastfree--
		if p.nodes[p.lastfree].key == nil {
			return p.lastfree
		}
	}
	return -1
}

func (p *pucTable) newKey(k lua.LValue) {
	mp := p.mainPosition(k)
	if p.size() == 0 || p.nodes[mp].key != nil {
		n := p.getFreePos()
		if n < 0 {
			p.rehash(k)
			p.set(k)
			return
		}
		other := p.mainPosition(p.nodes[mp].key)
		if other != mp {
			// The colliding node is out of its main position: move it.
			for p.nodes[other].next != mp {
				other = p.nodes[other].next
			}
			p.nodes[other].next = n
			p.nodes[n] = p.nodes[mp]
			p.nodes[mp] = pucNode{next: -1}
		} else {
			p.nodes[n].next = p.nodes[mp].next
			p.nodes[mp].next = n
			mp = n
		}
	}
	p.nodes[mp].key = k
}

func ceilLog2(x int) int {
	l := 0
	for (1 << l) < x {
		l++
	}
	return l
}

func countInt(k lua.LValue, nums *[pucMaxBits + 1]int) int {
	if i := arrayIndex(k); i > 0 {
		nums[ceilLog2(i)]++
		return 1
	}
	return 0
}

func (p *pucTable) rehash(ek lua.LValue) {
	var nums [pucMaxBits + 1]int
	nasize := 0
	// numusearray
	i := 1
	for lg, ttlg := 0, 1; lg <= pucMaxBits; lg, ttlg = lg+1, ttlg*2 {
		lc, lim := 0, ttlg
		if lim > len(p.array) {
			lim = len(p.array)
			if i > lim {
				break
			}
		}
		for ; i <= lim; i++ {
			if p.array[i-1] {
				lc++
			}
		}
		nums[lg] += lc
		nasize += lc
	}
	total := nasize
	// numusehash
	for _, n := range p.nodes {
		if n.key != nil {
			nasize += countInt(n.key, &nums)
			total++
		}
	}
	nasize += countInt(ek, &nums)
	total++
	// computesizes
	a, na, opt := 0, 0, 0
	for i, twotoi := 0, 1; twotoi/2 < nasize; i, twotoi = i+1, twotoi*2 {
		if nums[i] > 0 {
			a += nums[i]
			if a > twotoi/2 {
				opt, na = twotoi, a
			}
		}
		if a == nasize {
			break
		}
	}
	p.resize(opt, total-na)
}

// setNodeVector installs an empty node array for size keys (the dummy
// node, no slots, for 0) in the spare buffer.
func (p *pucTable) setNodeVector(size int) {
	if size > 0 {
		size = 1 << ceilLog2(size)
	}
	buf := p.spare
	if cap(buf) < size {
		buf = make([]pucNode, size)
	}
	buf = buf[:size]
	for i := range buf {
		buf[i] = pucNode{next: -1}
	}
	p.nodes = buf
	p.lastfree = size
}

func (p *pucTable) resize(nasize, nhsize int) {
	oldArray := p.array
	oldNodes := p.nodes
	defer func() { p.spare = oldNodes[:0] }()
	if nasize > len(oldArray) {
		p.array = append(append([]bool(nil), oldArray...), make([]bool, nasize-len(oldArray))...)
	}
	p.setNodeVector(nhsize)
	if nasize < len(oldArray) {
		p.array = append([]bool(nil), oldArray[:nasize]...)
		for i := nasize; i < len(oldArray); i++ {
			if oldArray[i] {
				p.set(lua.LNumber(i + 1))
			}
		}
	}
	for i := len(oldNodes) - 1; i >= 0; i-- {
		if oldNodes[i].key != nil {
			p.set(oldNodes[i].key)
		}
	}
}

// pucPairs calls f for each key and value of t in PUC Lua 5.1's next()
// order (see pucKeyOrder), or gopher-lua's when that cannot be modelled.
func pucPairs(t *lua.LTable, sc *pucScratch, f func(k, v lua.LValue)) {
	if keys, ok := pucKeyOrder(t, sc); ok {
		for _, k := range keys {
			f(k, t.RawGet(k))
		}
		return
	}
	for k, v := t.Next(lua.LNil); k != lua.LNil; k, v = t.Next(k) {
		f(k, v)
	}
}

// OpenPairs replaces the global pairs with one that visits keys in Redis's
// Lua 5.1 order (the model above), so that scripts which build replies or
// documents with pairs() produce Redis's order. It is separate from Open:
// the scripting engine decides whether to pay for it (each pairs() call on
// a table with several hash keys models the table once). Tables the model
// cannot order (keys that are tables, functions, userdata) are handed to
// the global next as it is when OpenPairs runs. pairs(_G) leaves out
// CtorFunction (see OpenConstructors). resolve, when not nil,
// maps the table pairs() receives to the one to iterate (an engine's
// read-only proxy to the table behind it).
func OpenPairs(L *lua.LState, resolve func(*lua.LTable) *lua.LTable) {
	next := L.GetGlobal("next")
	L.SetGlobal("pairs", L.NewFunction(func(L *lua.LState) int {
		arg, ok := L.Get(1).(*lua.LTable)
		if !ok {
			typeError(L, 1, "table")
		}
		t := arg
		if resolve != nil {
			t = resolve(arg)
		}
		sc := newScratch(L)
		keys, modelled := pucKeyOrder(t, &sc)
		if modelled && t == L.G.Global {
			// CtorFunction is the engine's, not the script's.
			for j, k := range keys {
				if k == lua.LString(CtorFunction) {
					keys = append(keys[:j:j], keys[j+1:]...)
					break
				}
			}
		}
		if !modelled {
			L.Push(next)
			L.Push(arg)
			L.Push(lua.LNil)
			return 3
		}
		i := 0
		L.Push(L.NewFunction(func(L *lua.LState) int {
			for i < len(keys) {
				k := keys[i]
				i++
				if v := t.RawGet(k); v != lua.LNil {
					L.Push(k)
					L.Push(v)
					return 2
				}
			}
			L.Push(lua.LNil)
			return 1
		}))
		L.Push(arg)
		L.Push(lua.LNil)
		return 3
	}))
}
