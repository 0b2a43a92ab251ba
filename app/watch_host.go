//go:build !(js && wasm)

package ui

func watchIdle() {}

func address() string { return "" }
