//go:build !(js && wasm)

package ui

func newVersionInstalled() bool { return false }
