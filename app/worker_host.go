//go:build !(js && wasm)

package ui

// precacheWorker is browser-only (see worker_js.go).
func precacheWorker() {}
