package wasmdata

import (
	"bytes"
	"encoding/binary"
)

// Go's pc → function index (runtime.findfunctab, made by the linker's
// findfunctab in cmd/link/internal/ld/pcln.go): one 20-byte bucket per 4,096
// bytes of pc, a uint32 index into the function table then 16 one-byte
// offsets. On wasm a function's pc is its index << 16, so every function
// spans 16 whole buckets, every offset is 0, and a bucket's index is the
// last function starting at or before the bucket's pc. In Backpack's page
// module the table is 3.48 of the 18.1 MB the browser reads and hashes on
// every open, 15 KB at brotli: a few numbers that rebuild it are enough.
//
// runtime.findfunc is right with any index at or below the true one (it
// walks the function table forward from it), so a module whose table was
// not rebuilt still runs, only slower.
const (
	bucketSize    = 4096 // abi.FuncTabBucketSize on wasm (MINFUNC 16)
	subbucketSize = bucketSize / 16
	bucketBytes   = 4 + 16
	wasmFuncShift = 16 // a wasm pc is function index << 16 | block

	// runtime.moduledata: pcHeader *pcHeader, five slices (24 bytes each),
	// ftab []functab, findfunctab, minpc, maxpc, text, … gofunc.
	mdFtab        = 8 + 5*24
	mdFindFuncTab = mdFtab + 24
	mdMinPC       = mdFindFuncTab + 8
	mdMaxPC       = mdMinPC + 8
	mdText        = mdMaxPC + 8
	mdGofunc      = mdText + 8*18 // after text … rodata: funcdata's base (go:func.*)
	pcHeaderPcln  = 8 + 8*8 - 8   // pcHeader.pclnOffset: the function table
)

// FuncIndexSection names the custom section Pack writes in place of the
// table; RestoreJS reads it.
const FuncIndexSection = "backpack.findfunctab"

// RestoreJS defines backpackFuncIndex(module, instance), which rebuilds in
// instance's memory the table Pack left out of module (nothing when module
// has no FuncIndexSection). Call it after instantiating and before go.run.
// The section holds six little-endian uint32s: version 1, the table's
// address, its buckets, the function table's address and entries, and the
// first bucket's pc less the text's start.
const RestoreJS = `
// Backpack: Go's pc → function index, left out of the module by
// backpack precompress (internal/wasmdata), rebuilt before go.run: bucket b
// (4,096 bytes of pc) holds the last function k starting at or before it.
function backpackFuncIndex(module, instance) {
  const s = WebAssembly.Module.customSections(module, "` + FuncIndexSection + `");
  if (s.length !== 1 || s[0].byteLength !== 24) return;
  const v = new DataView(s[0]);
  if (v.getUint32(0, true) !== 1) return;
  const table = v.getUint32(4, true), buckets = v.getUint32(8, true);
  const ftab = v.getUint32(12, true), n = v.getUint32(16, true), first = v.getUint32(20, true);
  // Typed arrays are the machine's byte order; wasm memory is little-endian.
  if (table % 4 || ftab % 4 || new Uint8Array(new Uint32Array([1]).buffer)[0] !== 1) return;
  const m = new Uint32Array(instance.exports.mem.buffer);
  const t = table / 4, f = ftab / 4;
  let b = 0;
  for (let k = 0; k < n && b < buckets; k++) {
    // up to the bucket of function k+1's start (pc = its entry << 16)
    const end = k + 1 < n ? Math.min(buckets, Math.ceil((m[f + 2 * (k + 1)] * 65536 - first) / 4096)) : buckets;
    for (; b < end; b++) m[t + 5 * b] = k;
  }
}
`

