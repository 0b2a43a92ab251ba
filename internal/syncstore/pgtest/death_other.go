//go:build unix && !linux && !wasm

package pgtest

import "syscall"

func dieWithParent(*syscall.SysProcAttr) {}
