package record

import (
	"testing"

	"backpack/internal/i18n"
)

// Every kind, form field, choice and error key has a message.
func TestMessagesExist(t *testing.T) {
	keys := map[string]bool{}
	for _, k := range Kinds {
		keys["record.kind."+string(k)] = true
	}
	for _, k := range ManualKinds {
		for _, f := range Fields(k) {
			keys["record.field."+f.Name] = true
			for _, c := range f.Choices {
				keys["record.choice."+f.Name+"."+c] = true
			}
		}
	}
	for _, k := range []string{"required", "date", "number", "choice", "email", "phone", "toolong", "range", "order", "reaction", "abated", "kind"} {
		keys["record.err."+k] = true
	}
	for k := range keys {
		if !i18n.Has(k) {
			t.Errorf("missing message %s", k)
		}
	}
}
