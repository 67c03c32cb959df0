//go:build !race

package tests

// raceEnabled reports whether the tests run under the race detector, which
// slows kvd (in the test process) and the test code several times.
const raceEnabled = false
