package store

import "math/rand/v2"

// sampleIndexes calls fn with count distinct random indexes in [0, n), in
// random order (count < n): a partial Fisher-Yates shuffle, over a slice
// when count is a large part of n and over a map of the moved indexes
// otherwise, so that the work and memory are O(min(count, n)).
func sampleIndexes(n, count int, fn func(int)) {
	if count*3 > n {
		idx := make([]int32, n)
		for i := range idx {
			idx[i] = int32(i)
		}
		for i := 0; i < count; i++ {
			j := i + rand.IntN(n-i)
			idx[i], idx[j] = idx[j], idx[i]
			fn(int(idx[i]))
		}
		return
	}
	moved := make(map[int]int, count)
	at := func(i int) int {
		if v, ok := moved[i]; ok {
			return v
		}
		return i
	}
	for i := 0; i < count; i++ {
		j := i + rand.IntN(n-i)
		vi, vj := at(i), at(j)
		moved[j] = vi
		fn(vj)
	}
}
