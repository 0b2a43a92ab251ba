package importer

import (
	"errors"
	"testing"
)

// ImportJSON reads JSON as ImportBytes does, and nothing else.
func TestImportJSON(t *testing.T) {
	n := 0
	for _, name := range fixtureNames("*.json") {
		b := fixture(name[len("testdata/"):])
		want, werr := ImportBytes(name, b, Options{})
		got, gerr := ImportJSON(name, b, Options{})
		if (werr == nil) != (gerr == nil) {
			t.Fatalf("%s: error %v, ImportBytes %v", name, gerr, werr)
		}
		sameResult(t, name, got, want)
		n++
	}
	if n < 4 {
		t.Fatalf("%d JSON fixtures", n)
	}
	for _, name := range []string{"observation-bp.xml", "transaction.xml"} {
		var ie *Error
		if _, err := ImportJSON(name, fixture(name), Options{}); !errors.As(err, &ie) || ie.Code != ErrCodeUnknown {
			t.Errorf("%s: %v, want %s", name, err, ErrCodeUnknown)
		}
	}
	var ie *Error
	if _, err := ImportJSON("big.json", []byte(`{"resourceType":"Patient"}`), Options{MaxBytes: 4}); !errors.As(err, &ie) || ie.Code != ErrCodeTooLarge {
		t.Errorf("too large: %v", err)
	}
}
