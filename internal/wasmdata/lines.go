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
	pcHeaderSize  = 8 + 8*8 // magic..ptrSize, nfunc, nfiles, unused, five offsets
	funcSize      = 44      // runtime._func without its pcdata and funcdata
	funcPcsp      = 16      // offsets of _func.pcsp, pcfile and pcln
	funcPcfile    = 20
	funcPcln      = 24
	funcNpcdata   = 28
	funcCU        = 32 // _func.cuOffset, then startLine
	funcNfuncdata = 43 // then pcdata [npcdata]uint32, funcdata [nfuncdata]uint32

	pcdataUnsafePoint = 0 // abi.PCDATA_UnsafePoint
	funcdataArgInfo   = 5 // abi.FUNCDATA_ArgInfo
	noFuncdata        = 0xffffffff
)

// dropTables blanks the tables of Go's runtime that js/wasm reads only to
// print a traceback, or never, in img (memory's initial contents from base
// on). It returns how many bytes of tables it zeroed; 0 and no error when
// img holds no Go function table.
//
//   - File and line tables: every function's pcfile and pcln become 0 (the
//     runtime's "no table": runtime.funcline1 then answers "?", 0), and so
//     do the file names (cutab, filetab) and each function's cuOffset and
//     startLine. The runtime reads them only to say where code is: file:line
//     in tracebacks and runtime.Caller, a frame's start line for profiles.
//   - Unsafe points (pcdata 0): only asynchronous preemption reads them
//     (isAsyncSafePoint, from a signal handler) and a debugger's call
//     injection, neither of which js/wasm has.
//   - Argument layouts (funcdata 5, ArgInfo): only a traceback reads them,
//     to print each frame's argument words; without one it prints "f()"
//     (and no values of a health record reach the console in a crash).
//
// Each table's bytes become zeros only when no other table starts among
// them (the linker shares equal tables). Stack sizes, stack maps, inline
// trees and function names are left as they are. In Backpack's page module
// file and line tables were 138 + 40 KB of its brotli download (2.47 →
// 2.29 MB), unsafe points and argument layouts 17 + 12 KB.
func dropTables(base uint32, img []byte) (int, error) {
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
		if np > 64 || f+funcSize+4*np+4*int(img[f+funcNfuncdata]) > len(img) { // its pcdata and funcdata
			return 0, bad
		}
		funcs[k] = f
		mark(u32(f+funcPcfile), lines)
		mark(u32(f+funcPcln), lines)
		mark(u32(f+funcPcsp), other)
		for i := range np {
			how := uint8(other)
			if i == pcdataUnsafePoint {
				how = lines
			}
			mark(u32(f+funcSize+4*i), how)
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
		if u32(f+funcNpcdata) > pcdataUnsafePoint {
			clear(img[f+funcSize+4*pcdataUnsafePoint:][:4])
		}
	}
	clear(img[h+int(cutab) : pct]) // cutab, then filetab
	zeroed += int(pctab - cutab)
	if md := moduledata(base, img, h); md >= 0 {
		zeroed += dropArgInfo(img, at(base, img, binary.LittleEndian.Uint64(img[md+mdGofunc:])), funcs)
	}
	return zeroed, nil
}

// dropArgInfo sets each function's ArgInfo to none and zeroes the layouts
// no other funcdata starts in; gofunc is img's index of funcdata's base.
// An ArgInfo's length is what runtime.printArgs reads: a byte per operator
// (0xfb-0xfe), an offset and a size per word, up to 0xff.
func dropArgInfo(img []byte, gofunc int, funcs []int) int {
	if gofunc < 0 {
		return 0
	}
	u32 := func(i int) uint32 { return binary.LittleEndian.Uint32(img[i:]) }
	fd := func(f, i int) int { return f + funcSize + 4*int(u32(f+funcNpcdata)) + 4*i }
	others := map[uint32]bool{} // where other funcdata start
	var infos []uint32
	for _, f := range funcs {
		for i := range int(img[f+funcNfuncdata]) {
			switch off := u32(fd(f, i)); {
			case off == noFuncdata:
			case i == funcdataArgInfo:
				infos = append(infos, off)
			default:
				others[off] = true
			}
		}
	}
	const maxLen = (5*3+2)*10 + 1 // abi.TraceArgsMaxLen
	spans := map[int]int{}        // the layouts to zero: start → end
	for _, off := range infos {
		from := gofunc + int(off)
		end := from
		for end < len(img) && end-from < maxLen && img[end] != 0xff {
			if img[end] < 0xfb {
				end++ // an offset, then its size
			}
			end++
		}
		if end >= len(img) || img[end] != 0xff {
			continue // not a layout: left as it is
		}
		end++
		shared := false
		for o := off; o < off+uint32(end-from) && !shared; o++ {
			shared = others[o]
		}
		if !shared {
			spans[from] = end
		}
	}
	zeroed := 0
	for from, end := range spans {
		zeroed += end - from
		clear(img[from:end])
	}
	for _, f := range funcs {
		if int(img[f+funcNfuncdata]) > funcdataArgInfo {
			binary.LittleEndian.PutUint32(img[fd(f, funcdataArgInfo):], noFuncdata)
		}
	}
	return zeroed
}
