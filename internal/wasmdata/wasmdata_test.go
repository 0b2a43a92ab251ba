package wasmdata

import (
	"bytes"
	"encoding/binary"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
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
	got, err := Pack(in, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("Pack:\n got % x\nwant % x", got, want)
	}
	again, err := Pack(got, Options{})
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
		out, err := Pack(m, Options{})
		if !errors.Is(err, ErrFormat) {
			t.Errorf("%s: err %v, want ErrFormat", name, err)
		}
		if !bytes.Equal(out, m) {
			t.Errorf("%s: the input was changed", name)
		}
	}
	// No data section: nothing to do.
	m := append(append([]byte{}, magic...), 5, 3, 1, 0, 1)
	if out, err := Pack(m, Options{}); err != nil || !bytes.Equal(out, m) {
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
	if got, err := Pack(in, Options{}); err != nil || !bytes.Equal(got, want) {
		t.Fatalf("Pack: %v\n got % x\nwant % x", err, got, want)
	}
}

// TestPackGoModule packs what Go's linker writes (a small program built
// for js/wasm): far fewer segments, the same memory byte for byte.
func TestPackGoModule(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a wasm module")
	}
	in := buildGo(t, "package main\n\nimport \"fmt\"\n\nvar table = map[string]int{\"a\": 1, \"b\": 2}\n\nfunc main() { fmt.Println(\"hello\", table) }\n")
	before, err := Segments(in)
	if err != nil {
		t.Fatal(err)
	}
	packed, err := Pack(in, Options{KeepTables: true, KeepFuncIndex: true})
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

// buildGo builds the Go program src for js/wasm and returns the module.
func buildGo(t *testing.T, src string) []byte {
	t.Helper()
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "main.go"), []byte(src), 0o644)
	out := filepath.Join(dir, "m.wasm")
	cmd := exec.Command(filepath.Join(runtime.GOROOT(), "bin", "go"), "build", "-trimpath", "-ldflags=-s -w", "-o", out, "main.go")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOOS=js", "GOARCH=wasm", "GOFLAGS=", "GO111MODULE=off")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, b)
	}
	m, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// runGo runs a js/wasm module with Node and Go's wasm_exec.js, as the page
// does: the pc → function index rebuilt first (runNode).
func runGo(t *testing.T, module []byte) string {
	t.Helper()
	out, _ := runNode(t, module, true, 0, 0)
	return out
}

// A program that needs the tables kept (stack sizes, stack maps: deep
// recursion, goroutines, a GC) and prints its own traceback and caller.
const tracebackProgram = `package main

import (
	"fmt"
	"runtime"
	"runtime/debug"
	"strings"
)

func deep(n int) []*int {
	if n == 0 {
		runtime.GC()
		return nil
	}
	x := n
	return append(deep(n-1), &x)
}

//go:noinline
func where(n int) {
	_, file, line, _ := runtime.Caller(0)
	fmt.Printf("caller %s:%d\n", file, line)
	s := string(debug.Stack())
	fmt.Println("names", strings.Contains(s, "main.where") && strings.Contains(s, "main.main"))
	fmt.Println("args", strings.Contains(s, "main.where(0x"), strings.Contains(s, "main.where()"))
}

func main() {
	done := make(chan int)
	for i := 0; i < 4; i++ {
		go func() { done <- len(deep(2000)) }()
	}
	sum := 0
	for i := 0; i < 4; i++ {
		sum += <-done
	}
	fmt.Println("sum", sum)
	where(sum)
}
`

