package store

// rankTree is the score order of a big sorted set: an order-statistic
// B+tree of zitems ordered by lessItem. Items sit in the leaves; an inner
// node keeps, for each child, the child's first item (to choose where to
// descend) and how many items lie under it (to count the items before the
// child). Every rank question — the item at a rank, the rank of an item,
// the rank of the first item for which a predicate turns false — is one
// descent from the root, O(log n), as in Redis's skiplist with its spans.
//
// kvd owns this tree rather than using tidwall/btree for the score order
// because that library, although it counts subtrees, answers no rank
// question but GetAt: the rank of an item would be a binary search over
// GetAt, O(log² n).
//
// Nodes hold at most rtMax items (a leaf) or children (an inner node). A
// node that would overflow splits in half, except at the ends of the tree:
// a leaf or inner node on the right edge that overflows at its end keeps
// its full array and starts a new node (so that ascending inserts, common
// with timestamps as scores, fill nodes), and likewise a leaf on the left
// edge overflowing at its start. A node that falls below rtMin after a
// delete is merged with a sibling or shares the sibling's items. Leaves
// grow their arrays by doubling up to rtMax, so a small set holds little.
type rankTree struct {
	root *rnode
	n    int
}

// rnode is a node of a rankTree: a leaf when kids is nil.
type rnode struct {
	// items are a leaf's items, or an inner node's children's first items.
	items  []zitem
	kids   []*rnode
	counts []int // counts[i]: the items under kids[i]
}

const (
	rtMax = 64
	rtMin = rtMax / 4
)

func (n *rnode) leaf() bool { return n.kids == nil }

// size returns the number of items under n.
func (n *rnode) size() int {
	if n.leaf() {
		return len(n.items)
	}
	s := 0
	for _, c := range n.counts {
		s += c
	}
	return s
}

