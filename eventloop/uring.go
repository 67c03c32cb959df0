//go:build linux

package eventloop

import (
	"errors"
	"fmt"
	"os"
	"sync/atomic"
	"unsafe"

	"golang.org/x/sys/unix"
)

// This file is a minimal io_uring binding on raw system calls and mmap (no
// cgo, no third-party library): ring set-up, submission and completion
// queues, and provided-buffer rings. The layouts follow linux/io_uring.h.

// io_uring_setup flags.
const (
	setupCQSize        = 1 << 3
	setupClamp         = 1 << 4
	setupSubmitAll     = 1 << 7
	setupCoopTaskrun   = 1 << 8
	setupTaskrunFlag   = 1 << 9
	setupSingleIssuer  = 1 << 12
	setupDeferTaskrun  = 1 << 13
	featSingleMmap     = 1 << 0
	featNoDrop         = 1 << 1
	featExtArg         = 1 << 8
	enterGetEvents     = 1 << 0
	enterExtArg        = 1 << 3
	sqCQOverflow       = 1 << 1
	sqTaskrun          = 1 << 2
	offSQRing          = 0
	offSQEs            = 0x10000000
	registerPbufRing   = 22
	unregisterPbufRing = 23
	registerProbe      = 8
)

// Opcodes.
const (
	opNop     = 0
	opPollAdd = 6
	opAccept  = 13
	opCancel  = 14
	opSend    = 26
	opRecv    = 27
)

// SQE flags and per-op flags.
const (
	sqeBufferSelect   = 1 << 5
	acceptMultishot   = 1 << 0 // in ioprio
	recvMultishot     = 1 << 1 // in ioprio
	cqeFBuffer        = 1 << 0
	cqeFMore          = 1 << 1
	cqeBufferShift    = 16
	asyncCancelAll    = 1 << 0
	asyncCancelFD     = 1 << 1
	probeOpSupported  = 1 << 0
	pbufRingEntrySize = 16
)

type sqringOffsets struct {
	head, tail, ringMask, ringEntries, flags, dropped, array, resv1 uint32
	userAddr                                                        uint64
}

type cqringOffsets struct {
	head, tail, ringMask, ringEntries, overflow, cqes, flags, resv1 uint32
	userAddr                                                        uint64
}

type uringParams struct {
	sqEntries, cqEntries, flags, sqThreadCPU, sqThreadIdle, features, wqFD uint32
	resv                                                                   [3]uint32
	sqOff                                                                  sqringOffsets
	cqOff                                                                  cqringOffsets
}

// sqe is struct io_uring_sqe (64 bytes).
type sqe struct {
	opcode      uint8
	flags       uint8
	ioprio      uint16
	fd          int32
	off         uint64
	addr        uint64
	len         uint32
	opFlags     uint32
	userData    uint64
	bufIndex    uint16 // buf_index or buf_group
	personality uint16
	spliceFdIn  int32
	addr3       uint64
	pad2        uint64
}

// cqe is struct io_uring_cqe (16 bytes).
type cqe struct {
	userData uint64
	res      int32
	flags    uint32
}

type bufReg struct {
	ringAddr    uint64
	ringEntries uint32
	bgid        uint16
	flags       uint16
	resv        [3]uint64
}

// uring is one io_uring instance with its mapped queues.
type uring struct {
	fd       int
	features uint32
	flags    uint32

	sqRing, cqRing, sqesMem []byte

	sqHead, sqTail, sqFlags *uint32
	sqMask, sqEntries       uint32
	sqArray                 []uint32
	sqes                    []sqe
	sqLocalTail             uint32 // tail not yet published

	cqHead, cqTail, cqOverflow *uint32
	cqMask                     uint32
	cqes                       []cqe
}

// errNoUring reports that io_uring cannot be used here.
var errNoUring = errors.New("io_uring unavailable")

func ptrAt[T any](b []byte, off uint32) *T { return (*T)(unsafe.Pointer(&b[off])) }

