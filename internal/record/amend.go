package record

import (
	"strings"
	"time"

	"backpack/internal/i18n"
)

// Amendment is a request to a provider to correct a health record (in the
// US, the HIPAA right to amend, 45 CFR 164.526). The UI renders it as a
// printable page; Text renders it as plain text. All labels are in Lang.
type Amendment struct {
	Lang      i18n.Lang
	Date      time.Time
	Title     string
	Intro     string
	Patient   string
	BirthDate string
	Provider  string
	Items     []AmendmentItem
	Closing   string
	Labels    AmendmentLabels
}

// AmendmentItem is one entry the patient says is wrong.
type AmendmentItem struct {
	EntryID string
	Kind    string // localized kind name
	Date    string // the entry's date, YYYY-MM-DD (or partial)
	Title   string
	Says    string // what the record says
	Wrong   string // what the patient says is wrong (the flag's note)
	Source  string // where the entry came from (file or system), if known
}

// AmendmentLabels are the localized labels of the document's fields.
type AmendmentLabels struct {
	Patient, BirthDate, Date, Provider, Item, EntryDate, Says, Wrong, Source, Signature string
}

// AmendmentRequest builds the request for a profile's entries (usually
// Book.Flagged), addressed to a provider, in a language.
func AmendmentRequest(p Profile, entries []Entry, provider string, lang i18n.Lang) Amendment {
	t := func(key string, args ...any) string { return i18n.In(lang, key, args...) }
	a := Amendment{
		Lang: lang, Date: time.Now(), Title: t("record.amend.title"), Intro: t("record.amend.intro"),
		Patient: p.Name, BirthDate: p.BirthDate, Provider: provider, Closing: t("record.amend.closing"),
		Labels: AmendmentLabels{
			Patient: t("record.amend.patient"), BirthDate: t("record.amend.birthdate"), Date: t("record.amend.date"),
			Provider: t("record.amend.provider"), Item: t("record.amend.item"), EntryDate: t("record.amend.entrydate"),
			Says: t("record.amend.says"), Wrong: t("record.amend.wrong"), Source: t("record.amend.source"),
			Signature: t("record.amend.signature"),
		},
	}
	for _, e := range entries {
		it := AmendmentItem{
			EntryID: e.ID, Kind: t("record.kind." + string(e.Kind)), Date: FormatDate(e.Date, e.DatePrecision),
			Title: e.Title, Says: says(e), Source: firstNonEmpty(e.Provenance.System, e.Provenance.File),
		}
		if e.Flag != nil {
			it.Wrong = e.Flag.Note
		}
		a.Items = append(a.Items, it)
	}
	return a
}

// says renders what an entry states, on one line.
func says(e Entry) string {
	parts := []string{e.Title}
	if t := e.ResultText(); t != "" {
		parts = append(parts, t)
	}
	if e.Status != "" {
		parts = append(parts, e.Status)
	}
	if e.Who != "" {
		parts = append(parts, e.Who)
	}
	return strings.Join(parts, " — ")
}

// Text renders the request as plain text, ready to print or paste in a
// patient-portal message.
func (a Amendment) Text() string {
	var b strings.Builder
	line := func(label, value string) {
		if value != "" {
			b.WriteString(label + ": " + value + "\n")
		}
	}
	b.WriteString(a.Title + "\n" + strings.Repeat("=", len([]rune(a.Title))) + "\n\n")
	line(a.Labels.Date, a.Date.Format(time.DateOnly))
	line(a.Labels.Provider, a.Provider)
	line(a.Labels.Patient, a.Patient)
	line(a.Labels.BirthDate, a.BirthDate)
	b.WriteString("\n" + a.Intro + "\n")
	for i, it := range a.Items {
		b.WriteString("\n" + a.Labels.Item + " " + itoa(i+1) + ": " + it.Kind + "\n")
		line("  "+a.Labels.EntryDate, it.Date)
		line("  "+a.Labels.Says, it.Says)
		line("  "+a.Labels.Wrong, it.Wrong)
		line("  "+a.Labels.Source, it.Source)
	}
	b.WriteString("\n" + a.Closing + "\n\n" + a.Labels.Signature + ": ______________________________\n")
	return b.String()
}

func itoa(i int) string {
	if i < 10 {
		return string(rune('0' + i))
	}
	return itoa(i/10) + string(rune('0'+i%10))
}