// dropFuncIndex zeroes the findfunctab in img (memory's initial contents
// from base on) and returns the FuncIndexSection's contents that rebuild
// it; nil when img holds no table in exactly the form above (then img is
// unchanged: Pack leaves the table in the module).
func dropFuncIndex(base uint32, img []byte) []byte {
	h := bytes.Index(img, pcHeaderMagic)
	if h < 0 || len(img)-h < pcHeaderSize {
		return nil
	}
	md := moduledata(base, img, h)
	if md < 0 {
		return nil
	}
	word := func(i int) uint64 { return binary.LittleEndian.Uint64(img[i:]) }
	ftabAddr, n := word(md+mdFtab), word(md+mdFtab+8)
	tabAddr, minpc, maxpc, text := word(md+mdFindFuncTab), word(md+mdMinPC), word(md+mdMaxPC), word(md+mdText)
	ftab, tab := at(base, img, ftabAddr), at(base, img, tabAddr)
	if tab < 0 || tabAddr%4 != 0 || ftabAddr%4 != 0 || minpc < text || maxpc <= minpc || minpc-text > 1<<31 || maxpc-minpc > 1<<40 {
		return nil
	}
	buckets := (maxpc - minpc + bucketSize - 1) / bucketSize
	size := 4*buckets + (maxpc-minpc+subbucketSize-1)/subbucketSize // the linker's size
	if uint64(len(img)-tab) < size || buckets > 1<<31 || n > 1<<31 {
		return nil
	}
	// The table must be the one RestoreJS makes, byte for byte.
	want := make([]byte, size)
	entry := func(k uint64) uint64 { return uint64(binary.LittleEndian.Uint32(img[ftab+8*int(k):])) }
	for b, k := uint64(0), uint64(0); b < buckets; b++ {
		off := (minpc - text + b*bucketSize) >> wasmFuncShift
		for k+1 < n && entry(k+1) <= off {
			k++
		}
		binary.LittleEndian.PutUint32(want[bucketBytes*b:], uint32(k))
	}
	if !bytes.Equal(img[tab:tab+int(size)], want) {
		return nil
	}
	clear(img[tab : tab+int(size)])
	sec := make([]byte, 0, 24)
	for _, v := range []uint64{1, tabAddr, buckets, ftabAddr, n, minpc - text} {
		sec = binary.LittleEndian.AppendUint32(sec, uint32(v))
	}
	return sec
}

// at is img's index of memory address addr (img holds memory from base
// on), -1 when addr is outside it.
func at(base uint32, img []byte, addr uint64) int {
	if addr < uint64(base) || addr-uint64(base) > uint64(len(img)) {
		return -1
	}
	return int(addr - uint64(base))
}

// moduledata returns img's index of runtime.firstmoduledata, the module's
// table of tables, for the pcHeader at img[h:]: the first 8-byte word that
// points at that header and is followed by the header's function table
// (ftab); -1 when there is none.
func moduledata(base uint32, img []byte, h int) int {
	word := func(i int) uint64 { return binary.LittleEndian.Uint64(img[i:]) }
	var ptr [8]byte
	binary.LittleEndian.PutUint64(ptr[:], uint64(base)+uint64(h))
	for from := 0; ; {
		i := bytes.Index(img[from:], ptr[:])
		if i < 0 {
			return -1
		}
		md := from + i
		from = md + 1
		if (int(base)+md)%8 != 0 || len(img)-md < mdGofunc+8 {
			continue
		}
		ftabAddr, n := word(md+mdFtab), word(md+mdFtab+8)
		ftab := at(base, img, ftabAddr)
		if ftabAddr == uint64(base)+uint64(h)+word(h+pcHeaderPcln) && n >= 2 && n == word(h+8)+1 &&
			ftab >= 0 && uint64(len(img)-ftab) >= 8*n {
			return md
		}
	}
}

// appendCustom appends a custom section (id 0) named name to module.
func appendCustom(module []byte, name string, body []byte) []byte {
	var sec []byte
	sec = appendU32(sec, uint32(len(name)))
	sec = append(sec, name...)
	sec = append(sec, body...)
	module = append(module, 0)
	module = appendU32(module, uint32(len(sec)))
	return append(module, sec...)
}
