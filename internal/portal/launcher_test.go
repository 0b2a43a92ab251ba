package portal_test

import (
	"bufio"
	"context"
	"encoding/base64"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"backpack/internal/fetch"
	"backpack/internal/portal"
	"backpack/internal/portal/portaltest"
)

// TestSmartLauncher runs the whole flow against SMART's own sandbox,
// smart-on-fhir/smart-launcher-v2, run locally with node (never part of
// this repository: BACKPACK_SMART_LAUNCHER names a checkout with its
// backend's npm dependencies installed), in front of portaltest as its
// open FHIR server. Skipped without it.
func TestSmartLauncher(t *testing.T) {
	dir := os.Getenv("BACKPACK_SMART_LAUNCHER")
	if dir == "" {
		t.Skip("BACKPACK_SMART_LAUNCHER not set")
	}
	up := start(t, portaltest.Options{Open: true, PageSize: 4})
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, filepath.Join(dir, "node_modules/.bin/ts-node"), "--skipProject", "--transpile-only", "backend/index.ts")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "PORT=0", "HOST=127.0.0.1", "FHIR_SERVER_R4="+up.FHIR, "FHIR_SERVER_R3=", "FHIR_SERVER_R2=",
		"NODE_ENV=development", "ACCESS_TOKEN_LIFETIME=1")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		re := regexp.MustCompile(`available at (http://[0-9.:]+)`)
		for sc.Scan() {
			if m := re.FindStringSubmatch(sc.Text()); m != nil {
				addr <- m[1]
			}
		}
	}()
	var launcher string
	select {
	case launcher = <-addr:
	case <-ctx.Done():
		t.Fatal("the launcher did not start")
	}
	// A patient-standalone launch that signs in and approves at once, PKCE required.
	sim, _ := json.Marshal([]any{3, up.Patient(), "", "", 1, 1, 0, "", "", "", "", "", "", "", 0, 2, ""})
	base := launcher + "/v/r4/sim/" + base64.RawURLEncoding.EncodeToString(sim) + "/fhir"
	cfg, err := portal.Discover(ctx, fetch.Default, base)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("launcher: scope %s; capabilities %v", cfg.Scope(), cfg.Capabilities)
	l := portal.NewLaunch(cfg, "backpack", redirect, "SMART launcher")
	q := follow(t, l.URL())
	code, err := l.Code(q)
	if err != nil {
		t.Fatalf("Code: %v (%v)", err, q)
	}
	tok, err := l.Exchange(ctx, fetch.Default, code, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if tok.Patient != up.Patient() {
		t.Errorf("patient %q", tok.Patient)
	}
	opt := fast()
	opt.Margin = 2 * time.Minute // the 1-minute tokens are refreshed before each request
	res, rep, err := portal.Pull(ctx, fetch.Default, source(cfg, l, tok), tok, opt)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("launcher pull: %d resources %v, refused %v, %d requests, %d refreshes", res.Total(), res.Counts, rep.Refused, rep.Requests, rep.Refreshes)
	if res.Patient == nil || res.Counts["Observation"] != 5 || res.Counts["Condition"] != 2 || res.Counts["Medication"] != 1 || len(res.Files) != 1 {
		t.Errorf("counts %v, %d files", res.Counts, len(res.Files))
	}
	if rep.Refreshes == 0 {
		t.Error("no refresh through the launcher")
	}
}
