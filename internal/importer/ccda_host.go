//go:build !(js && wasm)

package importer

func init() { WireCCDA() }
