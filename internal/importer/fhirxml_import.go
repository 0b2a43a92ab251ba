package importer

import (
	"errors"

	"backpack/internal/importer/fhirxml"
)

// Error codes of FHIR XML input (i18n "import.error.<code>").
const (
	ErrCodeXMLSyntax  = "fhirxml-syntax"  // not well-formed XML
	ErrCodeXMLDoctype = "fhirxml-doctype" // a document type declaration, refused
)

// importFHIRXML converts a FHIR XML resource or bundle to JSON and reads
// that like any JSON file: the Result is the same as for the JSON form.
// The converter's problems come first.
func importFHIRXML(res *Result, name string, b []byte, opts Options) error {
	js, problems, err := fhirxml.Convert(b, fhirxml.Options{MaxBytes: opts.max()})
	for _, p := range problems {
		res.Problems = append(res.Problems, Problem{Severity: p.Severity, Code: p.Code, Where: p.Where, Detail: p.Detail})
	}
	if err != nil {
		var se *fhirxml.SyntaxError
		switch {
		case errors.As(err, &se):
			return errAt(ErrCodeXMLSyntax, b, lineOffset(b, se.Line), nil)
		case errors.Is(err, fhirxml.ErrDoctype):
			return &Error{Code: ErrCodeXMLDoctype}
		case errors.Is(err, fhirxml.ErrTooDeep):
			return &Error{Code: ErrCodeTooDeep}
		case errors.Is(err, fhirxml.ErrTooLarge):
			return &Error{Code: ErrCodeTooLarge, Offset: opts.max()}
		case errors.Is(err, fhirxml.ErrNotFHIR):
			return &Error{Code: ErrCodeNotFHIR}
		}
		return &Error{Code: ErrCodeXMLSyntax}
	}
	err = importJSON(res, name, js)
	var ie *Error
	if errors.As(err, &ie) {
		ie.Line, ie.Offset = 0, 0 // they would locate the JSON, not the file
	}
	return err
}

// lineOffset is the byte offset where 1-based line n of b starts.
func lineOffset(b []byte, n int) int64 {
	off := 0
	for line := 1; line < n && off < len(b); off++ {
		if b[off] == '\n' {
			line++
		}
	}
	return int64(off)
}
