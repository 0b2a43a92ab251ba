//go:build !(js && wasm)

package ui

import (
	"context"
	"errors"
)

// On the host (pages rendered by the server, tests) the word lists are not
// fetched: the meter says "Checking…".
const wordListsFetchable = false

func fetchWordLists(context.Context) ([]byte, error) {
	return nil, errors.New("word lists: browser only")
}
