//go:build !(js && wasm)

package ui

func xpSave(u, name string)                            {}
func xpReadText(f jsFile, limit int64) (string, error) { return "", errNoBrowser }

func xpPublishStats(name string, m map[string]float64) {}

// perfMark marks a stage of long work on the page's timeline (the Long
// Tasks listing of the benches, BACKPACK_LONGTASKS=1): a stage's name only,
// never anything of the record.
func perfMark(name string) {}
