//go:build !(js && wasm)

package ui

import (
	"time"

	"backpack/internal/replica"
)

func syncExclusive(fn func()) bool { fn(); return true }

func syncStats(replica.Result, time.Duration) {}
