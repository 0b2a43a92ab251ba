//go:build !(js && wasm)

package ui

// precacheWorker is browser-only (see worker_js.go).
func precacheWorker() {}

// workerPrewarm: on the host, files are read in this process.
func workerPrewarm() {}