// newUring sets up a ring with entries submission slots and cqEntries
// completion slots, asking for flags (falling back to none if the kernel
// rejects them).
func newUring(entries, cqEntries uint32, flags uint32) (*uring, error) {
	var p uringParams
	p.flags = flags | setupCQSize | setupClamp
	p.cqEntries = cqEntries
	fd, _, errno := unix.Syscall(unix.SYS_IO_URING_SETUP, uintptr(entries), uintptr(unsafe.Pointer(&p)), 0)
	if errno == unix.EINVAL && flags != 0 {
		p = uringParams{flags: setupCQSize | setupClamp, cqEntries: cqEntries}
		fd, _, errno = unix.Syscall(unix.SYS_IO_URING_SETUP, uintptr(entries), uintptr(unsafe.Pointer(&p)), 0)
	}
	if errno != 0 {
		return nil, fmt.Errorf("%w: %w", errNoUring, os.NewSyscallError("io_uring_setup", errno))
	}
	r := &uring{fd: int(fd), features: p.features, flags: p.flags}
	if p.features&featSingleMmap == 0 {
		r.close()
		return nil, fmt.Errorf("%w: kernel lacks IORING_FEAT_SINGLE_MMAP", errNoUring)
	}
	sqSize := p.sqOff.array + p.sqEntries*4
	cqSize := p.cqOff.cqes + p.cqEntries*uint32(unsafe.Sizeof(cqe{}))
	size := max(sqSize, cqSize)
	ring, err := unix.Mmap(r.fd, offSQRing, int(size), unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED|unix.MAP_POPULATE)
	if err != nil {
		r.close()
		return nil, fmt.Errorf("%w: %w", errNoUring, os.NewSyscallError("mmap", err))
	}
	r.sqRing, r.cqRing = ring, ring
	sqes, err := unix.Mmap(r.fd, offSQEs, int(p.sqEntries)*int(unsafe.Sizeof(sqe{})), unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED|unix.MAP_POPULATE)
	if err != nil {
		r.close()
		return nil, fmt.Errorf("%w: %w", errNoUring, os.NewSyscallError("mmap", err))
	}
	r.sqesMem = sqes
	r.sqHead = ptrAt[uint32](ring, p.sqOff.head)
	r.sqTail = ptrAt[uint32](ring, p.sqOff.tail)
	r.sqFlags = ptrAt[uint32](ring, p.sqOff.flags)
	r.sqMask = *ptrAt[uint32](ring, p.sqOff.ringMask)
	r.sqEntries = *ptrAt[uint32](ring, p.sqOff.ringEntries)
	r.sqArray = unsafe.Slice(ptrAt[uint32](ring, p.sqOff.array), p.sqEntries)
	r.sqes = unsafe.Slice((*sqe)(unsafe.Pointer(&sqes[0])), p.sqEntries)
	r.cqHead = ptrAt[uint32](ring, p.cqOff.head)
	r.cqTail = ptrAt[uint32](ring, p.cqOff.tail)
	r.cqOverflow = ptrAt[uint32](ring, p.cqOff.overflow)
	r.cqMask = *ptrAt[uint32](ring, p.cqOff.ringMask)
	r.cqes = unsafe.Slice(ptrAt[cqe](ring, p.cqOff.cqes), p.cqEntries)
	r.sqLocalTail = atomic.LoadUint32(r.sqTail)
	// The SQ index array maps slot i to sqe i for the ring's lifetime.
	for i := range r.sqArray {
		r.sqArray[i] = uint32(i)
	}
	return r, nil
}

func (r *uring) close() {
	if r.sqesMem != nil {
		unix.Munmap(r.sqesMem)
		r.sqesMem = nil
	}
	if r.sqRing != nil {
		unix.Munmap(r.sqRing)
		r.sqRing, r.cqRing = nil, nil
	}
	if r.fd >= 0 {
		unix.Close(r.fd)
		r.fd = -1
	}
}

