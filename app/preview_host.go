//go:build !(js && wasm)

package ui

import (
	"context"

	"github.com/maxence-charriere/go-app/v10/pkg/app"
)

func (w *blobWriter) DataURL(ctx context.Context, name string) (app.Value, error) {
	return nil, errNoBrowser
}
