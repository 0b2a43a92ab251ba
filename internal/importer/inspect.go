package importer

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"

	"backpack/internal/fhir"
	"backpack/internal/i18n"
)

// Report is what `backpack inspect` shows for one file.
type Report struct {
	File     string         `json:"file"`
	Format   Format         `json:"format"`
	Patient  *PatientInfo   `json:"patient"` // null when the file names no patient
	Counts   map[string]int `json:"counts"`
	Files    []FileSummary  `json:"files,omitempty"` // embedded documents (see File)
	Problems []Problem      `json:"problems"`
}

// FileSummary is an embedded document as inspect lists it.
type FileSummary struct {
	Name   string `json:"name"`
	Type   string `json:"type"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

// PatientInfo is the subject as a person reads it.
type PatientInfo struct {
	Name      string `json:"name"`
	BirthDate string `json:"birthDate"`
}

// Inspect imports one file and summarizes it. The error is Import's: the
// file could not be read at all (the command's exit status must say so);
// the Report then also carries it as an error-severity problem.
func Inspect(name string, r io.Reader, opts Options) (Report, error) {
	res, err := Import(name, r, opts)
	rep := NewReport(res)
	if err != nil {
		p := Problem{Severity: SevError, Code: "unreadable", Detail: err.Error()}
		var e *Error
		if errors.As(err, &e) {
			p.Code = e.Code
			if e.Line > 0 {
				p.Where = fmt.Sprintf("line %d, byte %d", e.Line, e.Offset)
			}
			p.Detail = ""
			if e.Err != nil {
				p.Detail = e.Err.Error()
			}
		}
		rep.Problems = append(rep.Problems, p)
	}
	return rep, err
}

// NewReport summarizes a Result.
func NewReport(res Result) Report {
	rep := Report{File: res.File, Format: res.Format, Counts: res.Counts, Problems: res.Problems}
	if rep.Counts == nil {
		rep.Counts = map[string]int{}
	}
	if rep.Problems == nil {
		rep.Problems = []Problem{}
	}
	if rep.Format == "" {
		rep.Format = FormatUnknown
	}
	if res.Patient != nil {
		n, bd := PatientName(*res.Patient)
		rep.Patient = &PatientInfo{Name: n, BirthDate: bd}
	}
	for _, f := range res.Files {
		rep.Files = append(rep.Files, FileSummary{Name: f.Name, Type: f.Type, Size: f.Size, SHA256: f.SHA256})
	}
	return rep
}

// PatientName returns a Patient's display name (the official name, else the
// first; its text, else given names and family) and birth date.
func PatientName(p fhir.Resource) (name, birthDate string) {
	var v struct {
		Name []struct {
			Use    string   `json:"use"`
			Text   string   `json:"text"`
			Family string   `json:"family"`
			Given  []string `json:"given"`
		} `json:"name"`
		BirthDate string `json:"birthDate"`
	}
	if json.Unmarshal(p.JSON, &v) != nil {
		return "", ""
	}
	best := -1
	for i, n := range v.Name {
		if best < 0 || n.Use == "official" && v.Name[best].Use != "official" {
			best = i
		}
	}
	if best >= 0 {
		n := v.Name[best]
		name = strings.TrimSpace(n.Text)
		if name == "" {
			name = strings.TrimSpace(strings.Join(append(append([]string(nil), n.Given...), n.Family), " "))
		}
	}
	return name, v.BirthDate
}

// WriteJSON writes the report as one JSON object and a newline:
// {"file","format","patient":{"name","birthDate"},"counts":{type:n},"problems":[…]}.
func (r Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return enc.Encode(r)
}

// WriteText writes the report for a person, in the current i18n language:
// format, patient name and birth date, counts by resource type, embedded
// documents, every problem.
func (r Report) WriteText(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "%s\n", r.File)
	fmt.Fprintf(&b, "  %s: %s\n", i18n.T("import.inspect.format"), i18n.T("import.format."+string(r.Format)))
	if r.Patient != nil {
		name := r.Patient.Name
		if name == "" {
			name = i18n.T("import.inspect.noname")
		}
		fmt.Fprintf(&b, "  %s: %s", i18n.T("import.inspect.patient"), name)
		if r.Patient.BirthDate != "" {
			fmt.Fprintf(&b, " (%s %s)", i18n.T("import.inspect.born"), r.Patient.BirthDate)
		}
		b.WriteByte('\n')
	} else {
		fmt.Fprintf(&b, "  %s: %s\n", i18n.T("import.inspect.patient"), i18n.T("import.inspect.nopatient"))
	}
	types := make([]string, 0, len(r.Counts))
	total := 0
	width := 0
	for t, n := range r.Counts {
		types = append(types, t)
		total += n
		width = max(width, len(t))
	}
	sort.Strings(types)
	fmt.Fprintf(&b, "  %s: %d\n", i18n.T("import.inspect.resources"), total)
	for _, t := range types {
		fmt.Fprintf(&b, "    %-*s %6d\n", width, t, r.Counts[t])
	}
	if len(r.Files) > 0 {
		fmt.Fprintf(&b, "  %s: %s\n", i18n.T("importui.files"), i18n.N("importui.files.count", len(r.Files)))
		for _, f := range r.Files {
			fmt.Fprintf(&b, "    %s (%s, %s)\n", f.Name, f.Type, i18n.Size(i18n.Current(), f.Size))
		}
	}
	if len(r.Problems) == 0 {
		fmt.Fprintf(&b, "  %s\n", i18n.T("import.inspect.noproblems"))
	} else {
		fmt.Fprintf(&b, "  %s: %d\n", i18n.T("import.inspect.problems"), len(r.Problems))
		for _, p := range r.Problems {
			fmt.Fprintf(&b, "    %-7s %s", i18n.T("import.severity."+p.Severity), ProblemMessage(p))
			if p.Where != "" {
				fmt.Fprintf(&b, " [%s]", p.Where)
			}
			if p.Detail != "" {
				fmt.Fprintf(&b, " — %s", p.Detail)
			}
			b.WriteByte('\n')
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// ProblemMessage is the problem's message in the current language
// (i18n key "import.problem.<code>", or "import.error.<code>" for
// whole-file errors); an unknown code shows as itself.
func ProblemMessage(p Problem) string {
	for _, k := range []string{"import.problem." + p.Code, "import.error." + p.Code} {
		if i18n.Has(k) {
			return i18n.T(k)
		}
	}
	return p.Code
}

// HasErrors reports whether the report holds an error-severity problem.
func (r Report) HasErrors() bool {
	for _, p := range r.Problems {
		if p.Severity == SevError {
			return true
		}
	}
	return false
}
