//go:build !linux

package server

import (
	"errors"
	"math"
	"runtime"
	"time"
)

// The system interfaces the server uses beyond sockets, outside Linux:
// what Go offers portably, and neutral values for the rest (INFO's CPU
// times and total_system_memory read 0, the open files limit is taken as
// unlimited, syslog and systemd notification are unavailable, the log is
// never taken for a terminal).

func osName() string { return runtime.GOOS + " " + runtime.GOARCH }

func totalSystemMemory() uint64 { return 0 }

type cpuTime struct{ sys, user time.Duration }

func cpuTimes() (self, children, thread cpuTime) { return }

func isTerminalFd(fd uintptr) bool { return false }

type nofile struct{ Cur, Max uint64 }

func getNofile() (nofile, error) { return nofile{Cur: math.MaxUint32, Max: math.MaxUint32}, nil }

func setNofile(l nofile) error { return errors.ErrUnsupported }

var errNoSocket = errors.New("no datagram socket")

func dgramDial(path string) (int, error) { return -1, errNoSocket }

func dgramSend(path string, msg []byte) error { return errNoSocket }

func fdWrite(fd int, b []byte) {}

func fdClose(fd int) {}

func stopSelf() {}

// threadCPU would return the loop thread's CPU time: unknown here (0).
func threadCPU() int64 { return 0 }
