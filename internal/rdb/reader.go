package rdb

import (
	"errors"
	"io"

	"github.com/kvdserver/kvd/internal/crc64"
)

// reader is a buffered reader that keeps the CRC-64 of what was consumed
// and how far into the input it is.
type reader struct {
	src     io.Reader
	buf     []byte
	r, w    int
	crcFrom int    // buf[crcFrom:r] is consumed but not yet in crc
	crc     uint64 // CRC of everything consumed before buf[crcFrom]
	base    int64  // input offset of buf[0]
}

const readBufSize = 64 << 10

func newReader(src io.Reader) *reader {
	return &reader{src: src, buf: make([]byte, readBufSize)}
}

// offset returns how many bytes were consumed.
func (r *reader) offset() int64 { return r.base + int64(r.r) }

// sum returns the CRC of everything consumed.
func (r *reader) sum() uint64 {
	r.crc = crc64.Update(r.crc, r.buf[r.crcFrom:r.r])
	r.crcFrom = r.r
	return r.crc
}

var errShort = errors.New("unexpected EOF")

// fill refills the empty buffer.
func (r *reader) fill() error {
	r.sum()
	r.base += int64(r.w)
	r.r, r.w, r.crcFrom = 0, 0, 0
	n, err := io.ReadAtLeast(r.src, r.buf, 1)
	r.w = n
	if n > 0 {
		return nil
	}
	if err == io.EOF || err == io.ErrUnexpectedEOF {
		return errShort
	}
	return err
}

func (r *reader) readByte() (byte, error) {
	if r.r == r.w {
		if err := r.fill(); err != nil {
			return 0, err
		}
	}
	b := r.buf[r.r]
	r.r++
	return b, nil
}

// readFull fills dst.
func (r *reader) readFull(dst []byte) error {
	for len(dst) > 0 {
		if r.r == r.w {
			if len(dst) >= len(r.buf) {
				// Large reads go straight into dst.
				r.sum()
				r.base += int64(r.w)
				r.r, r.w, r.crcFrom = 0, 0, 0
				n, err := io.ReadFull(r.src, dst)
				r.crc = crc64.Update(r.crc, dst[:n])
				r.base += int64(n)
				if err == io.EOF || err == io.ErrUnexpectedEOF {
					return errShort
				}
				return err
			}
			if err := r.fill(); err != nil {
				return err
			}
		}
		n := copy(dst, r.buf[r.r:r.w])
		r.r += n
		dst = dst[n:]
	}
	return nil
}

// peek returns the next n bytes (n <= buffer size) without consuming them.
func (r *reader) peek(n int) ([]byte, error) {
	if r.w-r.r < n {
		r.sum()
		copy(r.buf, r.buf[r.r:r.w])
		r.base += int64(r.r)
		r.w -= r.r
		r.r, r.crcFrom = 0, 0
		for r.w < n {
			m, err := r.src.Read(r.buf[r.w:])
			r.w += m
			if err != nil && r.w < n {
				if err == io.EOF {
					return nil, errShort
				}
				return nil, err
			}
		}
	}
	return r.buf[r.r : r.r+n], nil
}
