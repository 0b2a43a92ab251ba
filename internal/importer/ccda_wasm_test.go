//go:build js && wasm

package importer

// The browser tests read C-CDA as the worker module does.
func init() { WireCCDA() }
