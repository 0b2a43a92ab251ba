// Package wasmdata rewrites the data section of a WebAssembly module so
// that it compresses better.
//
// Go's linker leaves out every run of eight or more zero bytes in memory's
// initial contents, starting a new data segment after each: the smallest
// module raw, but some 100,000 segments whose headers (offset, length)
// brotli compresses worse than the zeros they replace. Backpack's page
// module measured 1,134,885 bytes of data section at brotli quality 11 as
// the linker writes it and 1,016,823 cut only at runs of more than MaxGap
// zeros (4 segments; raw 6.69 → 7.62 MB, the zeros written out).
//
// Pack also blanks Go's file and line tables, unsafe points and argument
// layouts in that memory (lines.go) unless told to keep them: 178 + 29 KB
// of the page module's brotli download;
// and it leaves out Go's pc → function index, which the page rebuilds at
// load (funcindex.go): 3.5 of the 18.1 MB the browser reads on each open.
//
// No Go library rewrites a module's data section, and binaryen's
// memory-packing optimises the raw size (the linker's choice), so this is
// written here; it reads only what it must (section framing and active
// segments with a constant offset) and leaves every other byte as it was.
package wasmdata

import (
	"bytes"
	"errors"
	"fmt"
	"os"
)

// MaxGap is the longest run of zeros Pack writes out to join two
// segments: longer ones (the zeroed memory after the data) stay gaps.
const MaxGap = 1024

const (
	secData      = 11
	secDataCount = 12
	opI32Const   = 0x41
	opEnd        = 0x0b
)

var magic = []byte{0, 'a', 's', 'm', 1, 0, 0, 0}

// ErrFormat: the input is not a WebAssembly module Pack can rewrite.
var ErrFormat = errors.New("wasmdata: not a WebAssembly module with plain data segments")

// Segment is one active data segment of memory 0: Data written at Offset.
type Segment struct {
	Offset uint32
	Data   []byte
}

// Options change what Pack does besides joining segments.
type Options struct {
	// KeepTables keeps the runtime's tables that js/wasm reads only in a
	// traceback or never (dropTables): without them a traceback names each
	// function but says "?:0" for its file and line and prints no
	// arguments.
	KeepTables bool
	// KeepFuncIndex keeps Go's pc → function index in the module. Without
	// it (funcindex.go) the index is a custom section of 24 bytes, and the
	// page must call RestoreJS's backpackFuncIndex before go.run, or the
	// runtime finds each function by walking its table from the start.
	KeepFuncIndex bool
}

// Pack returns module with its data segments rewritten: memory's initial
// contents as the segments leave them (in order, a later one writing over an
// earlier one), cut only at runs of more than MaxGap zeros. Memory starts
// the same byte for byte, except that Go's file and line tables are blanked
// unless o.KeepTables (see dropTables, with unsafe points and argument
// layouts), and the pc → function index is zeroed
// and described in a custom section unless o.KeepFuncIndex (see
// dropFuncIndex). A module already packed comes back unchanged.
func Pack(module []byte, o Options) ([]byte, error) {
	start, end, segs, err := dataSection(module)
	if err != nil || start < 0 {
		return module, err
	}
	base, img := Image(segs)
	if !o.KeepTables {
		if _, err := dropTables(base, img); err != nil {
			return module, err
		}
	}
	var index []byte
	if !o.KeepFuncIndex {
		index = dropFuncIndex(base, img)
	}
	body := encodeSegments(Split(base, img, MaxGap))
	if _, n, _ := readU32(module[start+1:]); index == nil && bytes.Equal(body, module[start+1+n:end]) {
		return module, nil
	}
	out := make([]byte, 0, len(module)-(end-start)+len(body)+64)
	out = append(out, module[:start]...)
	out = append(out, secData)
	out = appendU32(out, uint32(len(body)))
	out = append(out, body...)
	out = append(out, module[end:]...)
	if index != nil {
		out = appendCustom(out, FuncIndexSection, index)
	}
	return out, nil
}

// Image is memory's initial contents from base on, as segs leave them
// (applied in order).
func Image(segs []Segment) (base uint32, img []byte) {
	if len(segs) == 0 {
		return 0, nil
	}
	lo, hi := uint64(segs[0].Offset), uint64(0)
	for _, s := range segs {
		lo = min(lo, uint64(s.Offset))
		hi = max(hi, uint64(s.Offset)+uint64(len(s.Data)))
	}
	img = make([]byte, hi-lo)
	for _, s := range segs {
		copy(img[uint64(s.Offset)-lo:], s.Data)
	}
	return uint32(lo), img
}

// Split cuts img (memory from base on) into segments, leaving out its
// runs of more than gap zeros.
func Split(base uint32, img []byte, gap int) []Segment {
	var out []Segment
	for i := 0; i < len(img); {
		for i < len(img) && img[i] == 0 {
			i++
		}
		if i == len(img) {
			break
		}
		from, zeros := i, 0
		for ; i < len(img) && zeros <= gap; i++ {
			if img[i] == 0 {
				zeros++
			} else {
				zeros = 0
			}
		}
		to := i - zeros
		out = append(out, Segment{base + uint32(from), img[from:to]})
	}
	return out
}