// getSQE returns the next free submission entry, zeroed, or nil if the
// queue is full (submit first).
func (r *uring) getSQE() *sqe {
	head := atomic.LoadUint32(r.sqHead)
	if r.sqLocalTail-head >= r.sqEntries {
		return nil
	}
	s := &r.sqes[r.sqLocalTail&r.sqMask]
	*s = sqe{}
	r.sqLocalTail++
	return s
}

// pending returns how many entries were prepared but not yet submitted.
func (r *uring) pending() uint32 { return r.sqLocalTail - atomic.LoadUint32(r.sqTail) }

// enter publishes prepared entries and calls io_uring_enter, waiting for at
// least minComplete completions (and at most timeout if it is set). It
// always asks for events, even with minComplete 0: only then does the
// kernel move completions that overflowed the completion queue back into it
// and run pending task work; without it an overflow is never drained.
func (r *uring) enter(minComplete uint32, timeout *unix.Timespec) (int, error) {
	toSubmit := r.sqLocalTail - atomic.LoadUint32(r.sqTail)
	atomic.StoreUint32(r.sqTail, r.sqLocalTail)
	flags := uintptr(enterGetEvents)
	var argp, argsz uintptr
	var arg struct {
		sigmask   uint64
		sigmaskSz uint32
		pad       uint32
		ts        uint64
	}
	if timeout != nil && minComplete > 0 {
		flags |= enterExtArg
		arg.ts = uint64(uintptr(unsafe.Pointer(timeout)))
		argp, argsz = uintptr(unsafe.Pointer(&arg)), unsafe.Sizeof(arg)
	}
	for {
		n, _, errno := unix.Syscall6(unix.SYS_IO_URING_ENTER, uintptr(r.fd), uintptr(toSubmit), uintptr(minComplete), flags, argp, argsz)
		if errno == unix.EINTR {
			continue
		}
		if errno != 0 {
			return int(n), os.NewSyscallError("io_uring_enter", errno)
		}
		return int(n), nil
	}
}

// peekCQE returns the oldest unconsumed completion, or nil.
func (r *uring) peekCQE() *cqe {
	head := *r.cqHead
	if head == atomic.LoadUint32(r.cqTail) {
		return nil
	}
	return &r.cqes[head&r.cqMask]
}

// advanceCQ marks n completions consumed.
func (r *uring) advanceCQ(n uint32) {
	atomic.StoreUint32(r.cqHead, *r.cqHead+n)
}

// needsFlush reports whether completions overflowed or task work waits, so
// that io_uring_enter must be called even without new submissions.
func (r *uring) needsFlush() bool {
	return atomic.LoadUint32(r.sqFlags)&(sqCQOverflow|sqTaskrun) != 0
}

// probe reports whether the kernel supports opcode op.
func (r *uring) probe(ops ...uint8) bool {
	const maxOps = 256
	// struct io_uring_probe: last_op u8, ops_len u8, resv u16, resv2 [3]u32,
	// then ops_len struct io_uring_probe_op {op u8, resv u8, flags u16, resv2 u32}.
	buf := make([]byte, 16+maxOps*8)
	_, _, errno := unix.Syscall6(unix.SYS_IO_URING_REGISTER, uintptr(r.fd), registerProbe, uintptr(unsafe.Pointer(&buf[0])), maxOps, 0, 0)
	if errno != 0 {
		return false
	}
	lastOp := buf[0]
	for _, op := range ops {
		if op > lastOp {
			return false
		}
		flags := *(*uint16)(unsafe.Pointer(&buf[16+int(op)*8+2]))
		if flags&probeOpSupported == 0 {
			return false
		}
	}
	return true
}

// bufRing is a provided-buffer ring: the kernel picks a buffer from it for
// each receive, and the owner gives buffers back once it has consumed them.
type bufRing struct {
	r         *uring
	gid       uint16
	mem       []byte // the ring entries (mmap'd, page aligned)
	bufs      []byte // the buffers themselves, size each
	size      int
	entries   uint16
	mask      uint16
	tail      uint16 // local tail, published by publish
	published uint16 // the tail the kernel sees
	tailWord  *uint32
}

