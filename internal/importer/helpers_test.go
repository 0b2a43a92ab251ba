package importer

import (
	"embed"
	"io/fs"
	"path"

	"backpack/internal/fhir"
)

type fhirResource = fhir.Resource

// fixtures are embedded so that the tests also run in the browser (wasm),
// where there is no file system.
//
//go:embed testdata/*.json testdata/*.ndjson testdata/*.xml
var fixtures embed.FS

func fixture(name string) []byte {
	b, err := fixtures.ReadFile(path.Join("testdata", name))
	if err != nil {
		panic(err)
	}
	return b
}

func fixtureNames(pattern string) []string {
	m, _ := fs.Glob(fixtures, path.Join("testdata", pattern))
	return m
}
