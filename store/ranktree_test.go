package store

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
	"testing"
)

// checkRankTree verifies the tree's structure: every leaf at the same
// depth, no node over rtMax, no empty node, none below rtMin but the root
// and those on the tree's left and right edges (where the edge splits make
// them), each inner node's first items and counts those of its children,
// items in order, and len() their total.
func checkRankTree(t *testing.T, tr *rankTree) {
	t.Helper()
	if tr.root == nil {
		if tr.n != 0 {
			t.Fatalf("empty tree with len %d", tr.n)
		}
		return
	}
	leafDepth := -1
	var prev *zitem
	var walk func(n *rnode, depth int, edge bool) int
	walk = func(n *rnode, depth int, edge bool) int {
		if len(n.items) == 0 || len(n.items) > rtMax {
			t.Fatalf("node with %d items", len(n.items))
		}
		if !edge && len(n.items) < rtMin {
			t.Fatalf("inside node with %d items", len(n.items))
		}
		if n.leaf() {
			if leafDepth < 0 {
				leafDepth = depth
			} else if depth != leafDepth {
				t.Fatalf("leaves at depths %d and %d", leafDepth, depth)
			}
			if cap(n.items) > rtMax {
				t.Fatalf("leaf array of capacity %d", cap(n.items))
			}
			for i := range n.items {
				if prev != nil && !lessItem(*prev, n.items[i]) {
					t.Fatalf("items out of order")
				}
				prev = &n.items[i]
			}
			return len(n.items)
		}
		if len(n.kids) != len(n.items) || len(n.counts) != len(n.items) {
			t.Fatalf("inner node with %d items, %d kids, %d counts", len(n.items), len(n.kids), len(n.counts))
		}
		total := 0
		for i, k := range n.kids {
			if k.items[0] != n.items[i] {
				t.Fatalf("stale first item of child %d", i)
			}
			if got := walk(k, depth+1, edge && (i == 0 || i == len(n.kids)-1)); got != n.counts[i] {
				t.Fatalf("child %d holds %d items, counted %d", i, got, n.counts[i])
			}
			total += n.counts[i]
		}
		return total
	}
	if got := walk(tr.root, 0, true); got != tr.n {
		t.Fatalf("tree holds %d items, len %d", got, tr.n)
	}
}

// TestRankTreeModel runs random inserts and deletes (by item and by rank)
// against a sorted slice, in several orders of insertion, checking the
// structure and every rank query after each batch.
func TestRankTreeModel(t *testing.T) {
	orders := []string{"random", "ascending", "descending"}
	for _, order := range orders {
		t.Run(order, func(t *testing.T) {
			seed := rand.Uint64()
			t.Logf("seed %d", seed)
			rng := rand.New(rand.NewPCG(seed, 0))
			var tr rankTree
			var ref []zitem
			pool := map[float64]*byte{}
			item := func(score float64) zitem {
				p, ok := pool[score]
				if !ok {
					p = newRef(fmt.Appendf(nil, "m%v", score), score)
					pool[score] = p
				}
				return zitem{score: score, p: p}
			}
			has := func(it zitem) (int, bool) {
				i := sort.Search(len(ref), func(k int) bool { return !lessItem(ref[k], it) })
				return i, i < len(ref) && ref[i] == it
			}
			next := 0.0
			for round := 0; round < 60; round++ {
				// Grow the tree to a few thousand items, then shrink it.
				grow := 75
				if round >= 40 {
					grow = 20
				}
				for op := 0; op < 400; op++ {
					switch r := rng.IntN(100); {
					case r < grow: // insert
						var s float64
						switch order {
						case "ascending":
							next++
							s = next
						case "descending":
							next--
							s = next
						default:
							s = float64(rng.IntN(20000))
						}
						it := item(s)
						if i, ok := has(it); !ok {
							tr.insert(it)
							ref = slices.Insert(ref, i, it)
						}
					case r < grow+(100-grow)*3/4 && len(ref) > 0: // delete by item
						it := ref[rng.IntN(len(ref))]
						if !tr.delete(it) {
							t.Fatalf("delete missed a present item")
						}
						i, _ := has(it)
						ref = slices.Delete(ref, i, i+1)
					case len(ref) > 0: // delete by rank, sometimes a run
						i := rng.IntN(len(ref))
						for k := rng.IntN(6); k >= 0 && i < len(ref); k-- {
							if got := tr.deleteAt(i); got != ref[i] {
								t.Fatalf("deleteAt(%d) = %v, want %v", i, got, ref[i])
							}
							ref = slices.Delete(ref, i, i+1)
						}
					}
				}
				if tr.delete(item(-1e9)) {
					t.Fatalf("delete found an absent item")
				}
				checkRankTree(t, &tr)
				if round == 39 && len(ref) < 2000 {
					t.Fatalf("the tree grew to only %d items", len(ref))
				}
				if tr.len() != len(ref) {
					t.Fatalf("len = %d, want %d", tr.len(), len(ref))
				}
				for i, it := range ref {
					if got := tr.at(i); got != it {
						t.Fatalf("at(%d) = %v, want %v", i, got, it)
					}
					if got := tr.rank(it); got != i {
						t.Fatalf("rank = %d, want %d", got, i)
					}
				}
				for _, bound := range []float64{-1e18, -3, 0, 77.5, 5000, 19999, 1e18} {
					want := sort.Search(len(ref), func(k int) bool { return ref[k].score >= bound })
					if got := tr.countPrefix(func(x zitem) bool { return x.score < bound }); got != want {
						t.Fatalf("countPrefix(< %v) = %d, want %d", bound, got, want)
					}
				}
				if len(ref) > 0 {
					from := rng.IntN(len(ref))
					var up, down []zitem
					tr.ascend(from, func(it zitem) bool { up = append(up, it); return true })
					tr.descend(from, func(it zitem) bool { down = append(down, it); return true })
					slices.Reverse(down)
					if !slices.Equal(up, ref[from:]) || !slices.Equal(down, ref[:from+1]) {
						t.Fatalf("ascend/descend from %d disagree with the reference", from)
					}
					k := 0
					tr.ascend(from, func(zitem) bool { k++; return k < 3 })
					if want := min(3, len(ref)-from); k != want {
						t.Fatalf("ascend went on after false: %d calls, want %d", k, want)
					}
				}
			}
			// Empty it by rank from the front, the way ZREMRANGEBYRANK does.
			for tr.len() > 0 {
				tr.deleteAt(0)
			}
			checkRankTree(t, &tr)
			if tr.root != nil {
				t.Fatalf("empty tree keeps a root")
			}
		})
	}
}

// TestRankTreeEdgeSplits checks that ascending and descending inserts fill
// leaves rather than leave them half empty.
func TestRankTreeEdgeSplits(t *testing.T) {
	for _, step := range []float64{1, -1} {
		var tr rankTree
		const n = 100 * rtMax
		for i := 0; i < n; i++ {
			s := step * float64(i)
			tr.insert(zitem{score: s, p: newRef([]byte("m"), s)})
		}
		checkRankTree(t, &tr)
		leaves := 0
		var count func(n *rnode)
		count = func(n *rnode) {
			if n.leaf() {
				leaves++
				return
			}
			for _, k := range n.kids {
				count(k)
			}
		}
		count(tr.root)
		if want := n/rtMax + 1; leaves > want {
			t.Errorf("step %v: %d items in %d leaves, want at most %d", step, n, leaves, want)
		}
	}
}