// newBufRing registers a ring of entries buffers of size bytes as buffer group gid.
func (r *uring) newBufRing(gid uint16, entries uint16, size int) (*bufRing, error) {
	if entries == 0 || entries&(entries-1) != 0 {
		return nil, fmt.Errorf("buffer ring entries must be a power of two, got %d", entries)
	}
	mem, err := unix.Mmap(-1, 0, int(entries)*pbufRingEntrySize, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_ANONYMOUS|unix.MAP_PRIVATE|unix.MAP_POPULATE)
	if err != nil {
		return nil, os.NewSyscallError("mmap", err)
	}
	// The buffers live outside the Go heap too: the kernel writes into them
	// at any time, so the garbage collector must never move or free them.
	bufs, err := unix.Mmap(-1, 0, int(entries)*size, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_ANONYMOUS|unix.MAP_PRIVATE)
	if err != nil {
		unix.Munmap(mem)
		return nil, os.NewSyscallError("mmap", err)
	}
	reg := bufReg{ringAddr: uint64(uintptr(unsafe.Pointer(&mem[0]))), ringEntries: uint32(entries), bgid: gid}
	_, _, errno := unix.Syscall6(unix.SYS_IO_URING_REGISTER, uintptr(r.fd), registerPbufRing, uintptr(unsafe.Pointer(&reg)), 1, 0, 0)
	if errno != 0 {
		unix.Munmap(mem)
		unix.Munmap(bufs)
		return nil, fmt.Errorf("%w: %w", errNoUring, os.NewSyscallError("io_uring_register(PBUF_RING)", errno))
	}
	br := &bufRing{r: r, gid: gid, mem: mem, bufs: bufs, size: size, entries: entries, mask: entries - 1}
	// The ring's tail is the upper half of the 32-bit word at offset 12 (it
	// shares the first entry's resv field; the lower half is that entry's bid).
	br.tailWord = (*uint32)(unsafe.Pointer(&mem[12]))
	for i := uint16(0); i < entries; i++ {
		br.add(i)
	}
	br.publish()
	return br, nil
}

// buf returns buffer id's memory.
func (br *bufRing) buf(id uint16) []byte {
	off := int(id) * br.size
	return br.bufs[off : off+br.size : off+br.size]
}

// add queues buffer id for return to the kernel (visible after publish).
func (br *bufRing) add(id uint16) {
	e := br.mem[int(br.tail&br.mask)*pbufRingEntrySize:]
	*(*uint64)(unsafe.Pointer(&e[0])) = uint64(uintptr(unsafe.Pointer(&br.bufs[int(id)*br.size])))
	*(*uint32)(unsafe.Pointer(&e[8])) = uint32(br.size)
	if br.tail&br.mask == 0 {
		// Entry 0's bid shares a word with the tail: update it atomically.
		w := atomic.LoadUint32(br.tailWord)
		atomic.StoreUint32(br.tailWord, w&0xffff0000|uint32(id))
	} else {
		*(*uint16)(unsafe.Pointer(&e[12])) = id
	}
	br.tail++
}

// publish makes added buffers available to the kernel. Only this process
// writes the word holding the tail, so a read-modify-write is safe; the
// atomic store orders the entry writes before it (release).
func (br *bufRing) publish() {
	w := atomic.LoadUint32(br.tailWord)
	atomic.StoreUint32(br.tailWord, w&0xffff|uint32(br.tail)<<16)
	br.published = br.tail
}

func (br *bufRing) close() {
	reg := bufReg{bgid: br.gid}
	unix.Syscall6(unix.SYS_IO_URING_REGISTER, uintptr(br.r.fd), unregisterPbufRing, uintptr(unsafe.Pointer(&reg)), 1, 0, 0)
	unix.Munmap(br.mem)
	unix.Munmap(br.bufs)
}
