//go:build !linux

package server

import "os"

// fdatasync makes f's data durable (fsync where fdatasync is missing).
func fdatasync(f *os.File) error { return f.Sync() }
