//go:build !(js && wasm)

package ui

import (
	"context"

	"backpack/internal/importer"
)

// recordImportStats is browser-only (see import_js.go).
func recordImportStats(importTiming) {}

// importRead reads one file (importParse: in this process on the host).
func importRead(_ context.Context, f jsFile, keys importer.JWKS, progress func(read int64)) (importer.Result, error) {
	return importParse(f.Name(), f.Size(), f.Open, keys, progress)
}