// TestDropTables: a Go program packed without its line tables, unsafe
// points and argument layouts runs the same (goroutines, deep stacks, a GC)
// and still names its functions in a traceback, with "?:0" for file and
// line and no argument words; the tables' bytes are zeros, nothing else in
// memory changed but functions' offsets of these tables (to 0, or to none
// for an argument layout), and the module is smaller at brotli.
func TestDropTables(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a wasm module")
	}
	in := buildGo(t, tracebackProgram)
	kept, err := Pack(in, Options{KeepTables: true, KeepFuncIndex: true})
	if err != nil {
		t.Fatal(err)
	}
	dropped, err := Pack(in, Options{KeepFuncIndex: true})
	if err != nil {
		t.Fatal(err)
	}
	again, err := Pack(dropped, Options{KeepFuncIndex: true})
	if err != nil || !bytes.Equal(again, dropped) {
		t.Errorf("packing twice changed the module again (%v)", err)
	}

	base, before := Image(mustSegments(t, kept))
	img := bytes.Clone(before)
	n, err := dropTables(base, img)
	if err != nil || n == 0 {
		t.Fatalf("dropTables: %d bytes, %v", n, err)
	}
	base2, img2 := Image(mustSegments(t, dropped))
	if base2 != base || len(img2) > len(img) {
		t.Fatalf("memory moved: base %d → %d, %d → %d bytes", base, base2, len(img), len(img2))
	}
	if !bytes.Equal(img[:len(img2)], img2) || len(bytes.Trim(img[len(img2):], "\x00")) != 0 {
		t.Error("Pack's memory is not dropTables' image")
	}
	changed := 0
	for i := range before {
		if before[i] != img[i] {
			if img[i] != 0 && img[i] != 0xff {
				t.Fatalf("byte %d: %#x → %#x, not blanked", i, before[i], img[i])
			}
			changed++
		}
	}
	t.Logf("%d bytes of tables blanked, %d bytes of memory changed", n, changed)
	// Each function's unsafe points and argument layout are gone; the
	// program as built had them.
	unsafe0, args0 := funcTables(t, before)
	unsafe1, args1 := funcTables(t, img)
	if unsafe0 == 0 || args0 == 0 || unsafe1 != 0 || args1 != 0 {
		t.Errorf("functions with unsafe points, argument layouts: %d, %d as built; %d, %d packed", unsafe0, args0, unsafe1, args1)
	}

	want := runGo(t, kept)
	if !strings.Contains(want, "sum 8000") || !strings.Contains(want, "names true") || !strings.Contains(want, "main.go:") ||
		!strings.Contains(want, "args true false") {
		t.Fatalf("the program as built printed:\n%s", want)
	}
	got := runGo(t, dropped)
	if !strings.Contains(got, "sum 8000") || !strings.Contains(got, "names true") || !strings.Contains(got, "caller ?:0") ||
		!strings.Contains(got, "args false true") {
		t.Errorf("without line tables the program printed:\n%s", got)
	}
	if b0, b1 := brotliSize(kept), brotliSize(dropped); b1 >= b0 {
		t.Errorf("brotli q5: %d bytes without line tables, %d with", b1, b0)
	} else {
		t.Logf("module at brotli q5: %d → %d bytes", b0, b1)
	}
}

// funcTables counts the functions in img whose unsafe-point table and
// argument layout are set.
func funcTables(t *testing.T, img []byte) (unsafePoints, argInfos int) {
	t.Helper()
	h := bytes.Index(img, pcHeaderMagic)
	u32 := func(i int) uint32 { return binary.LittleEndian.Uint32(img[i:]) }
	nfunc, ftab := int(u32(h+8)), h+int(binary.LittleEndian.Uint64(img[h+8+7*8:]))
	for k := range nfunc {
		f := ftab + int(u32(ftab+8*k+4))
		np, nf := int(u32(f+funcNpcdata)), int(img[f+funcNfuncdata])
		if np > pcdataUnsafePoint && u32(f+funcSize+4*pcdataUnsafePoint) != 0 {
			unsafePoints++
		}
		if nf > funcdataArgInfo && u32(f+funcSize+4*np+4*funcdataArgInfo) != noFuncdata {
			argInfos++
		}
	}
	return unsafePoints, argInfos
}

func mustSegments(t *testing.T, m []byte) []Segment {
	t.Helper()
	s, err := Segments(m)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestDropLinesRefuses: a table header whose offsets do not fit is an
// error, not a guess; no header at all is nothing to do.
func TestDropLinesRefuses(t *testing.T) {
	if n, err := dropTables(0, make([]byte, 100)); n != 0 || err != nil {
		t.Errorf("no table: %d, %v", n, err)
	}
	img := append(append([]byte{}, pcHeaderMagic...), make([]byte, 64)...)
	img[8] = 1        // one function
	img[8+6*8] = 0xff // its tables beyond the image
	img[8+7*8] = 0xff
	if _, err := dropTables(0, img); !errors.Is(err, ErrFormat) {
		t.Errorf("bad offsets: %v, want ErrFormat", err)
	}
	if _, err := dropTables(0, pcHeaderMagic); !errors.Is(err, ErrFormat) {
		t.Errorf("truncated header: %v, want ErrFormat", err)
	}
}
