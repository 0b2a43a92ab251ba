//go:build !(js && wasm)

package ui

// recordImportStats is browser-only (see import_js.go).
func recordImportStats(importTiming) {}
