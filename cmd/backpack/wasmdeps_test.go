//go:build !wasm

package main

import (
	"bytes"
	"encoding/binary"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"
)

// No wasm module links text/template or html/template: their reflection
// makes the linker keep every exported method of every type that reaches an
// interface, about a third of app.wasm (design.md, pitfall 13). Every main
// package under cmd/ that builds for js/wasm is checked, so a second module
// is covered when it comes.
func TestWasmHasNoTemplates(t *testing.T) {
	golist := wasmList(t)
	var mains []string
	for _, line := range golist("-f", "{{.Name}}:{{.ImportPath}}", "./cmd/...") {
		if name, path, _ := strings.Cut(line, ":"); name == "main" {
			mains = append(mains, path)
		}
	}
	if len(mains) < 2 {
		t.Fatalf("wasm main packages under cmd/: %v, want the page's and the worker's", mains)
	}
	for _, m := range mains {
		// Each field: a package = the packages it imports.
		for _, line := range golist("-deps", "-f", `{{.ImportPath}}={{join .Imports ","}}`, m) {
			pkg, imports, _ := strings.Cut(line, "=")
			for _, imp := range strings.Split(imports, ",") {
				if imp == "text/template" || imp == "html/template" {
					t.Errorf("%s links %s (imported by %s)", m, imp, pkg)
				}
			}
		}
	}
}

// The worker module is plain syscall/js: go-app (the page's UI) is not in it.
func TestWorkerHasNoGoApp(t *testing.T) {
	deps := wasmList(t)("-deps", "./cmd/worker")
	if len(deps) == 0 {
		t.Fatal("no dependencies listed for cmd/worker")
	}
	for _, pkg := range deps {
		if strings.Contains(pkg, "go-app") || pkg == "backpack/app" {
			t.Errorf("cmd/worker links %s", pkg)
		}
	}
}

// zxcvbn's word lists (trustelem/zxcvbn's frequency package, 0.7 MB of
// brotli, and its matching package, which builds dictionaries from them
// at init) are in no wasm module: the page loads them at run time
// (internal/zxcvbn, served at /VERSION/web/zxcvbn.dat).
func TestWasmHasNoWordLists(t *testing.T) {
	for _, m := range []string{"./cmd/backpack", "./cmd/worker"} {
		deps := wasmList(t)("-deps", m)
		if len(deps) == 0 {
			t.Fatalf("no dependencies listed for %s", m)
		}
		for _, pkg := range deps {
			if pkg == "github.com/trustelem/zxcvbn/frequency" || pkg == "github.com/trustelem/zxcvbn/matching" || pkg == "github.com/trustelem/zxcvbn" {
				t.Errorf("%s links %s", m, pkg)
			}
		}
	}
}

// No wasm module links regexp2 (github.com/dlclark/regexp2 and its syntax
// package, about 373 KB of the page module's code): internal/zxcvbn
// matches trustelem's backreference patterns by hand (repeat.go, date.go).
func TestWasmHasNoRegexp2(t *testing.T) {
	for _, m := range []string{"./cmd/backpack", "./cmd/worker"} {
		deps := wasmList(t)("-deps", m)
		if len(deps) == 0 {
			t.Fatalf("no dependencies listed for %s", m)
		}
		for _, pkg := range deps {
			if pkg == "github.com/dlclark/regexp2" || strings.HasPrefix(pkg, "github.com/dlclark/regexp2/") {
				t.Errorf("%s links %s", m, pkg)
			}
		}
	}
}

// No wasm module has a TLS client or net/http's client or Transport: the
// page fetches through internal/fetch. go-app imports net/http (so go list
// cannot tell), but the linker keeps of it only what is called: crypto/tls,
// crypto/x509 and the HTTP/2 client came with the Transport, about 0.65 MB
// of app.wasm's brotli. Each module is built with its name section and its
// functions are looked at.
func TestWasmHasNoTLSClient(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the wasm modules")
	}
	wasmList(t) // skips without a go command
	// The linker writes a function's name with every character other than
	// a letter, digit, '_' or '.' as '_'.
	mangle := regexp.MustCompile(`[^\w.]`)
	for _, m := range []string{"./cmd/backpack", "./cmd/worker"} {
		out := filepath.Join(t.TempDir(), "m.wasm")
		cmd := exec.Command(goCommand(), "build", "-trimpath", "-o", out, m)
		cmd.Dir = "../.."
		cmd.Env = append(os.Environ(), "GOOS=js", "GOARCH=wasm")
		if b, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("go build %s: %v\n%s", m, err, b)
		}
		b, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		names, err := wasmFuncNames(b)
		if err != nil {
			t.Fatalf("%s: %v", m, err)
		}
		if len(names) < 1000 {
			t.Fatalf("%s: %d function names: no name section?", m, len(names))
		}
		for _, p := range []string{"crypto/tls.(*Conn).", "crypto/x509.(*Certificate).Verify", "net/http.(*Transport).", "net/http.(*Client)."} {
			pm := mangle.ReplaceAllString(p, "_")
			for _, n := range names {
				if strings.HasPrefix(n, pm) {
					t.Errorf("%s links %s… (%s): something calls net/http's client", m, p, n)
					break
				}
			}
		}
	}
}

