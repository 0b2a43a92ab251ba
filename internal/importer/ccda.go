package importer

import (
	"errors"
	"io"

	"backpack/internal/importer/ccda"
)

// WireCCDA sets ConvertCCDA to the C-CDA converter. The host wires it
// always (ccda_host.go); in the browser only the worker module does, so
// the page's module does not link the converter.
func WireCCDA() { ConvertCCDA = convertCCDA }

// convertCCDA runs the C-CDA converter and turns its Document into a Result.
func convertCCDA(name string, r io.Reader, opts Options) (Result, error) {
	res := Result{File: name, Format: FormatCCDA, Counts: map[string]int{}}
	doc, err := ccda.Convert(r, ccda.Options{MaxBytes: opts.max()})
	if err != nil {
		code := ErrCodeCCDA
		switch {
		case errors.Is(err, ccda.ErrTooLarge):
			code = ErrCodeTooLarge
		case errors.Is(err, ccda.ErrTooDeep):
			code = ErrCodeTooDeep
		}
		return res, &Error{Code: code, Err: err}
	}
	res.Patient = doc.Patient
	res.Resources = doc.Resources
	res.Source = doc.Source
	if res.Patient != nil {
		res.Counts[res.Patient.Type]++
	}
	for _, x := range res.Resources {
		res.Counts[x.Type]++
	}
	for _, p := range doc.Problems {
		res.Problems = append(res.Problems, Problem{Severity: p.Severity, Code: p.Code, Where: p.Where, Detail: p.Detail})
	}
	res.Files = ccdaFiles(doc)
	return res, nil
}

// ccdaFiles are the converter's decoded documents as Files, each owned by
// the resource whose attachment points at it (the same bytes twice: one
// File, both owners).
func ccdaFiles(doc ccda.Document) []File {
	if len(doc.Files) == 0 {
		return nil
	}
	at := map[string]int{}
	for i, r := range doc.Resources {
		at[r.Type+"/"+r.ID] = i
	}
	var out []File
	bySHA := map[string]int{}
	for _, f := range doc.Files {
		owner, ok := at[f.Resource]
		if !ok {
			continue // its resource was not kept
		}
		if i, dup := bySHA[f.SHA256]; dup {
			if !has(out[i].Owners, owner) {
				out[i].Owners = append(out[i].Owners, owner)
			}
			continue
		}
		bySHA[f.SHA256] = len(out)
		out = append(out, File{Name: fileName(f.Title, doc.Resources[owner].Type, f.Type), Type: f.Type,
			Size: int64(len(f.Data)), SHA256: f.SHA256, Data: f.Data, Owners: []int{owner}, titled: f.Title != ""})
	}
	return out
}
