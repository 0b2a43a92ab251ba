//go:build !(js && wasm)

package export

// newFileHash returns the hash for a file of the given size.
func newFileHash(size int64) fileHash { return newGoHash() }
