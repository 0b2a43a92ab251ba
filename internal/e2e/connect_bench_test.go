//go:build e2e

package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"backpack/internal/portal/portaltest"
)

// connectBenchBundle is the small Synthea patient with heart-rate readings
// added until the record holds n resources.
func connectBenchBundle(t testing.TB, n int) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(importRepoDir, "internal/portal/testdata/synthea-small.json"))
	if err != nil {
		t.Fatal(err)
	}
	var bundle struct {
		ResourceType string            `json:"resourceType"`
		Type         string            `json:"type"`
		Entry        []json.RawMessage `json:"entry"`
	}
	if err := json.Unmarshal(b, &bundle); err != nil {
		t.Fatal(err)
	}
	patient := "urn:uuid:7d3d0d2a-2a0b-4d5e-9c1e-000000000001"
	day := time.Date(2020, 1, 1, 8, 0, 0, 0, time.UTC)
	for i := 0; len(bundle.Entry) < n; i++ {
		bundle.Entry = append(bundle.Entry, json.RawMessage(fmt.Sprintf(`{"resource":{"resourceType":"Observation","id":"hr-%d","status":"final",
"category":[{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/observation-category","code":"vital-signs"}]}],
"code":{"coding":[{"system":"http://loinc.org","code":"8867-4","display":"Heart rate"}],"text":"Heart rate"},
"subject":{"reference":%q},"effectiveDateTime":%q,
"valueQuantity":{"value":%d,"unit":"/min","system":"http://unitsofmeasure.org","code":"/min"}}}`, i, patient, day.Add(time.Duration(i)*6*time.Hour).Format(time.RFC3339), 60+i%40)))
	}
	out, err := json.Marshal(bundle)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// BenchmarkConnectPull1500 connects to the local SMART test server holding
// a record of 1,500 resources, end to end in Chromium: sign-in redirect,
// unlock after it, token exchange, the pull (50 a page, 5 requests at a
// time), the preview, the save. Metrics: e2e-ms (Sign in → saved, budget
// ≤ 10,000), redirect-ms (Sign in → back at the unlock page), pull-ms
// (unlock → preview: exchange, fetch, read), save-ms, wasm-sys-MB (peak
// Go memory) and js-heap-MB.
func BenchmarkConnectPull1500(b *testing.B) {
	const n = 1500
	fhir, err := portaltest.Start(portaltest.Options{}, connectBenchBundle(b, n))
	if err != nil {
		b.Fatal(err)
	}
	defer fhir.Close()
	s := startSite(b, "bench-connect")
	var e2e, redirect, pull, save, sys, heap, records float64
	for i := 0; i < b.N; i++ {
		ctx, cancel := browser(b)
		importVaultWithProfile(b, ctx, s)
		xpNav(b, ctx, "/connect")
		xpSetInput(b, ctx, "#connect-url", fhir.FHIR, "input")
		start := time.Now()
		xpRun(b, ctx, chromedp.Click("#connect-go", chromedp.ByQuery))
		xpPoll(b, ctx, "unlock after the redirect", `location.pathname === "/unlock" && !!document.querySelector('main[data-mounted="true"] #unlock-pass')`)
		back := time.Now()
		xpSetInput(b, ctx, "#unlock-pass", importTestPass, "input")
		xpRun(b, ctx, chromedp.Click("#unlock", chromedp.ByQuery))
		unlocked := time.Now()
		xpPoll(b, ctx, "preview", `location.pathname === "/import" && document.querySelector("#import")?.dataset.phase === "preview"`)
		previewAt := time.Now()
		xpRun(b, ctx, chromedp.Click("#import-confirm", chromedp.ByQuery))
		waitImportPhase(b, ctx, "done", 2*time.Minute)
		end := time.Now()
		var st struct {
			Records  float64 `json:"records"`
			SysBytes float64 `json:"sysBytes"`
			JSHeap   float64 `json:"jsHeap"`
			Result   string  `json:"result"`
		}
		xpRun(b, ctx, chromedp.Evaluate(`({...window.backpackImportStats,
			jsHeap: performance.memory ? performance.memory.usedJSHeapSize : 0,
			result: (document.querySelector('.import-result') || {}).textContent || ''})`, &st))
		if st.Records != n-2 { // the Patient is the person, the Binary a file of the note
			b.Errorf("records saved: %v (%s), want %d", st.Records, st.Result, n-2)
		}
		e2e += float64(end.Sub(start).Milliseconds())
		redirect += float64(back.Sub(start).Milliseconds())
		pull += float64(previewAt.Sub(unlocked).Milliseconds())
		save += float64(end.Sub(previewAt).Milliseconds())
		sys = max(sys, st.SysBytes/(1<<20))
		heap = max(heap, st.JSHeap/(1<<20))
		records = st.Records
		cancel()
	}
	nn := float64(b.N)
	b.ReportMetric(e2e/nn, "e2e-ms")
	b.ReportMetric(redirect/nn, "redirect-ms")
	b.ReportMetric(pull/nn, "pull-ms")
	b.ReportMetric(save/nn, "save-ms")
	b.ReportMetric(sys, "wasm-sys-MB")
	b.ReportMetric(heap, "js-heap-MB")
	b.ReportMetric(records, "records")
	b.ReportMetric(0, "ns/op")
}
