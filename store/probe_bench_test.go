package store

import "testing"

func benchProbeSet(n int) (*Set, [][]byte) {
	ms := benchMembers(n)
	s := NewSet()
	for _, m := range ms {
		s.Add(m, 512)
	}
	return s, ms
}

func BenchmarkProbeHas100k(b *testing.B) {
	s, ms := benchProbeSet(1 << 17)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		s.Has(ms[(i*7919)&(1<<17-1)])
	}
}

func BenchmarkProbeMap100k(b *testing.B) {
	ms := benchMembers(1 << 17)
	m := map[string]struct{}{}
	for _, x := range ms {
		m[string(x)] = struct{}{}
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		_ = m[string(ms[(i*7919)&(1<<17-1)])]
	}
}
