//go:build !wasm

package main

import (
	"fmt"
	"io"
)

// inspect is wired to internal/importer once that lands.
func inspect(args []string, stdout, stderr io.Writer) int {
	fmt.Fprintln(stderr, "backpack: inspect is not available in this build yet")
	return 2
}