// Segments returns module's data segments in the module's order, or
// ErrFormat when they are not all active segments of memory 0 with a
// constant offset (what Go's linker writes; it may write a part of memory
// twice, the same bytes each time).
func Segments(module []byte) ([]Segment, error) {
	_, _, segs, err := dataSection(module)
	return segs, err
}

// dataSection finds the data section ([start, end) of module, its id byte
// included; start is -1 when there is none) and reads its segments.
func dataSection(module []byte) (start, end int, segs []Segment, err error) {
	if !bytes.HasPrefix(module, magic) {
		return -1, -1, nil, ErrFormat
	}
	start, end = -1, -1
	for i := len(magic); i < len(module); {
		id := module[i]
		size, n, ok := readU32(module[i+1:])
		body := i + 1 + n
		if !ok || uint64(body)+uint64(size) > uint64(len(module)) {
			return -1, -1, nil, ErrFormat
		}
		switch id {
		case secDataCount:
			// Counts the segments: Pack would have to rewrite it too.
			return -1, -1, nil, fmt.Errorf("%w: a data count section", ErrFormat)
		case secData:
			start, end = i, body+int(size)
			if segs, err = readSegments(module[body:end]); err != nil {
				return -1, -1, nil, err
			}
		}
		i = body + int(size)
	}
	return start, end, segs, nil
}

func readSegments(b []byte) ([]Segment, error) {
	count, n, ok := readU32(b)
	if !ok {
		return nil, ErrFormat
	}
	b = b[n:]
	segs := make([]Segment, 0, min(int(count), len(b)/4))
	for range count {
		flags, n, ok := readU32(b)
		if !ok || flags != 0 || len(b) < n+1 || b[n] != opI32Const {
			return nil, fmt.Errorf("%w: a segment that is not active with a constant offset", ErrFormat)
		}
		b = b[n+1:]
		off, n, ok := readS32(b)
		if !ok || len(b) < n+1 || b[n] != opEnd {
			return nil, ErrFormat
		}
		b = b[n+1:]
		size, n, ok := readU32(b)
		if !ok || uint64(n)+uint64(size) > uint64(len(b)) {
			return nil, ErrFormat
		}
		segs = append(segs, Segment{uint32(off), b[n : n+int(size)]})
		b = b[n+int(size):]
	}
	if len(b) != 0 {
		return nil, ErrFormat
	}
	return segs, nil
}

func encodeSegments(segs []Segment) []byte {
	var out []byte
	out = appendU32(out, uint32(len(segs)))
	for _, s := range segs {
		out = append(out, 0, opI32Const)
		out = appendS32(out, int32(s.Offset))
		out = append(out, opEnd)
		out = appendU32(out, uint32(len(s.Data)))
		out = append(out, s.Data...)
	}
	return out
}

// readU32 reads an unsigned LEB128 of at most 5 bytes (padded ones too, as
// Go's linker writes section sizes).
func readU32(b []byte) (v uint32, n int, ok bool) {
	var x uint64
	for i := 0; i < 5 && i < len(b); i++ {
		x |= uint64(b[i]&0x7f) << (7 * i)
		if b[i] < 0x80 {
			return uint32(x), i + 1, x <= 0xffffffff
		}
	}
	return 0, 0, false
}

func readS32(b []byte) (v int32, n int, ok bool) {
	var x int64
	for i := 0; i < 5 && i < len(b); i++ {
		x |= int64(b[i]&0x7f) << (7 * i)
		if b[i] < 0x80 {
			if shift := 7 * (i + 1); shift < 64 && b[i]&0x40 != 0 {
				x |= -1 << shift
			}
			return int32(x), i + 1, x >= -1<<31 && x < 1<<31
		}
	}
	return 0, 0, false
}

func appendU32(b []byte, v uint32) []byte {
	for v >= 0x80 {
		b = append(b, byte(v)|0x80)
		v >>= 7
	}
	return append(b, byte(v))
}

func appendS32(b []byte, v int32) []byte {
	x := int64(v)
	for {
		c := byte(x & 0x7f)
		x >>= 7
		if x == 0 && c&0x40 == 0 || x == -1 && c&0x40 != 0 {
			return append(b, c)
		}
		b = append(b, c|0x80)
	}
}

// PackFile packs the module in the file name in place (Pack); a module
// already packed is left as it is.
func PackFile(name string, o Options) error {
	in, err := os.ReadFile(name)
	if err != nil {
		return err
	}
	out, err := Pack(in, o)
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	if bytes.Equal(out, in) {
		return nil
	}
	tmp := name + ".pack"
	if err := os.WriteFile(tmp, out, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, name)
}
