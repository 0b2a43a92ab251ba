// Package importer reads health records in FHIR-family formats — FHIR R4
// JSON or XML (bundles of any type, single resources, Patient/$everything output),
// bulk NDJSON, International Patient Summary documents and SMART Health
// Cards — and, through a converter hook, C-CDA documents. Everything is pure
// Go over an io.Reader plus a file name, so the same code runs on the host
// and in the browser.
//
// Import never fails halfway silently: it returns an error only for a file
// that cannot be read at all (too large, not JSON, truncated, nested too
// deeply, …); everything else that goes wrong with a part of a file is a
// Problem in the Result, and the rest is kept.
//
// The input is held once: resources' JSON are sub-slices of the (unzipped)
// input, never re-encoded.
package importer

import (
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"strings"

	"backpack/internal/fhir"
)

// Format names a file format.
type Format string

const (
	FormatBundle   Format = "fhir-bundle"   // FHIR R4 Bundle of any type
	FormatResource Format = "fhir-resource" // one FHIR R4 resource (or a JSON array of them)
	FormatNDJSON   Format = "ndjson"        // bulk FHIR NDJSON
	FormatIPS      Format = "ips"           // International Patient Summary document bundle
	FormatCCDA     Format = "ccda"          // HL7 C-CDA XML document
	FormatSHC      Format = "shc"           // SMART Health Card (file, numeric QR text or JWS)
	FormatPortal   Format = "portal"        // fetched from a health system's FHIR server (internal/portal)
	FormatUnknown  Format = "unknown"
)

// Severity of a Problem.
const (
	SevError   = "error"   // something was not imported, or must not be trusted
	SevWarning = "warning" // imported, but look at it
	SevInfo    = "info"    // worth knowing
)

// Problem is one issue found in part of a file. Code is stable and is also
// the i18n key "import.problem.<code>". Where locates it (a line, an entry
// index, a JSON path) and Detail explains it; neither ever holds a health
// value from the file.
type Problem struct {
	Severity string `json:"severity"`
	Code     string `json:"code"`
	Where    string `json:"where,omitempty"`
	Detail   string `json:"detail,omitempty"`
}

// Result is what one file (or several, see Merge) held.
type Result struct {
	File      string          // file name as given
	Format    Format          // what the file turned out to be
	Patient   *fhir.Resource  // the subject (first Patient found), nil if none
	Resources []fhir.Resource // everything else, in file order, references kept
	Files     []File          // documents embedded in Resources, decoded (see File)
	Counts    map[string]int  // resources by resourceType, the Patient included
	Problems  []Problem
	Source    string // source system: meta.source, card issuer, author organization
	Verified  *bool  // SMART Health Cards only: signature checked against a known key
	Cards     []Card // SMART Health Cards only: what CheckCards checks

	unreadCards bool // a card could not be decoded: never verified
}

// Total is the number of resources read, the Patient included.
func (r Result) Total() int {
	n := len(r.Resources)
	if r.Patient != nil {
		n++
	}
	return n
}

// HasErrors reports whether any problem has error severity.
func (r Result) HasErrors() bool {
	for _, p := range r.Problems {
		if p.Severity == SevError {
			return true
		}
	}
	return false
}

// DefaultMaxBytes bounds input (compressed and uncompressed) when Options.MaxBytes is 0.
const DefaultMaxBytes = 64 << 20

// MaxDepth is the deepest JSON nesting accepted. FHIR resources need about 12.
const MaxDepth = 100

// Options tune an import.
type Options struct {
	MaxBytes int64 // largest input accepted, before and after unzipping; 0 means DefaultMaxBytes
	Keys     JWKS  // SMART Health Card issuer keys known to the caller; never fetched
}

func (o Options) max() int64 {
	if o.MaxBytes <= 0 {
		return DefaultMaxBytes
	}
	return o.MaxBytes
}

// Error is returned for a file that cannot be read at all. Code is stable
// and is also the i18n key "import.error.<code>". Line and Offset locate the
// fault when known (1-based line, 0-based byte offset in the unzipped input).
type Error struct {
	Code   string
	Line   int
	Offset int64
	Err    error // underlying cause, may be nil; never holds file content
}

// Error codes.
const (
	ErrCodeRead      = "read"      // the reader failed
	ErrCodeTooLarge  = "too-large" // larger than Options.MaxBytes
	ErrCodeGzip      = "gzip"      // broken gzip data
	ErrCodeEmpty     = "empty"     // nothing in the file
	ErrCodeSyntax    = "syntax"    // malformed JSON
	ErrCodeTruncated = "truncated" // JSON that ends too early
	ErrCodeTooDeep   = "too-deep"  // JSON nested deeper than MaxDepth
	ErrCodeNotFHIR   = "not-fhir"  // valid JSON, but no FHIR resource in it
	ErrCodeUnknown   = "unknown"   // not a format Backpack reads
	ErrCodeSHC       = "shc"       // a SMART Health Card that cannot be decoded
	ErrCodeNoCCDA    = "ccda-unavailable"
	ErrCodeCCDA      = "ccda"     // the C-CDA converter failed
	ErrCodeInternal  = "internal" // a reader failed on this file (a bug, caught)
)

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("importer: ")
	b.WriteString(e.Code)
	if e.Line > 0 {
		fmt.Fprintf(&b, " at line %d", e.Line)
	}
	if e.Line > 0 || e.Offset > 0 {
		fmt.Fprintf(&b, " (byte offset %d)", e.Offset)
	}
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// errAt builds an Error at offset off of b, computing the line.
func errAt(code string, b []byte, off int64, cause error) *Error {
	if off < 0 {
		off = 0
	}
	if off > int64(len(b)) {
		off = int64(len(b))
	}
	return &Error{Code: code, Offset: off, Line: 1 + bytes.Count(b[:off], []byte{'\n'}), Err: cause}
}

