//go:build !(js && wasm)

package export

func webIterHash(data []byte, count int) ([]byte, bool) { return nil, false }
