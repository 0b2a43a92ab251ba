//go:build !(js && wasm)

package ui

import "backpack/internal/i18n"

func setLang(l i18n.Lang) { i18n.SetLang(l) }

func markMounted() {}
