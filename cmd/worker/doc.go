//go:build !(js && wasm)

// Command worker is Backpack's worker module; it builds for js/wasm only
// (GOOS=js GOARCH=wasm go build ./cmd/worker; the Makefile does).
package main

import (
	"fmt"
	"os"
)

func main() {
	fmt.Fprintln(os.Stderr, "worker: build with GOOS=js GOARCH=wasm (see the Makefile)")
	os.Exit(2)
}
