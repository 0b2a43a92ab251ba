package wasmdata

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// runNode runs a js/wasm module with Node and Go's wasm_exec.js (as
// GOROOT's wasm_exec_node.js does), calling RestoreJS's backpackFuncIndex
// before go.run when restore; with n > 0 it returns the n bytes of memory
// from addr as they are just before go.run.
func runNode(t *testing.T, module []byte, restore bool, addr, n uint32) (string, []byte) {
	t.Helper()
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node not installed")
	}
	dir := t.TempDir()
	name, dump, runner := filepath.Join(dir, "m.wasm"), filepath.Join(dir, "mem.bin"), filepath.Join(dir, "run.js")
	os.WriteFile(name, module, 0o644)
	call := ""
	if restore {
		call = "backpackFuncIndex(r.module, r.instance);"
	}
	js := fmt.Sprintf(`"use strict";
globalThis.require = require;
globalThis.fs = require("fs");
globalThis.path = require("path");
globalThis.TextEncoder = require("util").TextEncoder;
globalThis.TextDecoder = require("util").TextDecoder;
globalThis.performance ??= require("performance");
globalThis.crypto ??= require("crypto");
require(%q);
%s
const go = new Go();
go.exit = process.exit;
WebAssembly.instantiate(fs.readFileSync(%q), go.importObject).then((r) => {
  %s
  if (%d > 0) fs.writeFileSync(%q, new Uint8Array(r.instance.exports.mem.buffer, %d, %d));
  return go.run(r.instance);
}).catch((err) => { console.error(err); process.exit(1); });
`, filepath.Join(runtime.GOROOT(), "lib", "wasm", "wasm_exec.js"), RestoreJS, name, call, n, dump, addr, n)
	os.WriteFile(runner, []byte(js), 0o644)
	out, err := exec.Command(node, runner).CombinedOutput()
	if err != nil {
		t.Fatalf("node: %v\n%s", err, out)
	}
	var mem []byte
	if n > 0 {
		if mem, err = os.ReadFile(dump); err != nil {
			t.Fatal(err)
		}
	}
	return string(out), mem
}

// customSections returns the contents of module's custom sections named
// name.
func customSections(t *testing.T, module []byte, name string) [][]byte {
	t.Helper()
	var out [][]byte
	for i := len(magic); i < len(module); {
		size, n, ok := readU32(module[i+1:])
		body := i + 1 + n
		if !ok || body+int(size) > len(module) {
			t.Fatal("bad section framing")
		}
		if module[i] == 0 {
			l, m, _ := readU32(module[body:])
			if string(module[body+m:body+m+int(l)]) == name {
				out = append(out, module[body+m+int(l):body+int(size)])
			}
		}
		i = body + int(size)
	}
	return out
}

// TestDropFuncIndex: a Go program packed without its pc → function index
// (goroutines, deep stacks, a GC, its own traceback) runs the same; the
// index's bytes in the module are zeros, described by one custom section;
// RestoreJS puts back in memory exactly the table the linker wrote; without
// RestoreJS the program still runs right (the runtime walks its function
// table); and the module is smaller, raw and at brotli.
func TestDropFuncIndex(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a wasm module")
	}
	in := buildGo(t, tracebackProgram)
	kept, err := Pack(in, Options{KeepFuncIndex: true})
	if err != nil {
		t.Fatal(err)
	}
	dropped, err := Pack(in, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if again, err := Pack(dropped, Options{}); err != nil || !bytes.Equal(again, dropped) {
		t.Errorf("packing twice changed the module again (%v)", err)
	}
	secs := customSections(t, dropped, FuncIndexSection)
	if len(secs) != 1 || len(secs[0]) != 24 || len(customSections(t, kept, FuncIndexSection)) != 0 {
		t.Fatalf("custom sections: %d in the packed module (want one of 24 bytes), %d kept", len(secs), len(customSections(t, kept, FuncIndexSection)))
	}
	u := func(i int) uint32 { return binary.LittleEndian.Uint32(secs[0][4*i:]) }
	addr, buckets := u(1), u(2)
	if u(0) != 1 || buckets < 16 {
		t.Fatalf("section: version %d, %d buckets", u(0), buckets)
	}

	base, before := Image(mustSegments(t, kept))
	base2, after := Image(mustSegments(t, dropped))
	if base2 != base {
		t.Fatalf("memory moved: base %d → %d", base, base2)
	}
	after = append(after, make([]byte, max(0, len(before)-len(after)))...)
	from := int(addr - base)
	size := 20 * int(buckets) // the last bucket may be cut short: see below
	table := before[from : from+size-16]
	if len(bytes.Trim(table, "\x00")) == 0 {
		t.Fatal("the linker's table is zeros")
	}
	for i := range before {
		inTable := i >= from && i < from+size
		if before[i] != after[i] && (!inTable || after[i] != 0) {
			t.Fatalf("byte %d of memory: %#x → %#x", i, before[i], after[i])
		}
	}
	if len(bytes.Trim(after[from:from+size-16], "\x00")) != 0 {
		t.Error("the table is still in the packed module")
	}

	want := runGo(t, kept)
	if !strings.Contains(want, "sum 8000") || !strings.Contains(want, "names true") {
		t.Fatalf("the program as built printed:\n%s", want)
	}
	got, mem := runNode(t, dropped, true, addr, uint32(len(table)))
	if got != want {
		t.Errorf("with the index rebuilt the program printed:\n%s\nwant:\n%s", got, want)
	}
	if !bytes.Equal(mem, table) {
		t.Error("RestoreJS did not rebuild the linker's table byte for byte")
	}
	if got, _ := runNode(t, dropped, false, 0, 0); got != want {
		t.Errorf("without the index the program printed:\n%s\nwant:\n%s", got, want)
	}
	if len(dropped)*10 > len(kept)*9 {
		t.Errorf("module raw %d → %d bytes: want a tenth smaller", len(kept), len(dropped))
	}
	if b0, b1 := brotliSize(kept), brotliSize(dropped); b1 >= b0 {
		t.Errorf("brotli q5: %d bytes without the index, %d with", b1, b0)
	} else {
		t.Logf("module raw %d → %d, brotli q5 %d → %d bytes", len(kept), len(dropped), b0, b1)
	}
}

// TestDropFuncIndexRefuses: a table that is not the one RestoreJS would
// make stays in the module, and so does everything else.
func TestDropFuncIndexRefuses(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a wasm module")
	}
	kept, err := Pack(buildGo(t, "package main\n\nfunc main() {}\n"), Options{KeepFuncIndex: true})
	if err != nil {
		t.Fatal(err)
	}
	base, img := Image(mustSegments(t, kept))
	sec := dropFuncIndex(base, bytes.Clone(img))
	if sec == nil {
		t.Fatal("no index found in a Go module")
	}
	addr := int(binary.LittleEndian.Uint32(sec[4:]) - base)
	for name, spoil := range map[string]func([]byte){
		"an index off by one": func(m []byte) { m[addr+20*3]++ },
		"a subbucket not 0":   func(m []byte) { m[addr+20*3+5] = 1 },
		"no pcHeader":         func(m []byte) { copy(m[bytes.Index(m, pcHeaderMagic):], "xxxxxxxx") },
	} {
		m := bytes.Clone(img)
		spoil(m)
		spoilt := bytes.Clone(m)
		if sec := dropFuncIndex(base, m); sec != nil || !bytes.Equal(m, spoilt) {
			t.Errorf("%s: dropped it (section %x)", name, sec)
		}
	}
	if dropFuncIndex(0, make([]byte, 100)) != nil {
		t.Error("no table: a section")
	}
}
