package ui

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"backpack/internal/i18n"
)

// TestImportDocuments: the import page's pipeline stores a C-CDA's
// embedded PDF as a file attached to the document's entry, the preview
// counts it in plain words, and importing again adds nothing.
func TestImportDocuments(t *testing.T) {
	ctx := context.Background()
	s, _ := newTestSession(t)
	b := readFixture(t, filepath.Join(fhirTestdata, "attach", "ccda-nonxml.xml"))
	res, err := parseBytes(t, "discharge.xml", b)
	if err != nil {
		t.Fatal(err)
	}
	pv := importPreview{res: res}
	var it importFile
	pv.apply(&it)
	if it.files != 1 || importFilesText(it.files) != "1 file" || importFilesText(2) != "2 files" {
		t.Errorf("files %d: %q", it.files, importFilesText(it.files))
	}
	i18n.SetLang(i18n.Spanish)
	if got := importFilesText(2); got != "2 archivos" {
		t.Errorf("es: %q", got)
	}
	i18n.SetLang(i18n.English)
	out, err := importSave(ctx, s, res, nil, importNewProfile, time.Now(), nil)
	if err != nil {
		t.Fatal(err)
	}
	files := s.Book().Files(out.Profile)
	if len(files) != 1 || files[0].Type != "application/pdf" {
		t.Fatalf("files = %+v", files)
	}
	attached := 0
	for _, e := range mustTimeline(s, out.Profile) {
		if len(e.Files) == 1 && e.Files[0] == files[0].ID {
			attached++
		}
	}
	if attached != 1 {
		t.Errorf("%d entries carry the PDF", attached)
	}
	res, _ = parseBytes(t, "discharge.xml", b)
	again, err := importSave(ctx, s, res, nil, out.Profile, time.Now(), nil)
	if err != nil || again.Added != 0 || len(s.Book().Files(out.Profile)) != 1 {
		t.Errorf("again: %+v %v, %d files", again, err, len(s.Book().Files(out.Profile)))
	}
}
