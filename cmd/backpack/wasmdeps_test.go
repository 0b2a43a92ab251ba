//go:build !wasm

package main

import (
	"os"
	"os/exec"
	"path/filepath"
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
	goCmd := filepath.Join(runtime.GOROOT(), "bin", "go")
	if _, err := os.Stat(goCmd); err != nil {
		if goCmd, err = exec.LookPath("go"); err != nil {
			t.Skip("no go command")
		}
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
