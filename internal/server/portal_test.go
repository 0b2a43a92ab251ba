package server

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"backpack/internal/portal"
)

// The deployment's SMART client ids are served at their fixed path, and
// the page may connect to the health system the person chooses.
func TestSmartClients(t *testing.T) {
	body := `{"clients":[{"fhir":"https://fhir-myrecord.cerner.com/","clientId":"abc"}]}`
	h, err := New(Config{WebDir: testWeb(t), Version: "v1", SmartClients: []byte(body)})
	if err != nil {
		t.Fatal(err)
	}
	res := get(t, h, portal.ClientsPath)
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK || string(b) != body || !strings.HasPrefix(res.Header.Get("Content-Type"), "application/json") {
		t.Errorf("%d %q %q", res.StatusCode, res.Header.Get("Content-Type"), b)
	}
	if csp := res.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "connect-src 'self' https: ") {
		t.Errorf("CSP %q", csp)
	}
	h, err = New(Config{WebDir: testWeb(t), Version: "v1"})
	if err != nil {
		t.Fatal(err)
	}
	if res := get(t, h, portal.ClientsPath); res.StatusCode != http.StatusNotFound {
		t.Errorf("without -smart-clients: %d", res.StatusCode)
	}
}
