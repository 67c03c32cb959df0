package server

import (
	"reflect"
	"sort"
	"strings"
	"testing"
)

// TestCommandDataComplete fails when a command in the table has no
// generated COMMAND INFO/DOCS data, or data is left for one that is gone.
func TestCommandDataComplete(t *testing.T) {
	inTable := map[string]bool{}
	var missing, stale []string
	for _, name := range CommandNames() {
		inTable[name] = true
		if lookupMeta(name) == nil {
			missing = append(missing, name)
		}
	}
	for name := range commandData {
		if !inTable[name] {
			stale = append(stale, name)
		}
	}
	sort.Strings(stale)
	if len(missing) > 0 || len(stale) > 0 {
		t.Fatalf("commanddata_gen.go is out of date (no data for %v; data for commands kvd lacks: %v): "+
			"run `go generate ./server` (it needs redis-server %s on $PATH); describe a command Redis %s "+
			"lacks in commanddata_extra.go", missing, stale, RedisVersion, RedisVersion)
	}
	for name := range commandDataExtra {
		if !inTable[name] {
			t.Errorf("commanddata_extra.go describes %s, which kvd lacks", name)
		}
		if commandData[name] != nil {
			t.Errorf("commanddata_extra.go describes %s, which Redis %s has: drop it", name, RedisVersion)
		}
	}
}

// TestCommandTableFromMetadata checks that a server's table takes arity,
// flags and key positions from Redis's metadata, with kvd's own flags added.
func TestCommandTableFromMetadata(t *testing.T) {
	tab := newCommandTable()
	for _, tt := range []struct {
		name                    string
		arity                   int
		flags                   CmdFlag
		firstKey, lastKey, step int
	}{
		{"get", 2, FlagReadonly | FlagFast, 1, 1, 1},
		{"set", -3, FlagWrite | FlagDenyOOM, 1, 1, 1},
		{"mset", -3, FlagWrite | FlagDenyOOM, 1, -1, 2},
		{"config|get", -3, FlagAdmin | FlagNoScript | FlagLoading | FlagStale, 0, 0, 0},
		{"debug", -2, FlagAdmin | FlagNoScript | FlagLoading | FlagStale | FlagProtected, 0, 0, 0},
		{"ping", -1, FlagFast, 0, 0, 0},
	} {
		st := tab.byName[tt.name]
		if i := strings.IndexByte(tt.name, '|'); i >= 0 {
			st = tab.byName[tt.name[:i]].sub[tt.name[i+1:]]
		}
		if st.Arity != tt.arity || st.Flags != tt.flags || st.FirstKey != tt.firstKey || st.LastKey != tt.lastKey || st.Step != tt.step {
			t.Errorf("%s: arity %d flags %v keys %d,%d,%d; want %d %v %d,%d,%d", tt.name, st.Arity, flagNames(st.Flags),
				st.FirstKey, st.LastKey, st.Step, tt.arity, flagNames(tt.flags), tt.firstKey, tt.lastKey, tt.step)
		}
	}
	for _, fn := range cmdFlagNames {
		if got := parseFlagNames([]string{fn.name}); got != fn.flag {
			t.Errorf("flag %s parses to %v", fn.name, flagNames(got))
		}
	}
}

