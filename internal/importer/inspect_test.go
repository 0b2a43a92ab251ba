package importer

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"backpack/internal/i18n"
)

func TestInspectJSON(t *testing.T) {
	rep, err := Inspect("searchset.json", bytes.NewReader(fixture("searchset.json")), Options{})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := rep.WriteJSON(&buf); err != nil {
		t.Fatal(err)
	}
	// Exactly these members, in this order.
	want := `{"file":"searchset.json","format":"fhir-bundle","patient":{"name":"Ana Testperson","birthDate":"1980-02-29"},` +
		`"counts":{"Condition":1,"Observation":1,"Patient":1,"Practitioner":1},"problems":[` +
		`{"severity":"warning","code":"paged","detail":"Bundle.link has relation \"next\": only this page is in the file"},` +
		`{"severity":"warning","code":"operation-outcome","where":"entry[4].resource.issue[0]","detail":"server issue: processing"}]}` + "\n"
	if buf.String() != want {
		t.Fatalf("JSON:\n%s\nwant:\n%s", buf.String(), want)
	}
	if strings.Contains(buf.String(), "Some resources were not returned") {
		t.Fatal("free text from the file in a problem")
	}
}

func TestInspectNoPatientAndError(t *testing.T) {
	rep, err := Inspect("x.json", strings.NewReader("{\"resourceType\":\"Bundle\",\n\"entry\":[{"), Options{})
	wantCode(t, err, ErrCodeTruncated)
	var buf bytes.Buffer
	rep.WriteJSON(&buf)
	var m map[string]any
	if err := json.Unmarshal(buf.Bytes(), &m); err != nil {
		t.Fatal(err)
	}
	if len(m) != 5 || m["patient"] != nil || m["format"] != "unknown" {
		t.Fatalf("%s", buf.String())
	}
	ps := m["problems"].([]any)
	if len(ps) != 1 || ps[0].(map[string]any)["code"] != "truncated" || ps[0].(map[string]any)["where"] != "line 2, byte 36" {
		t.Fatalf("%s", buf.String())
	}
	if !rep.HasErrors() {
		t.Fatal("HasErrors")
	}
}

func TestInspectText(t *testing.T) {
	defer i18n.SetLang(i18n.Current())
	for _, tt := range []struct {
		lang i18n.Lang
		want []string
	}{
		{i18n.English, []string{"collection.json\n", "Format: FHIR R4 bundle", "Patient: Ana Testperson (born 1980-02-29)",
			"Resources: 5", "MedicationStatement      1", "Problems: 1",
			"error   An item in the file is not a health record and was skipped. [entry[4].resource] — no resourceType"}},
		{i18n.Spanish, []string{"Formato: Paquete FHIR R4", "Paciente: Ana Testperson (nacimiento 1980-02-29)", "Recursos: 5",
			"Un elemento del archivo no es un registro de salud y se omitió."}},
	} {
		i18n.SetLang(tt.lang)
		rep := NewReport(importFile(t, "collection.json"))
		var buf bytes.Buffer
		if err := rep.WriteText(&buf); err != nil {
			t.Fatal(err)
		}
		for _, w := range tt.want {
			if !strings.Contains(buf.String(), w) {
				t.Errorf("%s: text lacks %q:\n%s", tt.lang, w, buf.String())
			}
		}
	}
}

// Every problem and error code the importer emits has a message.
func TestProblemMessages(t *testing.T) {
	for _, c := range []string{"not-resource", "bad-entry", "entry-no-resource", "paged", "response-bundle",
		"operation-outcome", "too-deep", "bad-line", "no-patient", "multiple-patients", "shc-decode",
		"shc-bad-signature", "shc-unknown-key"} {
		if !i18n.Has("import.problem." + c) {
			t.Errorf("no message for problem %s", c)
		}
	}
	for _, c := range []string{ErrCodeRead, ErrCodeTooLarge, ErrCodeGzip, ErrCodeEmpty, ErrCodeSyntax, ErrCodeTruncated,
		ErrCodeTooDeep, ErrCodeNotFHIR, ErrCodeUnknown, ErrCodeSHC, ErrCodeNoCCDA, ErrCodeCCDA} {
		if !i18n.Has("import.error." + c) {
			t.Errorf("no message for error %s", c)
		}
	}
	for _, f := range []Format{FormatBundle, FormatResource, FormatNDJSON, FormatIPS, FormatCCDA, FormatSHC, FormatUnknown} {
		if !i18n.Has("import.format." + string(f)) {
			t.Errorf("no name for format %s", f)
		}
	}
}
