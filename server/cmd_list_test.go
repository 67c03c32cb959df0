package server

import (
	"slices"
	"testing"
)

// TestListCommandTable checks the list commands' table entries against
// what Redis 7.0.15's COMMAND INFO reports for them.
func TestListCommandTable(t *testing.T) {
	tests := []struct {
		name                    string
		arity                   int
		flags                   CmdFlag
		firstKey, lastKey, step int
		movable                 bool
	}{
		{"lpush", -3, FlagWrite | FlagDenyOOM | FlagFast, 1, 1, 1, false},
		{"rpush", -3, FlagWrite | FlagDenyOOM | FlagFast, 1, 1, 1, false},
		{"lpushx", -3, FlagWrite | FlagDenyOOM | FlagFast, 1, 1, 1, false},
		{"rpushx", -3, FlagWrite | FlagDenyOOM | FlagFast, 1, 1, 1, false},
		{"lpop", -2, FlagWrite | FlagFast, 1, 1, 1, false},
		{"rpop", -2, FlagWrite | FlagFast, 1, 1, 1, false},
		{"llen", 2, FlagReadonly | FlagFast, 1, 1, 1, false},
		{"lrange", 4, FlagReadonly, 1, 1, 1, false},
		{"lindex", 3, FlagReadonly, 1, 1, 1, false},
		{"lset", 4, FlagWrite | FlagDenyOOM, 1, 1, 1, false},
		{"linsert", 5, FlagWrite | FlagDenyOOM, 1, 1, 1, false},
		{"lrem", 4, FlagWrite, 1, 1, 1, false},
		{"ltrim", 4, FlagWrite, 1, 1, 1, false},
		{"lpos", -3, FlagReadonly, 1, 1, 1, false},
		{"lmove", 5, FlagWrite | FlagDenyOOM, 1, 2, 1, false},
		{"rpoplpush", 3, FlagWrite | FlagDenyOOM, 1, 2, 1, false},
		{"lmpop", -4, FlagWrite | FlagMovableKeys, 0, 0, 0, true},
	}
	table := newCommandTable()
	for _, tt := range tests {
		cmd := table.lookupTop([]byte(tt.name))
		if cmd == nil {
			t.Errorf("%s: not in the command table", tt.name)
			continue
		}
		if cmd.Arity != tt.arity || cmd.Flags != tt.flags || cmd.FirstKey != tt.firstKey || cmd.LastKey != tt.lastKey || cmd.Step != tt.step {
			t.Errorf("%s: arity %d flags %b keys %d,%d,%d; want %d %b %d,%d,%d", tt.name,
				cmd.Arity, cmd.Flags, cmd.FirstKey, cmd.LastKey, cmd.Step, tt.arity, tt.flags, tt.firstKey, tt.lastKey, tt.step)
		}
		if (cmd.GetKeys != nil) != tt.movable {
			t.Errorf("%s: GetKeys set %v, want %v", tt.name, cmd.GetKeys != nil, tt.movable)
		}
	}
}

func TestLmpopGetKeys(t *testing.T) {
	tests := []struct {
		args []string
		want []int
	}{
		{[]string{"lmpop", "1", "a", "left"}, []int{2}},
		{[]string{"lmpop", "2", "a", "b", "left", "count", "3"}, []int{2, 3}},
		// Like Redis's genericGetKeys, only the argument count bounds numkeys.
		{[]string{"lmpop", "2", "a", "left"}, []int{2, 3}},
		{[]string{"lmpop", "3", "a", "left"}, nil},
		{[]string{"lmpop", "0", "a", "left"}, nil},
		{[]string{"lmpop", "-1", "a", "left"}, nil},
		{[]string{"lmpop", "x", "a", "left"}, nil},
		// atoi reads the leading digits.
		{[]string{"lmpop", "1x", "a", "left"}, []int{2}},
		{[]string{"lmpop", " +1", "a", "left"}, []int{2}},
		{[]string{"lmpop", "99999999999999999999", "a", "left"}, nil},
		{[]string{"lmpop", "1"}, nil},
	}
	for _, tt := range tests {
		argv := make([][]byte, len(tt.args))
		for i, a := range tt.args {
			argv[i] = []byte(a)
		}
		if got := numkeysFirstKeys(argv); !slices.Equal(got, tt.want) {
			t.Errorf("numkeysFirstKeys(%q) = %v, want %v", tt.args, got, tt.want)
		}
	}
}
