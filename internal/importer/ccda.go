package importer

import (
	"errors"
	"io"

	"backpack/internal/importer/ccda"
)

func init() { ConvertCCDA = convertCCDA }

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
	return res, nil
}
