//go:build !wasm

package main

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
)

func TestInspectJSON(t *testing.T) {
	files, _ := filepath.Glob("../../internal/importer/testdata/*.json")
	if len(files) == 0 {
		t.Skip("no importer fixtures")
	}
	var out, errOut bytes.Buffer
	if code := run(append([]string{"inspect", "--json"}, files[0]), &out, &errOut); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	var rep struct {
		File     string            `json:"file"`
		Format   string            `json:"format"`
		Patient  *json.RawMessage  `json:"patient"`
		Counts   map[string]int    `json:"counts"`
		Problems []json.RawMessage `json:"problems"`
	}
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out.String())
	}
	if rep.File != files[0] || rep.Format == "" || rep.Format == "unknown" || len(rep.Counts) == 0 {
		t.Fatalf("report: %+v", rep)
	}
}

func TestInspectUnreadableExitsNonZero(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := run([]string{"inspect", "no-such-file.json"}, &out, &errOut); code != 1 {
		t.Fatalf("exit %d", code)
	}
	if !strings.Contains(out.String(), "no-such-file.json") {
		t.Fatalf("output: %s", out.String())
	}
}

func TestUnknownCommand(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := run([]string{"frobnicate"}, &out, &errOut); code != 2 {
		t.Fatalf("exit %d", code)
	}
}
