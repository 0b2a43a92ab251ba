//go:build !wasm

package syncstore

import (
	"encoding/json"
	"os"

	"backpack/internal/syncproto"
)

func writePush(f *os.File, p syncproto.Push) error { return json.NewEncoder(f).Encode(p) }

func readPush(name string) (syncproto.Push, error) {
	var p syncproto.Push
	b, err := os.ReadFile(name)
	if err == nil {
		err = json.Unmarshal(b, &p)
	}
	return p, err
}