// ConvertCCDA converts a C-CDA XML document. It is set by the C-CDA
// converter's wiring (see ccda.go); while nil, C-CDA files get an
// ErrCodeNoCCDA error.
var ConvertCCDA func(name string, r io.Reader, opts Options) (Result, error)

// Import reads one file. name is used for detection (extension) and in the
// Result; r is read to the end, up to opts.MaxBytes. Gzip input is unzipped
// transparently. On error, the Result still holds whatever could be read.
func Import(name string, r io.Reader, opts Options) (Result, error) {
	b, err := readAll(r, opts.max())
	if err != nil {
		return Result{File: name, Format: FormatUnknown, Counts: map[string]int{}}, err
	}
	return ImportBytes(name, b, opts)
}

// ImportBytes is Import for input already in memory. The Result's resources
// alias b (or its unzipped copy): do not modify b afterwards.
//
// A panic in a reader is an ErrCodeInternal error, never a dead app.
func ImportBytes(name string, b []byte, opts Options) (res Result, err error) {
	defer func() {
		if p := recover(); p != nil {
			// The panic's value is not kept: it may quote the file.
			res, err = Result{File: name, Format: FormatUnknown, Counts: map[string]int{}}, &Error{Code: ErrCodeInternal}
		}
	}()
	return importBytes(name, b, opts)
}

// ImportJSON is ImportBytes for FHIR JSON only (a Bundle, resources or
// NDJSON, as a portal pull assembles): no gzip, XML, C-CDA or health
// cards. A module that reads only JSON (the page, after a portal pull)
// then links none of the other readers.
func ImportJSON(name string, b []byte, opts Options) (res Result, err error) {
	defer func() {
		if p := recover(); p != nil {
			res, err = Result{File: name, Format: FormatUnknown, Counts: map[string]int{}}, &Error{Code: ErrCodeInternal}
		}
	}()
	res = Result{File: name, Format: FormatResource, Counts: map[string]int{}}
	if int64(len(b)) > opts.max() {
		return res, &Error{Code: ErrCodeTooLarge, Offset: opts.max()}
	}
	b = bytes.TrimPrefix(b, utf8BOM)
	if t := skipWS(b, 0); t >= len(b) || b[t] != '{' && b[t] != '[' {
		return res, &Error{Code: ErrCodeUnknown}
	}
	if f := Detect(name, headOf(b)); f == FormatBundle || f == FormatIPS {
		res.Format = f
	}
	err = importJSON(&res, name, b)
	extractFiles(&res)
	finish(&res)
	return res, err
}

func importBytes(name string, b []byte, opts Options) (Result, error) {
	res := Result{File: name, Format: FormatUnknown, Counts: map[string]int{}}
	if int64(len(b)) > opts.max() {
		return res, &Error{Code: ErrCodeTooLarge, Offset: opts.max()}
	}
	if isGzip(b) {
		var err error
		if b, err = gunzip(b, opts.max()); err != nil {
			return res, err
		}
		name = strings.TrimSuffix(strings.TrimSuffix(name, ".gz"), ".GZ")
	}
	b = bytes.TrimPrefix(b, utf8BOM)
	if len(bytes.TrimSpace(b)) == 0 {
		return res, &Error{Code: ErrCodeEmpty}
	}
	f := Detect(name, headOf(b))
	if t := skipWS(b, 0); f == FormatUnknown && (b[t] == '{' || b[t] == '[') {
		f = FormatResource // let the JSON reader say what is wrong
	}
	var err error
	switch f {
	case FormatNDJSON:
		res.Format = FormatNDJSON
		err = importNDJSON(&res, name, b)
	case FormatSHC:
		res.Format = FormatSHC
		err = importSHC(&res, b, opts)
	case FormatCCDA:
		if ConvertCCDA == nil {
			return res, &Error{Code: ErrCodeNoCCDA}
		}
		var cr Result
		cr, err = ConvertCCDA(name, bytes.NewReader(b), opts)
		cr.File, cr.Format = res.File, FormatCCDA
		if cr.Counts == nil {
			cr.Counts = map[string]int{}
		}
		res = cr
	case FormatBundle, FormatResource, FormatIPS:
		if b[skipWS(b, 0)] == '<' {
			err = importFHIRXML(&res, name, b, opts)
		} else {
			err = importJSON(&res, name, b)
		}
	default:
		return res, &Error{Code: ErrCodeUnknown}
	}
	extractFiles(&res)
	finish(&res)
	return res, err
}

