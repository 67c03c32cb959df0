//go:build !linux

package tests

import "testing"

// raiseNoFile skips: the descriptor-hungry tests run on Linux.
func raiseNoFile(t *testing.T, n uint64) {
	t.Helper()
	t.Skip("descriptor limits are set on Linux only")
}
