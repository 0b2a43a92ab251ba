//go:build !(js && wasm)

package seipd

// WorkerURL is unused outside the browser.
var WorkerURL string

func newMDCHash() mdcHash { return newGoSHA1() }

// Prewarm does nothing outside the browser.
func Prewarm() {}
