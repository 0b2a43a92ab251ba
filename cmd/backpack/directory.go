//go:build !wasm

package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"backpack/internal/portal"
)

// directory builds the app's built-in directory of health systems from
// public endpoint lists (see internal/portal.BuildDirectory).
func directory(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("directory", flag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.String("o", "web/"+portal.DirectoryFile, "file to write")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return errors.New("directory: give the endpoint lists (JSON files)")
	}
	var lists [][]byte
	for _, name := range fs.Args() {
		b, err := os.ReadFile(name)
		if err != nil {
			return err
		}
		lists = append(lists, b)
	}
	var buf bytes.Buffer
	n, err := portal.BuildDirectory(&buf, lists...)
	if err != nil {
		return fmt.Errorf("directory: %w", err)
	}
	if err := os.WriteFile(*out, buf.Bytes(), 0o644); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s: %d health systems, %d bytes\n", *out, n, buf.Len())
	return nil
}

// smartClients reads and checks a -smart-clients file (nil for none).
func smartClients(name string) ([]byte, error) {
	if name == "" {
		return nil, nil
	}
	b, err := os.ReadFile(name)
	if err != nil {
		return nil, err
	}
	if _, err := portal.ParseClients(b); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return b, nil
}

// writeSmartClients puts the client ids into a static site (none: nothing).
func writeSmartClients(out string, b []byte) error {
	if b == nil {
		return nil
	}
	return os.WriteFile(filepath.Join(out, strings.TrimPrefix(portal.ClientsPath, "/")), b, 0o644)
}
