//go:build js && wasm

package ui

import (
	"context"
	"errors"
	"strconv"
	"strings"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"backpack/internal/vault"
)

const wordListsFetchable = true

// fetchWordLists GETs web/zxcvbn.dat at this version's URL (immutable,
// brotli from the server, precached by the service worker), on this
// origin.
func fetchWordLists(ctx context.Context) ([]byte, error) {
	web := app.Getenv("GOAPP_STATIC_RESOURCES_URL")
	if web == "" {
		web = "/web"
	}
	b, status, err := connectGet(ctx, connectOrigin()+strings.TrimSuffix(web, "/")+"/"+vault.WordListsFile)
	if err == nil && status != 200 {
		err = errors.New("word lists: status " + strconv.Itoa(status))
	}
	return b, err
}