var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

func headOf(b []byte) []byte {
	if len(b) > 8192 {
		return b[:8192]
	}
	return b
}

func isGzip(b []byte) bool { return len(b) >= 2 && b[0] == 0x1f && b[1] == 0x8b }

// readAll reads r up to max bytes; more is ErrCodeTooLarge.
func readAll(r io.Reader, max int64) ([]byte, error) {
	var buf bytes.Buffer
	n, err := buf.ReadFrom(io.LimitReader(r, max+1))
	if err != nil {
		return nil, &Error{Code: ErrCodeRead, Err: errors.Unwrap(err)}
	}
	if n > max {
		return nil, &Error{Code: ErrCodeTooLarge, Offset: max}
	}
	return buf.Bytes(), nil
}

// gunzip unzips b (possibly several members), at most max bytes out.
func gunzip(b []byte, max int64) ([]byte, error) {
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		return nil, &Error{Code: ErrCodeGzip}
	}
	var out bytes.Buffer
	// The gzip trailer holds the uncompressed size (mod 2^32) of the last
	// member: use it to allocate once when it is plausible.
	if len(b) >= 4 {
		isize := int64(uint32(b[len(b)-4]) | uint32(b[len(b)-3])<<8 | uint32(b[len(b)-2])<<16 | uint32(b[len(b)-1])<<24)
		if isize > 0 && isize <= max {
			out.Grow(int(isize) + bytes.MinRead)
		}
	}
	n, err := out.ReadFrom(io.LimitReader(zr, max+1))
	if err != nil {
		return nil, &Error{Code: ErrCodeGzip, Offset: n}
	}
	if n > max {
		return nil, &Error{Code: ErrCodeTooLarge, Offset: max}
	}
	return out.Bytes(), nil
}

// finish fills what every importer leaves to the end.
func finish(res *Result) {
	if res.Counts == nil {
		res.Counts = map[string]int{}
	}
	if res.Format == FormatUnknown && res.Total() > 0 {
		res.Format = FormatResource
	}
	patientProblems(res)
}

// Merge combines results of several files read together (such as a bulk
// export's NDJSON files) into one. The first Patient found is the subject;
// Problems keep their file in Where.
func Merge(rs ...Result) Result {
	out := Result{Format: FormatUnknown, Counts: map[string]int{}}
	var names []string
	verified := true
	anyVerified := false
	var extra []fhir.Resource
	for _, r := range rs {
		names = append(names, r.File)
		if out.Format == FormatUnknown {
			out.Format = r.Format
		} else if r.Format != out.Format && r.Format != FormatUnknown {
			out.Format = FormatBundle
		}
		if out.Source == "" {
			out.Source = r.Source
		}
		if r.Verified != nil {
			anyVerified = true
			verified = verified && *r.Verified
		}
		out.unreadCards = out.unreadCards || r.unreadCards
		for _, c := range r.Cards {
			if r.File != "" {
				c.Where = r.File + ": " + c.Where
			}
			out.Cards = append(out.Cards, c)
		}
		for k, n := range r.Counts {
			out.Counts[k] += n
		}
		for _, p := range r.Problems {
			if p.Code == "no-patient" || p.Code == "multiple-patients" {
				continue // recomputed below
			}
			if r.File != "" && !strings.HasPrefix(p.Where, r.File) {
				if p.Where == "" {
					p.Where = r.File
				} else {
					p.Where = r.File + ": " + p.Where
				}
			}
			out.Problems = append(out.Problems, p)
		}
		if r.Patient != nil {
			if out.Patient == nil {
				p := *r.Patient
				out.Patient = &p
			} else {
				extra = append(extra, *r.Patient)
			}
		}
		for _, f := range r.Files {
			owners := make([]int, len(f.Owners))
			for i, o := range f.Owners {
				owners[i] = o + len(out.Resources)
			}
			f.Owners = owners
			out.Files = append(out.Files, f)
		}
		out.Resources = append(out.Resources, r.Resources...)
	}
	out.Resources = append(out.Resources, extra...)
	mergeFiles(&out)
	out.File = strings.Join(names, ", ")
	if anyVerified {
		out.Verified = &verified
	}
	patientProblems(&out)
	return out
}

// patientProblems adds the problems about the subject: none, or several.
func patientProblems(res *Result) {
	if res.Patient == nil {
		if res.Total() > 0 {
			res.Problems = append(res.Problems, Problem{Severity: SevInfo, Code: "no-patient"})
		}
		return
	}
	if n := res.Counts["Patient"]; n > 1 {
		res.Problems = append(res.Problems, Problem{Severity: SevWarning, Code: "multiple-patients",
			Detail: fmt.Sprintf("%d Patient resources; the first one is the subject", n)})
	}
}