// wasmFuncNames returns the function names of a module's name section.
func wasmFuncNames(b []byte) ([]string, error) {
	if len(b) < 8 || !bytes.Equal(b[:4], []byte("\x00asm")) {
		return nil, errors.New("not a wasm module")
	}
	uleb := func(b []byte, i *int) int {
		v, n := binary.Uvarint(b[*i:])
		if n <= 0 {
			*i = len(b)
			return 0
		}
		*i += n
		return int(v)
	}
	var names []string
	for i := 8; i < len(b); {
		id := b[i]
		i++
		size := uleb(b, &i)
		end := i + size
		if end > len(b) {
			return nil, errors.New("truncated module")
		}
		if id == 0 { // a custom section: is it "name"?
			j := i
			l := uleb(b, &j)
			if j+l <= end && string(b[j:j+l]) == "name" {
				for j += l; j < end; {
					sub := b[j]
					j++
					ssize := uleb(b, &j)
					send := j + ssize
					if sub == 1 { // function names: index, name
						for n := uleb(b, &j); n > 0 && j < send; n-- {
							uleb(b, &j)
							l := uleb(b, &j)
							if j+l > send {
								return nil, errors.New("bad name section")
							}
							names = append(names, string(b[j:j+l]))
							j += l
						}
					}
					j = send
				}
			}
		}
		i = end
	}
	return names, nil
}

// The page's module holds no OpenPGP: writing, reading and checking keys
// for an export run in the worker module (internal/worker/jobs), which
// links internal/export and gopenpgp (and go-mime's CJK tables, 0.56 MB).
func TestPageHasNoOpenPGP(t *testing.T) {
	banned := func(pkg string) bool {
		return pkg == "backpack/internal/export" || pkg == "backpack/internal/worker/jobs" || pkg == "backpack/internal/seipd" ||
			strings.HasPrefix(pkg, "github.com/ProtonMail/")
	}
	page := wasmList(t)("-deps", "./cmd/backpack")
	if len(page) == 0 {
		t.Fatal("no dependencies listed for cmd/backpack")
	}
	for _, pkg := range page {
		if banned(pkg) {
			t.Errorf("cmd/backpack links %s", pkg)
		}
	}
	found := false
	for _, pkg := range wasmList(t)("-deps", "./cmd/worker") {
		found = found || pkg == "github.com/ProtonMail/gopenpgp/v2/crypto"
	}
	if !found {
		t.Error("cmd/worker does not link gopenpgp: where are exports written?")
	}
}

// wasmList returns a function that runs go list for js/wasm at the module's root.
func wasmList(t *testing.T) func(args ...string) []string {
	goCmd := goCommand()
	if goCmd == "" {
		t.Skip("no go command")
	}
	return func(args ...string) []string {
		t.Helper()
		cmd := exec.Command(goCmd, append([]string{"list"}, args...)...)
		cmd.Dir = "../.."
		cmd.Env = append(os.Environ(), "GOOS=js", "GOARCH=wasm")
		out, err := cmd.Output()
		if err != nil {
			msg := ""
			if ee, ok := err.(*exec.ExitError); ok {
				msg = string(ee.Stderr)
			}
			t.Fatalf("go list %v: %v\n%s", args, err, msg)
		}
		return strings.Fields(string(out))
	}
}

// goCommand is the go command of this toolchain, or "".
func goCommand() string {
	goCmd := filepath.Join(runtime.GOROOT(), "bin", "go")
	if _, err := os.Stat(goCmd); err != nil {
		if goCmd, err = exec.LookPath("go"); err != nil {
			return ""
		}
	}
	return goCmd
}

// The page's module does not pull a portal's record: the pull (paged
// searches, references, attachments) and reading what came as an imported
// FHIR Bundle run in the worker module (internal/worker/jobs' pull job),
// so the page links neither portal's puller nor the importer's JSON
// reader. Discovery, sign-in and the token exchange stay on the page (the
// OAuth redirect comes back to it).
func TestPageHasNoPortalPull(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the wasm module")
	}
	wasmList(t) // skips without a go command
	mangle := regexp.MustCompile(`[^\w.]`)
	out := filepath.Join(t.TempDir(), "m.wasm")
	cmd := exec.Command(goCommand(), "build", "-trimpath", "-o", out, "./cmd/backpack")
	cmd.Dir = "../.."
	cmd.Env = append(os.Environ(), "GOOS=js", "GOARCH=wasm")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, b)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	names, err := wasmFuncNames(b)
	if err != nil {
		t.Fatal(err)
	}
	if len(names) < 1000 {
		t.Fatalf("%d function names: no name section?", len(names))
	}
	for p, why := range pageHasNot {
		pm := mangle.ReplaceAllString(p, "_")
		for _, n := range names {
			if strings.HasPrefix(n, pm) {
				t.Errorf("the page's module links %s… (%s): %s", p, n, why)
				break
			}
		}
	}
}

// pageHasNot: functions (name prefixes) the page's module must not link,
// and why.
var pageHasNot = map[string]string{
	"backpack/internal/portal.(*puller).":   "the portal pull belongs in the worker",
	"backpack/internal/importer.ImportJSON": "the portal pull belongs in the worker",
	// i18n's plural rule is written out (TestFormLikeCLDR): x/text's
	// language tables were 51 KB of the page's brotli.
	"golang.org/x/text/feature/plural.": "i18n picks plural forms without x/text",
	"golang.org/x/text/language.":       "i18n picks plural forms without x/text",
	// QR codes are drawn in the worker (internal/qr; 43 KB of brotli with
	// image/png, which go-qrcode links for its PNG output).
	"github.com/skip2/go-qrcode.": "QR codes are drawn in the worker",
	"image/png.":                  "QR codes are drawn in the worker",
	// A health link's FHIR JSON and cards are read in the worker, as
	// imported files are (with the importer's readers: 99 KB of brotli).
	"backpack/internal/importer.importBytes": "the viewer reads a link's files in the worker",
	"backpack/internal/importer.importSHC":   "the viewer reads a link's files in the worker",
}
