//go:build !wasm

package main

import (
	"flag"
	"fmt"
	"io"
	"os"

	"backpack/internal/importer"
)

// inspect prints, for each file, the detected format, the patient, counts by
// resource type and every problem, as text or (--json) one JSON object a line.
// It exits 1 when any file could not be read.
func inspect(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("inspect", flag.ContinueOnError)
	fs.SetOutput(stderr)
	asJSON := fs.Bool("json", false, "print one JSON object per file")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() == 0 {
		fmt.Fprintln(stderr, "backpack inspect: give one or more files")
		return 2
	}
	status := 0
	for _, name := range fs.Args() {
		rep, err := inspectFile(name)
		if err != nil {
			status = 1
		}
		if *asJSON {
			rep.WriteJSON(stdout)
		} else {
			rep.WriteText(stdout)
		}
	}
	return status
}

func inspectFile(name string) (importer.Report, error) {
	f, err := os.Open(name)
	if err != nil {
		rep := importer.Report{File: name, Format: "unknown", Counts: map[string]int{}, Problems: []importer.Problem{{
			Severity: importer.SevError, Code: importer.ErrCodeRead, Detail: "cannot open the file",
		}}}
		return rep, err
	}
	defer f.Close()
	return importer.Inspect(name, f, importer.Options{})
}