// search returns the index of n's first item not less than it.
func (n *rnode) search(it zitem) int {
	lo, hi := 0, len(n.items)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if lessItem(n.items[m], it) {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo
}

// child returns the child of the inner node n that holds the item of
// rank r under n, and r's rank inside that child.
func (n *rnode) child(r int) (int, int) {
	c := 0
	for c < len(n.counts)-1 && r >= n.counts[c] {
		r -= n.counts[c]
		c++
	}
	return c, r
}

// newInner returns an inner node with room for rtMax children.
func newInner() *rnode {
	return &rnode{
		items:  make([]zitem, 0, rtMax),
		kids:   make([]*rnode, 0, rtMax),
		counts: make([]int, 0, rtMax),
	}
}

// growLeaf returns items with room for n of them: leaf arrays double up
// to rtMax rather than start at their largest.
func growLeaf(items []zitem, n int) []zitem {
	if n <= cap(items) {
		return items
	}
	c := max(4, cap(items))
	for c < n {
		c *= 2
	}
	grown := make([]zitem, len(items), min(c, rtMax))
	copy(grown, items)
	return grown
}

// len returns the number of items in the tree.
func (t *rankTree) len() int { return t.n }

// insert adds it, which must not be in the tree.
func (t *rankTree) insert(it zitem) {
	if t.root == nil {
		t.root = &rnode{}
	}
	if right := t.root.insert(it, true, true); right != nil {
		left := t.root
		t.root = newInner()
		t.root.items = append(t.root.items, left.items[0], right.items[0])
		t.root.kids = append(t.root.kids, left, right)
		t.root.counts = append(t.root.counts, left.size(), right.size())
	}
	t.n++
}

// insert adds it under n, which is on the tree's left edge if first and
// on its right edge if last, and returns the node split off n's right if
// n had to split.
func (n *rnode) insert(it zitem, first, last bool) *rnode {
	i := n.search(it)
	if n.leaf() {
		if len(n.items) < rtMax {
			n.items = insertAt(growLeaf(n.items, len(n.items)+1), i, it)
			return nil
		}
		right := &rnode{}
		switch {
		case last && i == rtMax:
			right.items = append(growLeaf(nil, 1), it)
		case first && i == 0:
			right.items, n.items = n.items, append(growLeaf(nil, 1), it)
		default:
			k := rtMax / 2
			if i <= k {
				right.items = append(growLeaf(nil, rtMax-k), n.items[k:]...)
				n.items = insertAt(truncate(n.items, k), i, it)
			} else {
				right.items = append(growLeaf(nil, rtMax-k+1), n.items[k:]...)
				right.items = insertAt(right.items, i-k, it)
				n.items = truncate(n.items, k)
			}
		}
		return right
	}
	c := max(i-1, 0)
	kid := n.kids[c]
	split := kid.insert(it, first && c == 0, last && c == len(n.kids)-1)
	n.items[c] = kid.items[0]
	if split == nil {
		n.counts[c]++
		return nil
	}
	moved := split.size()
	n.counts[c] += 1 - moved
	j := c + 1 // where split goes
	if len(n.kids) < rtMax {
		n.addKid(j, split, moved)
		return nil
	}
	right := newInner()
	k := rtMax / 2
	if last && j == rtMax {
		k = rtMax
	}
	right.items = append(right.items, n.items[k:]...)
	right.kids = append(right.kids, n.kids[k:]...)
	right.counts = append(right.counts, n.counts[k:]...)
	n.items, n.kids, n.counts = truncate(n.items, k), truncate(n.kids, k), truncate(n.counts, k)
	if j <= k && k < rtMax {
		n.addKid(j, split, moved)
	} else {
		right.addKid(j-k, split, moved)
	}
	return right
}

// addKid inserts kid, which holds count items, as the inner node n's
// child i.
func (n *rnode) addKid(i int, kid *rnode, count int) {
	n.items = insertAt(n.items, i, kid.items[0])
	n.kids = insertAt(n.kids, i, kid)
	n.counts = insertAt(n.counts, i, count)
}

// insertAt inserts v at s[i]; s must have room for it.
func insertAt[T any](s []T, i int, v T) []T {
	s = s[:len(s)+1]
	copy(s[i+1:], s[i:])
	s[i] = v
	return s
}

// removeAt removes s[i], clearing the slot it frees.
func removeAt[T any](s []T, i int) []T {
	copy(s[i:], s[i+1:])
	var zero T
	s[len(s)-1] = zero
	return s[:len(s)-1]
}

// delete removes it and reports whether it was in the tree.
func (t *rankTree) delete(it zitem) bool {
	if t.root == nil || !t.root.delete(it) {
		return false
	}
	t.n--
	t.shrink()
	return true
}

func (n *rnode) delete(it zitem) bool {
	i := n.search(it)
	found := i < len(n.items) && !lessItem(it, n.items[i])
	if n.leaf() {
		if found {
			n.items = removeAt(n.items, i)
		}
		return found
	}
	if !found {
		i--
	}
	if i < 0 || !n.kids[i].delete(it) {
		return false
	}
	n.counts[i]--
	n.fix(i)
	return true
}

// deleteAt removes and returns the item of rank r (0 <= r < len()).
func (t *rankTree) deleteAt(r int) zitem {
	it := t.root.deleteAt(r)
	t.n--
	t.shrink()
	return it
}

func (n *rnode) deleteAt(r int) zitem {
	if n.leaf() {
		it := n.items[r]
		n.items = removeAt(n.items, r)
		return it
	}
	c, r := n.child(r)
	it := n.kids[c].deleteAt(r)
	n.counts[c]--
	n.fix(c)
	return it
}

// shrink drops a root left with one child, or with no items.
func (t *rankTree) shrink() {
	for t.root != nil && !t.root.leaf() && len(t.root.kids) == 1 {
		t.root = t.root.kids[0]
	}
	if t.root != nil && len(t.root.items) == 0 {
		t.root = nil
	}
}

// fix restores the inner node n's child c after a delete under it: its
// first item, and its fill, by merging it with a sibling or taking some of
// the sibling's items.
func (n *rnode) fix(c int) {
	kid := n.kids[c]
	if len(kid.items) == 0 {
		// An emptied child goes; if it was the only one, n is empty
		// now and its parent (or the root's shrink) drops it.
		n.items = removeAt(n.items, c)
		n.kids = removeAt(n.kids, c)
		n.counts = removeAt(n.counts, c)
		return
	}
	n.items[c] = kid.items[0]
	if len(kid.items) >= rtMin || len(n.kids) == 1 {
		return
	}
	l := c
	if c == len(n.kids)-1 {
		l = c - 1
	}
	a, b := n.kids[l], n.kids[l+1]
	if len(a.items)+len(b.items) <= rtMax {
		if a.leaf() {
			a.items = append(growLeaf(a.items, len(a.items)+len(b.items)), b.items...)
		} else {
			a.items = append(a.items, b.items...)
			a.kids = append(a.kids, b.kids...)
			a.counts = append(a.counts, b.counts...)
		}
		n.counts[l] += n.counts[l+1]
		n.items = removeAt(n.items, l+1)
		n.kids = removeAt(n.kids, l+1)
		n.counts = removeAt(n.counts, l+1)
		n.items[l] = a.items[0]
		return
	}
	// Share: the two end up with half each.
	total := len(a.items) + len(b.items)
	if k := total / 2; len(a.items) < k {
		m := k - len(a.items) // move b's first m to a's end
		if a.leaf() {
			a.items = append(growLeaf(a.items, k), b.items[:m]...)
		} else {
			a.items = append(a.items, b.items[:m]...)
			a.kids = append(a.kids, b.kids[:m]...)
			a.counts = append(a.counts, b.counts[:m]...)
			b.kids = shiftDown(b.kids, m)
			b.counts = shiftDown(b.counts, m)
		}
		b.items = shiftDown(b.items, m)
	} else {
		m := len(a.items) - k // move a's last m to b's start
		if b.leaf() {
			b.items = growLeaf(b.items, len(b.items)+m)
		}
		b.items = prepend(b.items, a.items[k:])
		a.items = truncate(a.items, k)
		if !a.leaf() {
			b.kids = prepend(b.kids, a.kids[k:])
			b.counts = prepend(b.counts, a.counts[k:])
			a.kids = truncate(a.kids, k)
			a.counts = truncate(a.counts, k)
		}
	}
	n.counts[l], n.counts[l+1] = a.size(), b.size()
	n.items[l], n.items[l+1] = a.items[0], b.items[0]
}

// shiftDown drops s's first m elements, clearing the slots it frees.
func shiftDown[T any](s []T, m int) []T {
	copy(s, s[m:])
	return truncate(s, len(s)-m)
}

// truncate shortens s to k elements, clearing the slots it frees.
func truncate[T any](s []T, k int) []T {
	clear(s[k:])
	return s[:k]
}

// prepend inserts v at the start of s, which has room for it.
func prepend[T any](s, v []T) []T {
	s = s[:len(s)+len(v)]
	copy(s[len(v):], s)
	copy(s, v)
	return s
}

// at returns the item of rank r (0 <= r < len()).
func (t *rankTree) at(r int) zitem {
	n := t.root
	for !n.leaf() {
		var c int
		c, r = n.child(r)
		n = n.kids[c]
	}
	return n.items[r]
}

// countPrefix returns how many items satisfy before, a predicate that
// holds for a prefix of the tree's order (every item for which it holds
// comes before every item for which it does not): the rank of the first
// item for which before is false, or len() if there is none.
func (t *rankTree) countPrefix(before func(zitem) bool) int {
	rank := 0
	for n := t.root; n != nil; {
		lo, hi := 0, len(n.items)
		for lo < hi {
			m := int(uint(lo+hi) >> 1)
			if before(n.items[m]) {
				lo = m + 1
			} else {
				hi = m
			}
		}
		if n.leaf() {
			return rank + lo
		}
		// Children before lo-1 start with, and so hold only, items
		// for which before holds; the first for which it does not is
		// under child lo-1 (or is child lo's first).
		c := max(lo-1, 0)
		for _, k := range n.counts[:c] {
			rank += k
		}
		n = n.kids[c]
	}
	return rank
}

// rank returns the rank of it, which must be in the tree.
func (t *rankTree) rank(it zitem) int {
	return t.countPrefix(func(x zitem) bool { return lessItem(x, it) })
}

// ascend calls fn for the items from rank r upwards until fn returns
// false. fn must not change the tree.
func (t *rankTree) ascend(r int, fn func(zitem) bool) {
	if r >= 0 && r < t.n {
		t.root.ascend(r, fn)
	}
}

func (n *rnode) ascend(r int, fn func(zitem) bool) bool {
	if n.leaf() {
		for _, it := range n.items[r:] {
			if !fn(it) {
				return false
			}
		}
		return true
	}
	c, r := n.child(r)
	for ; c < len(n.kids); c++ {
		if !n.kids[c].ascend(r, fn) {
			return false
		}
		r = 0
	}
	return true
}

// descend calls fn for the items from rank r downwards until fn returns
// false. fn must not change the tree.
func (t *rankTree) descend(r int, fn func(zitem) bool) {
	if r >= 0 && r < t.n {
		t.root.descend(r, fn)
	}
}

func (n *rnode) descend(r int, fn func(zitem) bool) bool {
	if n.leaf() {
		for i := r; i >= 0; i-- {
			if !fn(n.items[i]) {
				return false
			}
		}
		return true
	}
	c, r := n.child(r)
	for ; c >= 0; c-- {
		if !n.kids[c].descend(r, fn) {
			return false
		}
		if c > 0 {
			r = n.counts[c-1] - 1
		}
	}
	return true
}
