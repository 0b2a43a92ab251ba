//go:build !(js && wasm)

package ui

func syncExclusive(fn func()) bool { fn(); return true }
