//go:build !linux

package iothreads

import "time"

// cpuMeter outside Linux knows nothing of the load (there is no /proc/stat
// or thread affinity to read): threads reports 0, "unknown", and the pool
// uses every thread.
type cpuMeter struct{}

func newCPUMeter() *cpuMeter { return &cpuMeter{} }

func (m *cpuMeter) threads(now time.Time) int { return 0 }

func (m *cpuMeter) close() {}
