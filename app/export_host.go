//go:build !(js && wasm)

package ui

func xpSave(u, name string)                            {}
func xpReadText(f jsFile, limit int64) (string, error) { return "", errNoBrowser }

func xpPublishStats(name string, m map[string]float64) {}