func TestKeysFromSpecs(t *testing.T) {
	rangeSpec := func(index, last, step, limit int, flags ...string) keySpec {
		return keySpec{Flags: flags, BeginSearch: "index", BSIndex: index, FindKeys: "range", FKLastKey: last, FKKeyStep: step, FKLimit: limit}
	}
	keywordSpec := func(kw string, from, last, step, limit int) keySpec {
		return keySpec{Flags: []string{"RO"}, BeginSearch: "keyword", BSKeyword: kw, BSStartFrom: from, FindKeys: "range", FKLastKey: last, FKKeyStep: step, FKLimit: limit}
	}
	keynumSpec := func(index, numIdx, first, step int) keySpec {
		return keySpec{Flags: []string{"RO"}, BeginSearch: "index", BSIndex: index, FindKeys: "keynum", FKKeyNumIdx: numIdx, FKFirstKey: first, FKKeyStep: step}
	}
	tests := []struct {
		name  string
		specs []keySpec
		args  string
		want  []int // nil with ok false
		ok    bool
	}{
		{"single", []keySpec{rangeSpec(1, 0, 1, 0, "RO")}, "get k", []int{1}, true},
		{"all to the end", []keySpec{rangeSpec(1, -1, 1, 0)}, "mget a b c", []int{1, 2, 3}, true},
		{"pairs", []keySpec{rangeSpec(1, -1, 2, 0)}, "mset a 1 b 2", []int{1, 3}, true},
		{"before last", []keySpec{rangeSpec(1, -2, 1, 0)}, "blpop a b 0", []int{1, 2}, true},
		{"two specs", []keySpec{rangeSpec(1, 0, 1, 0), rangeSpec(2, 0, 1, 0)}, "rename a b", []int{1, 2}, true},
		{"keyword half", []keySpec{keywordSpec("STREAMS", 1, -1, 1, 2)}, "xread count 1 streams a b 0 0", []int{4, 5}, true},
		{"keyword missing", []keySpec{rangeSpec(1, 0, 1, 0), keywordSpec("STORE", 6, 0, 1, 0)}, "georadius k 1 2 3 m", []int{1}, true},
		{"keyword found", []keySpec{rangeSpec(1, 0, 1, 0), keywordSpec("STORE", 6, 0, 1, 0)}, "georadius k 1 2 3 m store d", []int{1, 7}, true},
		{"keyword backwards", []keySpec{keywordSpec("KEYS", -2, -1, 1, 0)}, "migrate h p \"\" 0 5 keys a b", []int{7, 8}, true},
		{"keynum", []keySpec{rangeSpec(1, 0, 1, 0), keynumSpec(2, 0, 1, 1)}, "zunionstore d 2 a b weights 1 2", []int{1, 3, 4}, true},
		{"keynum zero", []keySpec{keynumSpec(2, 0, 1, 1)}, "eval s 0", nil, false},
		{"keynum not a number", []keySpec{keynumSpec(1, 0, 1, 1)}, "zunion x a", nil, false},
		{"keynum too many", []keySpec{keynumSpec(1, 0, 1, 1)}, "zunion 5 a", nil, false},
		{"unknown", []keySpec{rangeSpec(1, 0, 1, 0), {BeginSearch: "unknown", FindKeys: "unknown"}}, "sort k", nil, false},
		{"incomplete", []keySpec{{Flags: []string{"RW", "incomplete"}, BeginSearch: "index", BSIndex: 1, FindKeys: "range"}}, "x k", nil, false},
		{"not a key", []keySpec{rangeSpec(1, -1, 1, 0, "not_key")}, "ssubscribe a b", nil, true},
		{"out of range", []keySpec{rangeSpec(1, 0, 1, 0)}, "get", nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var argv [][]byte
			for _, a := range strings.Fields(tt.args) {
				argv = append(argv, []byte(strings.Trim(a, `"`)))
			}
			refs, ok := keysFromSpecs(nil, &commandMeta{KeySpecs: tt.specs}, argv)
			var got []int
			for _, r := range refs {
				got = append(got, r.pos)
			}
			if ok != tt.ok || !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %v, %v; want %v, %v", got, ok, tt.want, tt.ok)
			}
		})
	}
}

func TestVariableKeyFlags(t *testing.T) {
	tests := []struct {
		cmd, args string
		want      []string
	}{
		{"set", "set k v", []string{"OW", "update"}},
		{"set", "set k v nx get", []string{"RW", "access", "update"}},
		{"set", "set k get", []string{"OW", "update"}},
		{"bitfield", "bitfield k get u8 0", []string{"RO", "access"}},
		{"bitfield", "bitfield k get u8 0 overflow wrap get i4 2", []string{"RO", "access"}},
		{"bitfield", "bitfield k set u8 0 1", []string{"RW", "access", "update"}},
		{"bitfield", "bitfield k get u8", []string{"RW", "access", "update"}},
	}
	for _, tt := range tests {
		var argv [][]byte
		for _, a := range strings.Fields(tt.args) {
			argv = append(argv, []byte(a))
		}
		if got := variableKeyFlags[tt.cmd](argv, 1); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%q: %v, want %v", tt.args, got, tt.want)
		}
	}
}
