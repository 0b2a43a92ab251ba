//go:build !(js && wasm)

package ui

import (
	"context"

	"backpack/internal/importer"
	"backpack/internal/worker"
)

// recordImportStats is browser-only (see import_js.go).
func recordImportStats(importTiming) {}

// importRead reads one file (in this process on the host).
func importRead(_ context.Context, f jsFile, keys importer.JWKS, progress func(read int64)) (worker.Parsed, error) {
	return importServe(f.Name(), f.Size(), f.Open, keys, progress)
}
