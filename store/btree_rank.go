package store

import (
	"reflect"
	"unsafe"

	"github.com/tidwall/btree"
)

// tidwall/btree keeps the size of every subtree in its nodes (that is what
// GetAt walks down), but it has no call for the opposite question: how many
// items come before a given one. With the public API the best answer is a
// binary search over GetAt, O(log² N) with a cache miss on nearly every
// child it sums over. Reading the nodes directly answers it in one descent
// from the root, O(log N), as fast as a plain lookup.
//
// rankNode mirrors the library's node layout so that the descent can read
// it. The mirror is checked field by field against the real type with
// reflect when the package loads; if a future version of the library changed
// the layout, the check fails and countPrefix falls back to the binary
// search, which is slower but equally correct (and TestZSetRankFastPath
// fails, so the change does not go unnoticed).

// rankNode mirrors btree's node[T].
type rankNode[T any] struct {
	isoid    uint64
	count    int
	items    []T
	children *[]*rankNode[T]
}

// treeShape records whether BTreeG[T] and its nodes have the layout the
// mirror assumes, and where the root pointer lives.
type treeShape struct {
	rootOffset uintptr
	ok         bool
}

// inspectTree checks the layout of btree.BTreeG[T] and its node type
// against rankNode[T].
func inspectTree[T any]() treeShape {
	tt := reflect.TypeFor[btree.BTreeG[T]]()
	root, found := tt.FieldByName("root")
	if !found || root.Type.Kind() != reflect.Pointer {
		return treeShape{}
	}
	nt := root.Type.Elem()
	mt := reflect.TypeFor[rankNode[T]]()
	if nt.Kind() != reflect.Struct || nt.Size() != mt.Size() || nt.NumField() != mt.NumField() {
		return treeShape{}
	}
	for i := 0; i < mt.NumField(); i++ {
		a, b := nt.Field(i), mt.Field(i)
		if a.Name != b.Name || a.Offset != b.Offset || a.Type.Kind() != b.Type.Kind() || a.Type.Size() != b.Type.Size() {
			return treeShape{}
		}
	}
	items, _ := nt.FieldByName("items")
	if items.Type.Elem() != reflect.TypeFor[T]() {
		return treeShape{}
	}
	// children is *[]*node[T].
	ch, _ := nt.FieldByName("children")
	if ch.Type.Elem().Kind() != reflect.Slice || ch.Type.Elem().Elem() != root.Type {
		return treeShape{}
	}
	count, _ := nt.FieldByName("count")
	if count.Type.Kind() != reflect.Int {
		return treeShape{}
	}
	return treeShape{rootOffset: root.Offset, ok: true}
}

// zitemShape is the layout check for the score-ordered tree of sorted
// sets; it is computed once and never changes.
var zitemShape = inspectTree[zitem]()

// countPrefix returns how many items of tr satisfy before, a predicate that
// holds for a prefix of the tree's order (every item for which it holds
// comes before every item for which it does not). It is the rank of the
// first item for which before is false, or tr.Len() if there is none.
func countPrefix(tr *btree.BTreeG[zitem], before func(zitem) bool) int {
	if !zitemShape.ok {
		return countPrefixSlow(tr, before)
	}
	n := *(**rankNode[zitem])(unsafe.Add(unsafe.Pointer(tr), zitemShape.rootOffset))
	rank := 0
	for n != nil {
		// The first item of this node for which before is false.
		lo, hi := 0, len(n.items)
		for lo < hi {
			m := int(uint(lo+hi) >> 1)
			if before(n.items[m]) {
				lo = m + 1
			} else {
				hi = m
			}
		}
		if n.children == nil {
			return rank + lo
		}
		// Every item in children[0..lo-1] and items[0..lo-1] comes first.
		// Each child's count is a cache miss, so sum the shorter side:
		// the node's own count covers the whole subtree.
		ch := *n.children
		if lo <= len(ch)/2 {
			for _, c := range ch[:lo] {
				rank += c.count
			}
			rank += lo
		} else {
			after := len(n.items) - lo
			for _, c := range ch[lo:] {
				after += c.count
			}
			rank += n.count - after
		}
		n = ch[lo]
	}
	return rank
}

// countPrefixSlow is countPrefix with the library's public API only: a
// binary search over GetAt.
func countPrefixSlow(tr *btree.BTreeG[zitem], before func(zitem) bool) int {
	lo, hi := 0, tr.Len()
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		x, _ := tr.GetAt(m)
		if before(x) {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo
}
