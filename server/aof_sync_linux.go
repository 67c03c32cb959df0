//go:build linux

package server

import (
	"os"

	"golang.org/x/sys/unix"
)

// fdatasync makes f's data durable, as Redis's redis_fsync on Linux
// (fdatasync: the file's size is metadata it syncs; its times are not).
// The descriptor is used through SyscallConn, so that a Close from
// another goroutine waits for it.
func fdatasync(f *os.File) error {
	sc, err := f.SyscallConn()
	if err != nil {
		return err
	}
	var serr error
	if err := sc.Control(func(fd uintptr) {
		for {
			serr = unix.Fdatasync(int(fd))
			if serr != unix.EINTR {
				return
			}
		}
	}); err != nil {
		return err
	}
	if serr != nil {
		return &os.PathError{Op: "fdatasync", Path: f.Name(), Err: serr}
	}
	return nil
}
