package wasmdata

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"slices"
)

// Go's function table (runtime.pcHeader and runtime._func, the layout of
// Go 1.20 on: magic 0xfffffff1). Only what blanking the line tables needs.
var pcHeaderMagic = []byte{0xf1, 0xff, 0xff, 0xff, 0, 0, 1, 8} // magic, pad, minLC 1 (wasm), ptrSize 8

const (
	pcHeaderSize = 8 + 8*8 // magic..ptrSize, nfunc, nfiles, unused, five offsets
	funcSize     = 44      // runtime._func without its pcdata and funcdata
	funcPcsp     = 16      // offsets of _func.pcsp, pcfile and pcln
	funcPcfile   = 20
	funcPcln     = 24
	funcNpcdata  = 28
	funcCU       = 32 // _func.cuOffset, then startLine
)

// dropLines blanks Go's file and line tables in img (memory's initial
// contents): every function's pcfile and pcln become 0 (the runtime's "no
// table": runtime.funcline1 then answers "?", 0), the bytes of each table
// only they used become zeros, and so do the file names (cutab, filetab)
// and each function's cuOffset and startLine. It returns how many bytes of
// tables it zeroed; 0 and no error when img holds no Go function table.
//
// The runtime reads these only to say where code is: file:line in
// tracebacks and runtime.Caller, a frame's start line for profiles
// (runtime.funcline1, funcfile, Frame.startLine). Stack sizes, stack maps,
// unsafe points and function names are other tables, left as they are.
// In Backpack's page module they were 138 + 40 KB of its brotli download
// (2.47 → 2.29 MB).
func dropLines(img []byte) (int, error) {
	h := bytes.Index(img, pcHeaderMagic)
	if h < 0 {
		return 0, nil
	}
	bad := fmt.Errorf("%w: a Go function table Pack cannot read", ErrFormat)
	if len(img)-h < pcHeaderSize {
		return 0, bad
	}
	word := func(i int) uint64 { return binary.LittleEndian.Uint64(img[h+8+8*i:]) }
	nfunc, cutab, pctab, functab := word(0), word(4), word(6), word(7)
	if nfunc == 0 || cutab == 0 || cutab > pctab || pctab > functab || functab+(nfunc+1)*8 > uint64(len(img)-h) {
		return 0, bad
	}
	pct, ftab := h+int(pctab), h+int(functab)
	u32 := func(i int) uint32 { return binary.LittleEndian.Uint32(img[i:]) }

	// Which tables each offset into pctab starts: only those used as
	// pcfile or pcln and by nothing else are blanked (the linker shares
	// equal tables).
	const lines, other = 1, 2
	use := map[uint32]uint8{}
	mark := func(off uint32, how uint8) {
		if off != 0 {
			use[off] |= how
		}
	}
	funcs := make([]int, nfunc)
	for k := range funcs {
		f := ftab + int(u32(ftab+8*k+4))
		if f < ftab || f+funcSize > len(img) {
			return 0, bad
		}
		np := int(u32(f + funcNpcdata))
		if np > 64 || f+funcSize+4*np > len(img) {
			return 0, bad
		}
		funcs[k] = f
		mark(u32(f+funcPcfile), lines)
		mark(u32(f+funcPcln), lines)
		mark(u32(f+funcPcsp), other)
		for i := range np {
			mark(u32(f+funcSize+4*i), other)
		}
	}
	starts := make([]uint32, 0, len(use))
	for off := range use {
		if uint64(off) >= functab-pctab {
			return 0, bad
		}
		starts = append(starts, off)
	}
	slices.Sort(starts)
	zeroed := 0
	for i, off := range starts {
		if use[off] != lines {
			continue
		}
		end := uint32(functab - pctab) // the last table runs to the function table
		if i+1 < len(starts) {
			end = starts[i+1]
		}
		clear(img[pct+int(off) : pct+int(end)])
		zeroed += int(end - off)
	}
	for _, f := range funcs {
		clear(img[f+funcPcfile : f+funcPcln+4])
		clear(img[f+funcCU : f+funcCU+8])
	}
	clear(img[h+int(cutab) : pct]) // cutab, then filetab
	return zeroed + int(pctab-cutab), nil
}
