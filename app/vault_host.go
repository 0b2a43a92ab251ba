//go:build !(js && wasm)

package ui

import (
	"context"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"backpack/internal/i18n"
)

func storagePersisted(ctx context.Context) (bool, error) { return false, errNoBrowser }
func vaultFocus(ctx app.Context, id string)              {}
func switchLangLive(i18n.Lang)                           {}
