package server

import (
	"errors"
	"os"
	"time"

	"golang.org/x/sys/unix"
)

// The system interfaces the server uses beyond sockets, on Linux; see
// sys_other.go for the rest.

// osName is INFO's os: "Linux 6.1.0 x86_64", as uname reports it.
func osName() string {
	var u unix.Utsname
	if unix.Uname(&u) != nil {
		return ""
	}
	return unix.ByteSliceToString(u.Sysname[:]) + " " + unix.ByteSliceToString(u.Release[:]) + " " + unix.ByteSliceToString(u.Machine[:])
}

func totalSystemMemory() uint64 {
	var si unix.Sysinfo_t
	if unix.Sysinfo(&si) != nil {
		return 0
	}
	return uint64(si.Totalram) * uint64(si.Unit)
}

// cpuTime is a CPU time split as getrusage reports it.
type cpuTime struct{ sys, user time.Duration }

func rusage(who int) cpuTime {
	var ru unix.Rusage
	if unix.Getrusage(who, &ru) != nil {
		return cpuTime{}
	}
	return cpuTime{sys: time.Duration(ru.Stime.Nano()), user: time.Duration(ru.Utime.Nano())}
}

// cpuTimes returns the CPU time of the process, of its children and of the
// calling thread (the event loop's, locked to its thread on the
// descriptor backends).
func cpuTimes() (self, children, thread cpuTime) {
	return rusage(unix.RUSAGE_SELF), rusage(unix.RUSAGE_CHILDREN), rusage(unix.RUSAGE_THREAD)
}

// isTerminalFd reports whether fd is a terminal.
func isTerminalFd(fd uintptr) bool {
	_, err := unix.IoctlGetTermios(int(fd), unix.TCGETS)
	return err == nil
}

// nofile is the open files limit.
type nofile struct{ Cur, Max uint64 }

func getNofile() (nofile, error) {
	var lim unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_NOFILE, &lim); err != nil {
		return nofile{}, err
	}
	return nofile{Cur: lim.Cur, Max: lim.Max}, nil
}

func setNofile(l nofile) error {
	return unix.Setrlimit(unix.RLIMIT_NOFILE, &unix.Rlimit{Cur: l.Cur, Max: l.Max})
}

// errNoSocket is dgramSend's error when it cannot make a socket.
var errNoSocket = errors.New("no datagram socket")

// dgramDial connects a Unix datagram socket to path (a leading NUL names
// an abstract socket) and returns its descriptor.
func dgramDial(path string) (int, error) {
	fd, err := unix.Socket(unix.AF_UNIX, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return -1, err
	}
	if err := unix.Connect(fd, &unix.SockaddrUnix{Name: path}); err != nil {
		unix.Close(fd)
		return -1, err
	}
	return fd, nil
}

// dgramSend sends one datagram to the Unix socket path.
func dgramSend(path string, msg []byte) error {
	fd, err := unix.Socket(unix.AF_UNIX, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return errNoSocket
	}
	defer unix.Close(fd)
	return unix.Sendto(fd, msg, 0, &unix.SockaddrUnix{Name: path})
}

func fdWrite(fd int, b []byte) { unix.Write(fd, b) }

func fdClose(fd int) { unix.Close(fd) }

// stopSelf stops the process with SIGSTOP (upstart's readiness signal).
func stopSelf() { unix.Kill(os.Getpid(), unix.SIGSTOP) }

// threadCPU returns the CPU time of the calling thread (the loop's, which
// is locked to it) in nanoseconds (save.go).
func threadCPU() int64 {
	var ts unix.Timespec
	if unix.ClockGettime(unix.CLOCK_THREAD_CPUTIME_ID, &ts) != nil {
		return 0
	}
	return ts.Nano()
}
