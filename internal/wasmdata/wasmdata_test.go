package wasmdata

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/andybalholm/brotli"
)

// brotliSize is b's size at brotli quality 5 (the bench measures the page
// at 11; 5 keeps this test quick under -race).
func brotliSize(b []byte) int {
	var out bytes.Buffer
	w := brotli.NewWriterOptions(&out, brotli.WriterOptions{Quality: 5, LGWin: 24})
	w.Write(b)
	w.Close()
	return out.Len()
}

// module is a module of one memory section and the data section given.
func module(data ...byte) []byte {
	m := append([]byte{}, magic...)
	m = append(m, 5, 3, 1, 0, 1) // memory: one, at least 1 page
	m = append(m, secData)
	m = appendU32(m, uint32(len(data)))
	return append(m, data...)
}

func TestPackVector(t *testing.T) {
	in := module(
		3,
		0, opI32Const, 16, opEnd, 2, 'a', 'b',
		0, opI32Const, 20, opEnd, 2, 'c', 'd', // 2 zeros after "ab": merged
		0, opI32Const, 0x88, 0x27, opEnd, 2, 'e', 'f', // at 5000: 4978 zeros away, kept apart
	)
	want := module(
		2,
		0, opI32Const, 16, opEnd, 6, 'a', 'b', 0, 0, 'c', 'd',
		0, opI32Const, 0x88, 0x27, opEnd, 2, 'e', 'f',
	)
	got, err := Pack(in)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("Pack:\n got % x\nwant % x", got, want)
	}
	again, err := Pack(got)
	if err != nil || !bytes.Equal(again, got) {
		t.Errorf("packing twice changed it (%v)", err)
	}
}

func TestPackRefuses(t *testing.T) {
	for name, m := range map[string][]byte{
		"not wasm":  []byte("\x7fELF...."),
		"truncated": module(1, 0, opI32Const, 16, opEnd, 9, 'a'),
		"passive":   module(1, 1, 2, 'a', 'b'),
		"global offset": module(1,
			0, 0x23, 0, opEnd, 1, 'a'),
		"data count": append(append(append([]byte{}, magic...), secDataCount, 1, 0), module()[len(magic):]...),
	} {
		out, err := Pack(m)
		if !errors.Is(err, ErrFormat) {
			t.Errorf("%s: err %v, want ErrFormat", name, err)
		}
		if !bytes.Equal(out, m) {
			t.Errorf("%s: the input was changed", name)
		}
	}
	// No data section: nothing to do.
	m := append(append([]byte{}, magic...), 5, 3, 1, 0, 1)
	if out, err := Pack(m); err != nil || !bytes.Equal(out, m) {
		t.Errorf("no data section: %v", err)
	}
}

// image is memory's initial contents from segs, from 0 on.
func image(segs []Segment) []byte {
	base, img := Image(segs)
	return append(make([]byte, base), img...)
}

// A later segment writes over an earlier one, zeros too; segments out of
// order are put in order.
func TestPackOverlap(t *testing.T) {
	in := module(3,
		0, opI32Const, 0xb8, 0x17, opEnd, 1, 'z', // at 3000
		0, opI32Const, 16, opEnd, 4, 'a', 'b', 'c', 'd',
		0, opI32Const, 18, opEnd, 2, 0, 'x',
	)
	want := module(2,
		0, opI32Const, 16, opEnd, 4, 'a', 'b', 0, 'x',
		0, opI32Const, 0xb8, 0x17, opEnd, 1, 'z',
	)
	if got, err := Pack(in); err != nil || !bytes.Equal(got, want) {
		t.Fatalf("Pack: %v\n got % x\nwant % x", err, got, want)
	}
}

// TestPackGoModule packs what Go's linker writes (a small program built
// for js/wasm): far fewer segments, the same memory byte for byte.
func TestPackGoModule(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a wasm module")
	}
	dir := t.TempDir()
	src := filepath.Join(dir, "main.go")
	os.WriteFile(src, []byte("package main\n\nimport \"fmt\"\n\nvar table = map[string]int{\"a\": 1, \"b\": 2}\n\nfunc main() { fmt.Println(\"hello\", table) }\n"), 0o644)
	out := filepath.Join(dir, "m.wasm")
	cmd := exec.Command(filepath.Join(runtime.GOROOT(), "bin", "go"), "build", "-o", out, src)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOOS=js", "GOARCH=wasm", "GOFLAGS=", "GO111MODULE=off")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, b)
	}
	in, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	before, err := Segments(in)
	if err != nil {
		t.Fatal(err)
	}
	packed, err := Pack(in)
	if err != nil {
		t.Fatal(err)
	}
	after, err := Segments(packed)
	if err != nil {
		t.Fatal(err)
	}
	if len(after)*100 > len(before) {
		t.Errorf("segments %d → %d: want a hundredth or fewer", len(before), len(after))
	}
	if !bytes.Equal(image(before), image(after)) {
		t.Error("memory's initial contents changed")
	}
	// Everything but the data section is as it was.
	s0, e0, _, _ := dataSection(in)
	s1, e1, _, _ := dataSection(packed)
	if !bytes.Equal(in[:s0], packed[:s1]) || !bytes.Equal(in[e0:], packed[e1:]) {
		t.Error("bytes outside the data section changed")
	}
	// What it is for: a smaller download (raw, the zeros written out make
	// it larger).
	if b0, b1 := brotliSize(in[s0:e0]), brotliSize(packed[s1:e1]); b1 >= b0 {
		t.Errorf("data section at brotli q5: %d bytes packed, %d as linked", b1, b0)
	} else {
		t.Logf("data section at brotli q5: %d → %d bytes; module raw %d → %d", b0, b1, len(in), len(packed))
	}
}
