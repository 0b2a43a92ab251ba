package record

import (
	"maps"
	"time"
)

// Draft is a form a person left before saving it: the values typed, kept
// encrypted in the vault like every record (never in plaintext storage), so
// that the form can offer them back — after another page, a lock or a
// reload. Key names the form (see the app); one draft per form. Drafts are
// never exported.
type Draft struct {
	ID      string            `json:"id"`
	Key     string            `json:"key"`               // which form: "add:lab", "edit:<entry id>", "note:<entry id>"…
	Profile string            `json:"profile,omitempty"` // whose record it was typed for
	Fields  map[string]string `json:"fields"`
	Updated time.Time         `json:"updated"`
}

// EncodeDraft encodes a draft (header only).
func EncodeDraft(d Draft) []byte { return marshalHeader(RecordDraft, d) }

// Same reports whether two drafts hold the same values.
func (d Draft) Same(o Draft) bool { return d.Profile == o.Profile && maps.Equal(d.Fields, o.Fields) }
