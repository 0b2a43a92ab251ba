//go:build e2e

package e2e

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

func importFHIRXMLFixture(name string) string {
	return filepath.Join(importRepoDir, "internal/importer/fhirxml/testdata", name)
}

// TestImportFHIRXML: an International Patient Summary in FHIR XML (HL7's
// example) is previewed like its JSON form would be, imported into a new
// person, and its entries are on that person's timeline; an XML file with
// a document type declaration is refused with its own message.
func TestImportFHIRXML(t *testing.T) {
	s := startSite(t, "import-fhirxml")
	ctx, cancel := browser(t)
	defer cancel()
	importVaultWithProfile(t, ctx, s)
	openImportPage(t, ctx)

	ipsPath, bombPath := importFHIRXMLFixture("ips-bundle-01.xml"), importFHIRXMLFixture("doctype-entities.xml")
	ips := importOnHost(t, ipsPath)
	importUpload(t, ctx, ipsPath, bombPath)
	waitImportPhase(t, ctx, "preview", time.Minute)
	cards := readImportCards(t, ctx)
	c := cards["ips-bundle-01.xml"]
	if c.State != "ready" || c.Format != "International Patient Summary" || !strings.Contains(c.Patient, "Martha DeLarosa") ||
		c.Total != fmt.Sprint(len(ips.Resources)) || len(ips.Resources) != 19 {
		t.Errorf("IPS card: %+v (host: %d resources)", c, len(ips.Resources))
	}
	for typ, n := range ips.Counts {
		if c.Counts[typ] != n {
			t.Errorf("IPS: %s shown %d, want %d", typ, c.Counts[typ], n)
		}
	}
	if b := cards["doctype-entities.xml"]; b.State != "failed" || !strings.Contains(b.Error, "declares a document type") {
		t.Errorf("DOCTYPE file: state %q error %q", b.State, b.Error)
	}
	screenshot(t, ctx, "import-fhirxml-preview-phone")

	importStep(t, ctx, "new person, confirm",
		chromedp.SetValue(`#`+c.ID+`-target`, "new", chromedp.ByQuery),
		chromedp.Evaluate(`document.querySelector('#`+c.ID+`-target').dispatchEvent(new Event('change', {bubbles: true}))`, nil),
		chromedp.Click(`#import-confirm`, chromedp.ByQuery),
	)
	waitImportPhase(t, ctx, "done", time.Minute)
	if r := readImportCards(t, ctx)["ips-bundle-01.xml"].Result; !strings.Contains(r, fmt.Sprintf("%d added, 0 already there", len(ips.Resources))) {
		t.Errorf("IPS result %q", r)
	}

	// Martha's timeline holds the summary's problems, allergies and results.
	var opened bool
	importStep(t, ctx, "open Martha", chromedp.Evaluate(`(() => {
		const b = [...document.querySelectorAll('.import-open')].find(b => b.textContent.includes('Martha DeLarosa'));
		if (b) b.click();
		return !!b;
	})()`, &opened))
	if !opened {
		t.Fatal("no button to open the new person")
	}
	want := []string{"Menopausal flushing", "Malignant tumor of breast", "penicillin", "Hemoglobin A1c", "ABO and Rh group"}
	deadline := time.Now().Add(30 * time.Second)
	var text string
	for time.Now().Before(deadline) {
		chromedp.Run(ctx, chromedp.Evaluate(`location.pathname === '/timeline' ? (document.querySelector('#timeline') || {}).textContent || '' : ''`, &text))
		missing := 0
		for _, w := range want {
			if !strings.Contains(text, w) {
				missing++
			}
		}
		if missing == 0 {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	for _, w := range want {
		if !strings.Contains(text, w) {
			t.Errorf("timeline lacks %q", w)
		}
	}
	screenshot(t, ctx, "import-fhirxml-timeline-phone")

	// The HbA1c result's page shows its value: a decimal from a value
	// attribute, carried through the JSON form as written.
	importStep(t, ctx, "open HbA1c", chromedp.Evaluate(`[...document.querySelectorAll('#timeline .entry-item')]
		.find(a => a.textContent.includes('Hemoglobin A1c')).click()`, nil))
	deadline = time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		chromedp.Run(ctx, chromedp.Evaluate(`location.pathname.startsWith('/entry/') ? (document.querySelector('#facts') || {}).textContent || '' : ''`, &text))
		if strings.Contains(text, "7.5") {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if !strings.Contains(text, "7.5") || !strings.Contains(text, "%") {
		t.Errorf("HbA1c entry facts %q, want 7.5 %%", text)
	}
	screenshot(t, ctx, "import-fhirxml-entry-phone")
}
