//go:build !(js && wasm)

package ui

func watchIdle() {}
