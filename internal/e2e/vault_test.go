//go:build e2e

package e2e

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf16"

	"github.com/chromedp/chromedp"
)

// Test data: none of it appears in the app's code or pages, so the at-rest
// check can look for it anywhere.
const (
	vPass   = "orbit velvet canyon maple ribbon"
	vPass2  = "lantern quiz harbor pepper violin"
	vName   = "Zephyrine Quillfeather"
	vBirth  = "1979-11-23"
	vChild  = "Corvin Quillfeather"
	vChild2 = "Corvin Quillfeather-Ostrava"
)

// The vault screens end to end: set-up, first profile, family profiles,
// locking on reload, unlock (wrong passphrase, recovery key).
func TestVault(t *testing.T) {
	s := startSite(t, "v1")
	ctx, cancel := browser(t)
	defer cancel()
	const (
		pass   = vPass
		name   = vName
		birth  = vBirth
		child  = vChild
		child2 = vChild2
	)

	// No vault yet: unlock sends to set-up.
	vRun(t, ctx, chromedp.Navigate(s.URL("/unlock")))
	vWaitPath(t, ctx, "/setup")
	vRun(t, ctx, chromedp.WaitVisible("#pass", chromedp.ByID))
	vShots(t, ctx, "vault-setup")

	// A weak passphrase is refused with a reason.
	vType(t, ctx, "#pass", "password1")
	vPoll(t, ctx, "meter at 0 for a common password", `document.querySelector(".meter").classList.contains("s0")`)
	vRun(t, ctx, vClickAt("#create"), chromedp.WaitVisible("#pass-err", chromedp.ByID))
	vContains(t, ctx, "#pass-err", "too easy to guess")
	vShots(t, ctx, "vault-setup-weak")

	// Suggest fills a six-word passphrase in both fields.
	vRun(t, ctx, vClickAt("#suggest"), chromedp.WaitVisible("#suggested", chromedp.ByID))
	sug, conf := vValue(t, ctx, "#pass"), vValue(t, ctx, "#confirm")
	if len(strings.Fields(sug)) != 6 || sug != conf {
		t.Errorf("suggested %d words, confirm equal: %v", len(strings.Fields(sug)), sug == conf)
	}
	vPoll(t, ctx, "meter at 4 for a suggested passphrase", `document.querySelector(".meter").classList.contains("s4")`)

	// Our own passphrase, mistyped confirmation first.
	vSetInput(t, ctx, "#pass", pass)
	vSetInput(t, ctx, "#confirm", pass+"x")
	vRun(t, ctx, vClickAt("#create"), chromedp.WaitVisible("#confirm-err", chromedp.ByID))
	vSetInput(t, ctx, "#confirm", pass)
	vRun(t, ctx, vClickAt("#create"))
	vRun(t, ctx, chromedp.WaitVisible("#recovery-key", chromedp.ByID))
	key := vText(t, ctx, "#recovery-key")
	if len(strings.Split(key, "-")) != 8 {
		t.Fatalf("recovery key %q", key)
	}
	vShots(t, ctx, "vault-recovery")
	if !vDisabled(t, ctx, "#recovery-done") {
		t.Error("continue enabled before the key is saved")
	}
	vClick(t, ctx, "#saved")
	vClick(t, ctx, "#recovery-done")
	vWaitEither(t, ctx, "#profile-name", "#storage-continue")
	if vExists(t, ctx, "#storage-continue") {
		vShots(t, ctx, "vault-storage")
		vRun(t, ctx, vClickAt("#storage-continue"))
	}

	// First profile: me.
	vWaitPath(t, ctx, "/profiles")
	vRun(t, ctx, chromedp.WaitVisible("#profile-name", chromedp.ByID))
	vShots(t, ctx, "vault-people-first")
	if v := vValue(t, ctx, "#profile-rel"); v != "self" {
		t.Errorf("first profile relationship %q", v)
	}
	vType(t, ctx, "#profile-name", name)
	vType(t, ctx, "#profile-birth", "14/03/1987")
	vRun(t, ctx, vClickAt("#profile-save"), chromedp.WaitVisible("#profile-birth-err", chromedp.ByID))
	vSetInput(t, ctx, "#profile-birth", birth)
	vRun(t, ctx, vClickAt("#profile-save"))
	vWaitPath(t, ctx, "/summary")

	// The people page lists me, highlighted.
	vNav(t, ctx, "/profiles")
	vRun(t, ctx, chromedp.WaitVisible("#people", chromedp.ByID))
	vContains(t, ctx, ".person.current", name)
	vContains(t, ctx, ".person.current", birth)

	// Add a child, switch to them, rename them, delete them.
	vRun(t, ctx, vClickAt("#profile-add"), chromedp.WaitVisible("#profile-name", chromedp.ByID))
	if v := vValue(t, ctx, "#profile-rel"); v != "child" {
		t.Errorf("new profile relationship %q", v)
	}
	if !vDisabledOption(t, ctx, "#profile-rel", "self") {
		t.Error("a second 'me' is offered")
	}
	vType(t, ctx, "#profile-name", child)
	vType(t, ctx, "#profile-birth", "2015-06")
	vRun(t, ctx, vClickAt("#profile-save"))
	vWaitCount(t, ctx, ".person", 2)
	vShots(t, ctx, "vault-people")
	vRun(t, ctx, vClickAt(".person:not(.current) .switch"))
	vWaitPath(t, ctx, "/summary")
	vNav(t, ctx, "/profiles")
	vRun(t, ctx, chromedp.WaitVisible("#people", chromedp.ByID))
	vContains(t, ctx, ".person.current", child)
	vRun(t, ctx, vClickAt(".person.current .edit"), chromedp.WaitVisible("#profile-name", chromedp.ByID))
	vSetInput(t, ctx, "#profile-name", child2)
	vRun(t, ctx, vClickAt("#profile-save"))
	vWaitText(t, ctx, ".person.current .person-name", child2)
	vRun(t, ctx, vClickAt(".person.current .delete"), chromedp.WaitVisible(".delete-text", chromedp.ByQuery))
	vContains(t, ctx, ".delete-text", "0 entries")
	vShots(t, ctx, "vault-people-delete")
	vRun(t, ctx, vClickAt(".delete-yes"))
	vWaitCount(t, ctx, ".person", 1)
	vContains(t, ctx, ".person.current", name)

	// Reloading wipes memory: the vault is locked.
	vRun(t, ctx, chromedp.Reload())
	vWaitPath(t, ctx, "/unlock")
	vRun(t, ctx, chromedp.WaitVisible("#unlock-pass", chromedp.ByID))
	vType(t, ctx, "#unlock-pass", "orbit velvet canyon maple")
	vRun(t, ctx, vClickAt("#unlock"),
		chromedp.WaitVisible("#unlock-status .banner.error", chromedp.ByQuery))
	vContains(t, ctx, "#unlock-status", "Wrong passphrase")
	// Typed as soon as the page showed: the passphrase's KDF still ran in
	// its worker (which the page started as it opened), not on the page.
	var inWorker int
	vRun(t, ctx, chromedp.Evaluate(`window.backpackKDFInWorker || 0`, &inWorker))
	if inWorker < 1 {
		t.Errorf("passphrase keys derived in the worker: %d, want 1", inWorker)
	}
	vPoll(t, ctx, "wrong passphrase cleared", `document.querySelector("#unlock-pass").value === ""`)
	vShots(t, ctx, "vault-unlock-error")
	vWaitPath(t, ctx, "/unlock")
	vSetInput(t, ctx, "#unlock-pass", pass)
	vRun(t, ctx, vClickAt("#unlock"))
	vWaitPath(t, ctx, "/profiles") // back where the person was before the reload
	vRun(t, ctx, chromedp.WaitVisible("#people", chromedp.ByID))
	vContains(t, ctx, ".person.current", name)
	vWaitCount(t, ctx, ".person", 1)

	// The recovery key: a typo is told apart from a wrong key; the right key
	// opens the vault and offers a new passphrase.
	vRun(t, ctx, chromedp.Reload())
	vWaitPath(t, ctx, "/unlock")
	vRun(t, ctx, chromedp.WaitVisible("#use-recovery", chromedp.ByID),
		vClickAt("#use-recovery"),
		chromedp.WaitVisible("#unlock-key", chromedp.ByID))
	typo := []byte(key)
	if typo[0] == 'A' {
		typo[0] = 'C'
	} else {
		typo[0] = 'A'
	}
	vType(t, ctx, "#unlock-key", string(typo))
	vRun(t, ctx, vClickAt("#unlock"),
		chromedp.WaitVisible("#unlock-status .banner.error", chromedp.ByQuery))
	vContains(t, ctx, "#unlock-status", "typo")
	vShots(t, ctx, "vault-unlock-recovery")
	vSetInput(t, ctx, "#unlock-key", strings.ToLower(strings.ReplaceAll(key, "-", " ")))
	vRun(t, ctx, vClickAt("#unlock"), chromedp.WaitVisible("#newpass-skip", chromedp.ByID))
	if v := vValue(t, ctx, "#new-pass"); v != "" {
		t.Errorf("new passphrase field holds %d characters from the previous step", len(v))
	}
	vShots(t, ctx, "vault-unlock-newpass")
	vRun(t, ctx, vClickAt("#newpass-skip"))
	vWaitPath(t, ctx, "/profiles") // back where the person was before the reload

	// A record changed outside Backpack: unlocking warns instead of failing.
	vNav(t, ctx, "/profiles")
	var tampered int
	vRun(t, ctx, chromedp.Evaluate(`new Promise((ok, fail) => {
		const r = indexedDB.open("backpack");
		r.onerror = () => fail(r.error);
		r.onsuccess = () => {
			const st = r.result.transaction("records", "readwrite").objectStore("records");
			const c = st.openCursor();
			c.onerror = () => fail(c.error);
			c.onsuccess = () => {
				const cur = c.result;
				if (!cur) { ok(0); return; }
				const v = cur.value;
				const b = v instanceof ArrayBuffer ? new Uint8Array(v.slice(0)) : new Uint8Array(v.buffer.slice(v.byteOffset, v.byteOffset + v.byteLength));
				b[Math.min(8, b.length - 1)] ^= 1; // inside the sealed header
				cur.update(b).onsuccess = () => ok(1);
			};
		};
	})`, &tampered, awaitPromise))
	if tampered != 1 {
		t.Fatal("no vault record to tamper with")
	}
	vRun(t, ctx, chromedp.Reload())
	vWaitPath(t, ctx, "/unlock")
	vSetInput(t, ctx, "#unlock-pass", pass)
	vRun(t, ctx, vClickAt("#unlock"), chromedp.WaitVisible("#corrupt", chromedp.ByID))
	vContains(t, ctx, "#corrupt", "could not be read: ")
	vShots(t, ctx, "vault-unlock-corrupt")
	vClick(t, ctx, "#corrupt-continue")
	vWaitPath(t, ctx, "/profiles") // the damaged record was the only profile
}

// Settings (auto-lock, passphrase change, new recovery key, language, lock
// now), then nothing typed in or uploaded is readable at rest.
func TestVaultSettings(t *testing.T) {
	s := startSite(t, "v1")
	ctx, cancel := browser(t)
	defer cancel()
	const (
		pass   = vPass
		pass2  = vPass2
		name   = vName
		birth  = vBirth
		child2 = vChild2
	)
	key := setUpVault(t, ctx, s, pass, name, birth)
	vNav(t, ctx, "/profiles")
	vRun(t, ctx, vClickAt("#profile-add"), chromedp.WaitVisible("#profile-name", chromedp.ByID))
	vType(t, ctx, "#profile-name", child2)
	vType(t, ctx, "#profile-birth", "2015-06")
	vRun(t, ctx, vClickAt("#profile-save"))
	vWaitCount(t, ctx, ".person", 2)

	vNav(t, ctx, "/settings")
	vRun(t, ctx, chromedp.WaitVisible("#pass-form", chromedp.ByID))
	vWaitVisible(t, ctx, "#storage-usage")
	vShots(t, ctx, "vault-settings")

	// Auto-lock is a device preference.
	vSetSelect(t, ctx, "#autolock", "5")
	var stored string
	vRun(t, ctx, chromedp.Evaluate(`localStorage.getItem("backpack.autolock")`, &stored))
	if stored != "5" {
		t.Errorf("auto-lock stored %q", stored)
	}

	// Changing the passphrase needs the current one.
	vSetInput(t, ctx, "#cur-pass", "not my passphrase")
	vSetInput(t, ctx, "#set-pass", pass2)
	vSetInput(t, ctx, "#set-confirm", pass2)
	vRun(t, ctx, vClickAt("#pass-save"), chromedp.WaitVisible("#cur-pass-err", chromedp.ByID))
	vContains(t, ctx, "#cur-pass-err", "Wrong passphrase")
	vSetInput(t, ctx, "#cur-pass", pass)
	vRun(t, ctx, vClickAt("#pass-save"),
		chromedp.WaitVisible("#pass-settings .banner.ok", chromedp.ByQuery))
	for _, id := range []string{"#cur-pass", "#set-pass", "#set-confirm"} {
		vPoll(t, ctx, id+" cleared", `document.querySelector("`+id+`").value === ""`)
	}

	// A new recovery key replaces the old one.
	vClick(t, ctx, "#recovery-new")
	vRun(t, ctx, chromedp.WaitVisible("#recovery-make", chromedp.ByID),
		vClickAt("#recovery-make"),
		chromedp.WaitVisible("#recovery-key", chromedp.ByID))
	key2 := vText(t, ctx, "#recovery-key")
	if key2 == key || len(strings.Split(key2, "-")) != 8 {
		t.Errorf("new recovery key %q", key2)
	}
	vShots(t, ctx, "vault-settings-recovery")
	vClick(t, ctx, "#saved")
	vClick(t, ctx, "#recovery-done")
	vWaitVisible(t, ctx, "#recovery-settings .banner.ok")

	// The language changes without locking.
	vSetSelect(t, ctx, "#settings-lang", "es")
	vWaitText(t, ctx, "main h1", "Ajustes")
	vWaitText(t, ctx, ".nav", "Más")
	vWaitPath(t, ctx, "/settings")
	vShots(t, ctx, "vault-settings-es")
	vSetSelect(t, ctx, "#settings-lang", "en")
	vWaitText(t, ctx, "main h1", "Settings")

	// Lock now; the old passphrase no longer opens the vault, the new one does.
	vRun(t, ctx, vClickAt("#lock-now"))
	vWaitPath(t, ctx, "/unlock")
	vRun(t, ctx, chromedp.WaitVisible("#unlock-pass", chromedp.ByID))
	vSetInput(t, ctx, "#unlock-pass", pass)
	vRun(t, ctx, vClickAt("#unlock"),
		chromedp.WaitVisible("#unlock-status .banner.error", chromedp.ByQuery))
	vSetInput(t, ctx, "#unlock-pass", pass2)
	vRun(t, ctx, vClickAt("#unlock"))
	vWaitPath(t, ctx, "/settings") // back where the person locked it

	// The old recovery key stopped working.
	vNav(t, ctx, "/profiles")
	vRun(t, ctx, chromedp.Reload())
	vWaitPath(t, ctx, "/unlock")
	vRun(t, ctx, chromedp.WaitVisible("#use-recovery", chromedp.ByID),
		vClickAt("#use-recovery"),
		chromedp.WaitVisible("#unlock-key", chromedp.ByID))
	vType(t, ctx, "#unlock-key", key)
	vRun(t, ctx, vClickAt("#unlock"),
		chromedp.WaitVisible("#unlock-status .banner.error", chromedp.ByQuery))
	vContains(t, ctx, "#unlock-status", "does not open")

	// Unlock again and add a lab result and a file (the entry form and the
	// files page), so the at-rest check covers records and file bytes too.
	vClick(t, ctx, "#use-recovery") // back to the passphrase
	vSetInput(t, ctx, "#unlock-pass", pass2)
	vRun(t, ctx, vClickAt("#unlock"))
	vWaitPath(t, ctx, "/profiles") // back where the person was before the reload
	entry := vAddLab(t, ctx, "Xylorbium panel", "2024-02-29", "8371.46", "zqb/kL")
	fileName, fileBytes := vUploadProbe(t, ctx)

	// Lock (reload), then check that nothing typed in or uploaded is readable.
	vRun(t, ctx, chromedp.Reload())
	vWaitPath(t, ctx, "/unlock")
	assertNoPlaintextAtRest(t, ctx, name, birth, "Quillfeather", child2, "2015-06", pass, pass2, key, key2,
		entry[0], entry[1], entry[2], entry[3], fileName, fileBytes)
}

// setUpVault creates a vault through the set-up page with pass, saves the
// recovery key, creates the first profile (me) and returns the recovery key.
// The browser is left on the summary page, unlocked.
func setUpVault(t *testing.T, ctx context.Context, s *site, pass, name, birth string) string {
	t.Helper()
	vRun(t, ctx, chromedp.Navigate(s.URL("/setup")))
	vWaitPath(t, ctx, "/setup")
	vSetInput(t, ctx, "#pass", pass)
	vSetInput(t, ctx, "#confirm", pass)
	vRun(t, ctx, vClickAt("#create"), chromedp.WaitVisible("#recovery-key", chromedp.ByID))
	key := vText(t, ctx, "#recovery-key")
	vClick(t, ctx, "#saved")
	vClick(t, ctx, "#recovery-done")
	vWaitEither(t, ctx, "#profile-name", "#storage-continue")
	if vExists(t, ctx, "#storage-continue") {
		vClick(t, ctx, "#storage-continue")
	}
	vWaitPath(t, ctx, "/profiles")
	vRun(t, ctx, chromedp.WaitVisible("#profile-name", chromedp.ByID))
	vType(t, ctx, "#profile-name", name)
	vType(t, ctx, "#profile-birth", birth)
	vRun(t, ctx, vClickAt("#profile-save"))
	vWaitPath(t, ctx, "/summary")
	return key
}

// vAddLab adds a lab result through the entry form (PathAdd + "lab") and
// returns the strings it typed: test, date, value, unit.
func vAddLab(t *testing.T, ctx context.Context, test, date, value, unit string) [4]string {
	t.Helper()
	vNav(t, ctx, "/add/")
	vRun(t, ctx, chromedp.WaitVisible("#add-lab", chromedp.ByID), vClickAt("#add-lab"),
		chromedp.WaitVisible("#f-test", chromedp.ByID))
	vType(t, ctx, "#f-test", test)
	vType(t, ctx, "#f-date", date)
	vType(t, ctx, "#f-value", value)
	vType(t, ctx, "#f-unit", unit)
	vClick(t, ctx, "#save")
	vPoll(t, ctx, "the saved entry's page", `location.pathname.startsWith("/entry/")`)
	vWaitText(t, ctx, "main", test)
	return [4]string{test, date, value, unit}
}

// vUploadProbe uploads a small text file of random content on the files
// page and returns its name and content.
func vUploadProbe(t *testing.T, ctx context.Context) (name, content string) {
	t.Helper()
	var rnd [16]byte
	rand.Read(rnd[:])
	content = "at-rest probe " + hex.EncodeToString(rnd[:])
	name = "probe-" + hex.EncodeToString(rnd[:4]) + ".txt"
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	vNav(t, ctx, "/files")
	vRun(t, ctx, chromedp.SetUploadFiles("#file-input", []string{path}, chromedp.ByID))
	vWaitText(t, ctx, "#files", name)
	return name, content
}

// assertNoPlaintextAtRest reads everything this origin stores in the browser
// (every IndexedDB database and object store, localStorage, sessionStorage,
// Cache Storage) and fails the test if any of needles appears in it, as
// UTF-8 or UTF-16, in any letter case. Tests of other pages call it with
// the titles, values and file bytes they typed in or uploaded.
func assertNoPlaintextAtRest(t *testing.T, ctx context.Context, needles ...string) {
	t.Helper()
	// Canaries in a scratch database (as bytes) and in localStorage prove
	// the reader sees binary values and web storage.
	const canary = "at-rest canary 7f3e"
	vRun(t, ctx, chromedp.Evaluate(`localStorage.setItem("backpack-e2e-canary", `+jsQuote(canary)+`)`, nil))
	vRun(t, ctx, chromedp.Evaluate(`new Promise((ok, fail) => {
		const r = indexedDB.open("backpack-e2e-canary", 1);
		r.onupgradeneeded = () => r.result.createObjectStore("s");
		r.onerror = () => fail(r.error);
		r.onsuccess = () => {
			const tx = r.result.transaction("s", "readwrite");
			tx.objectStore("s").put(new TextEncoder().encode(`+jsQuote(canary)+`).buffer, "k");
			tx.oncomplete = () => { r.result.close(); ok(true) };
			tx.onerror = () => fail(tx.error);
		};
	})`, nil, awaitPromise))
	dump := readAtRest(t, ctx)
	vRun(t, ctx, chromedp.Evaluate(`localStorage.removeItem("backpack-e2e-canary")`, nil))
	vRun(t, ctx, chromedp.Evaluate(`new Promise(ok => { const r = indexedDB.deleteDatabase("backpack-e2e-canary"); r.onsuccess = r.onerror = () => ok(true) })`, nil, awaitPromise))
	var vaultRecords int
	var sawPref, sawCanary bool
	for _, it := range dump {
		if it.Where == "indexeddb:backpack-e2e-canary/s" {
			sawCanary = containsFold(it, canary) == "value"
			continue
		}
		if it.Where == "localStorage" && containsFold(it, "backpack-e2e-canary") == "key" {
			sawPref = containsFold(it, canary) == "value"
			continue
		}
		if strings.HasPrefix(it.Where, "indexeddb:backpack/") {
			vaultRecords++
		}
		for _, n := range needles {
			if n == "" {
				continue
			}
			if where := containsFold(it, n); where != "" {
				t.Errorf("plaintext %q found at rest in %s (%s)", n, it.Where, where)
			}
		}
	}
	// The reader must really have seen the vault and the preferences.
	if vaultRecords < 3 {
		t.Errorf("at-rest check read only %d IndexedDB records of the vault", vaultRecords)
	}
	if !sawPref {
		t.Error("at-rest check did not find the canary it stored in localStorage")
	}
	if !sawCanary {
		t.Error("at-rest check did not find the canary it stored in IndexedDB")
	}
	t.Logf("at rest: %d items checked (%d in the vault database) for %d strings", len(dump), vaultRecords, len(needles))
}

// atRestItem is one stored key and value, as raw bytes.
type atRestItem struct {
	Where string
	Key   []byte
	Value []byte
}

// containsFold reports where needle appears in it ("key", "value" or "").
// it must have been lowered with lowerItem.
func containsFold(it atRestItem, needle string) string {
	for _, form := range needleForms(needle) {
		if bytes.Contains(it.Key, form) {
			return "key"
		}
		if bytes.Contains(it.Value, form) {
			return "value"
		}
	}
	return ""
}

// asciiLower lowers A–Z in place and leaves every other byte as it is
// (bytes.ToLower would rewrite invalid UTF-8, and is slow on binary data).
func asciiLower(b []byte) {
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
}

// needleForms is the (ASCII) lower-case UTF-8 and UTF-16 (LE and BE) bytes of s.
func needleForms(s string) [][]byte {
	b := []byte(s)
	asciiLower(b)
	low := string(b)
	forms := [][]byte{[]byte(low)}
	u := utf16.Encode([]rune(low))
	le, be := make([]byte, 0, 2*len(u)), make([]byte, 0, 2*len(u))
	for _, c := range u {
		le = append(le, byte(c), byte(c>>8))
		be = append(be, byte(c>>8), byte(c))
	}
	return append(forms, le, be)
}

// atRestJS collects every stored key and value of this origin, binary
// values as bytes, everything base64-encoded for the trip out of the page.
const atRestJS = `(async () => {
  const b64 = (u8) => {
    let s = "";
    for (let i = 0; i < u8.length; i += 0x8000) s += String.fromCharCode.apply(null, u8.subarray(i, i + 0x8000));
    return btoa(s);
  };
  const utf8 = (str) => new TextEncoder().encode(str);
  const ser = async (v) => {
    if (v === null || v === undefined) return utf8(String(v));
    if (typeof v === "string") return utf8(v);
    if (typeof v !== "object") return utf8(String(v));
    if (v instanceof ArrayBuffer) return new Uint8Array(v);
    if (ArrayBuffer.isView(v)) return new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
    if (v instanceof Blob) return new Uint8Array(await v.arrayBuffer());
    if (v instanceof Date) return utf8(v.toISOString());
    const parts = [];
    const entries = Array.isArray(v) ? v.map((x, i) => [String(i), x]) : Object.entries(v);
    for (const [k, x] of entries) { parts.push(utf8(k + "\u0000")); parts.push(await ser(x)); parts.push(utf8("\u0000")); }
    const n = parts.reduce((a, p) => a + p.length, 0), out = new Uint8Array(n);
    let o = 0; for (const p of parts) { out.set(p, o); o += p.length; }
    return out;
  };
  const req = (r) => new Promise((ok, fail) => { r.onsuccess = () => ok(r.result); r.onerror = () => fail(r.error); });
  const items = [];
  const push = async (where, k, v) => items.push({where, key: b64(await ser(k)), value: b64(await ser(v))});
  for (const info of await indexedDB.databases()) {
    const db = await req(indexedDB.open(info.name));
    for (const name of Array.from(db.objectStoreNames)) {
      const store = db.transaction(name, "readonly").objectStore(name);
      const kr = store.getAllKeys(), vr = store.getAll();
      const keys = await req(kr), vals = await req(vr);
      for (let i = 0; i < keys.length; i++) await push("indexeddb:" + info.name + "/" + name, keys[i], vals[i]);
    }
    db.close();
  }
  for (const [where, st] of [["localStorage", localStorage], ["sessionStorage", sessionStorage]]) {
    for (let i = 0; i < st.length; i++) { const k = st.key(i); await push(where, k, st.getItem(k)); }
  }
  if (self.caches) {
    for (const name of await caches.keys()) {
      const c = await caches.open(name);
      for (const r of await c.keys()) {
        const res = await c.match(r);
        await push("cache:" + name, r.url, res ? await res.arrayBuffer() : null);
      }
    }
  }
  return JSON.stringify(items);
})()`

func readAtRest(t *testing.T, ctx context.Context) []atRestItem {
	t.Helper()
	var raw string
	vRun(t, ctx, chromedp.Evaluate(atRestJS, &raw, awaitPromise))
	var enc []struct{ Where, Key, Value string }
	if err := json.Unmarshal([]byte(raw), &enc); err != nil {
		t.Fatalf("at-rest dump: %v", err)
	}
	out := make([]atRestItem, len(enc))
	for i, e := range enc {
		k, err1 := base64.StdEncoding.DecodeString(e.Key)
		v, err2 := base64.StdEncoding.DecodeString(e.Value)
		if err1 != nil || err2 != nil {
			t.Fatalf("at-rest dump item %d: %v %v", i, err1, err2)
		}
		asciiLower(k)
		asciiLower(v)
		out[i] = atRestItem{Where: e.Where, Key: k, Value: v}
	}
	return out
}

// --- small chromedp helpers for the vault pages

// vRun runs actions, failing the test after 30 s rather than at the
// browser's deadline.
func vRun(t *testing.T, ctx context.Context, actions ...chromedp.Action) {
	t.Helper()
	tctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Run(tctx, actions...); err != nil {
		var html string
		chromedp.Run(ctx, chromedp.Evaluate(`document.querySelector("main")?.outerHTML.slice(0, 3000) || location.pathname`, &html))
		t.Fatalf("%v\npage: %s", err, html)
	}
}

// vPoll evaluates a JS boolean expression until it is true (20 s at most).
func vPoll(t *testing.T, ctx context.Context, what, expr string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		var ok bool
		if err := chromedp.Run(ctx, chromedp.Evaluate(expr, &ok)); err == nil && ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func jsQuote(s string) string { b, _ := json.Marshal(s); return string(b) }

// vWaitPath waits until the app (not just the prerendered page) is running
// at path.
func vWaitPath(t *testing.T, ctx context.Context, path string) {
	t.Helper()
	vPoll(t, ctx, "path "+path, `location.pathname === `+jsQuote(path)+
		` && !!document.querySelector('main[data-mounted="true"]')`)
}

func vWaitVisible(t *testing.T, ctx context.Context, sel string) {
	t.Helper()
	vRun(t, ctx, chromedp.WaitVisible(sel, chromedp.ByQuery))
}

func vWaitEither(t *testing.T, ctx context.Context, a, b string) {
	t.Helper()
	vPoll(t, ctx, a+" or "+b, fmt.Sprintf(`!!(document.querySelector(%s) || document.querySelector(%s))`, jsQuote(a), jsQuote(b)))
}

func vWaitCount(t *testing.T, ctx context.Context, sel string, n int) {
	t.Helper()
	vPoll(t, ctx, fmt.Sprintf("%d × %s", n, sel), fmt.Sprintf(`document.querySelectorAll(%s).length === %d`, jsQuote(sel), n))
}

func vWaitText(t *testing.T, ctx context.Context, sel, text string) {
	t.Helper()
	vPoll(t, ctx, sel+" showing "+text,
		fmt.Sprintf(`(document.querySelector(%s)?.textContent || "").includes(%s)`, jsQuote(sel), jsQuote(text)))
}

func vExists(t *testing.T, ctx context.Context, sel string) bool {
	t.Helper()
	var ok bool
	vRun(t, ctx, chromedp.Evaluate(fmt.Sprintf(`!!document.querySelector(%s)`, jsQuote(sel)), &ok))
	return ok
}

// vNav navigates inside the running app (no reload, so the vault stays open).
func vNav(t *testing.T, ctx context.Context, path string) {
	t.Helper()
	vRun(t, ctx, chromedp.Evaluate(`goappNav(`+jsQuote(path)+`)`, nil))
	vWaitPath(t, ctx, path)
	vPoll(t, ctx, "mounted "+path, `!!document.querySelector('main[data-mounted="true"]')`)
}

func vText(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	var s string
	vRun(t, ctx, chromedp.Text(sel, &s, chromedp.ByQuery))
	return strings.TrimSpace(s)
}

func vValue(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	var s string
	vRun(t, ctx, chromedp.Value(sel, &s, chromedp.ByQuery))
	return s
}

func vDisabled(t *testing.T, ctx context.Context, sel string) bool {
	t.Helper()
	var ok bool
	vRun(t, ctx, chromedp.Evaluate(fmt.Sprintf(`!!document.querySelector(%s)?.disabled`, jsQuote(sel)), &ok))
	return ok
}

func vDisabledOption(t *testing.T, ctx context.Context, sel, value string) bool {
	t.Helper()
	var ok bool
	vRun(t, ctx, chromedp.Evaluate(fmt.Sprintf(`!!document.querySelector(%s + " option[value=" + %s + "]")?.disabled`,
		jsQuote(sel), jsQuote(jsQuote(value))), &ok))
	return ok
}

func vContains(t *testing.T, ctx context.Context, sel, want string) {
	t.Helper()
	if got := vText(t, ctx, sel); !strings.Contains(got, want) {
		t.Errorf("%s: %q does not contain %q", sel, got, want)
	}
}

// vClickAt scrolls the element to the middle of the viewport (away from the
// fixed bottom bar) and clicks it.
func vClickAt(sel string) chromedp.Action {
	return chromedp.Tasks{
		chromedp.WaitVisible(sel, chromedp.ByQuery),
		chromedp.Evaluate(`document.querySelector(`+jsQuote(sel)+`).scrollIntoView({block: "center"})`, nil),
		chromedp.Click(sel, chromedp.ByQuery),
	}
}

// vClick clicks and waits for the render.
func vClick(t *testing.T, ctx context.Context, sel string) {
	t.Helper()
	vRun(t, ctx, vClickAt(sel))
	vSettle(t, ctx)
}

// vType types text into an input, key by key.
func vType(t *testing.T, ctx context.Context, sel, text string) {
	t.Helper()
	vRun(t, ctx, chromedp.SendKeys(sel, text, chromedp.ByQuery))
	vSettle(t, ctx)
}

// vSetInput replaces an input's value the way typing does (an input event).
func vSetInput(t *testing.T, ctx context.Context, sel, value string) {
	t.Helper()
	vRun(t, ctx, chromedp.Evaluate(fmt.Sprintf(`(() => { const el = document.querySelector(%s); el.focus();
		el.value = %s; el.dispatchEvent(new Event("input", {bubbles: true})); return true })()`, jsQuote(sel), jsQuote(value)), nil))
	vSettle(t, ctx)
}

// vSetSelect picks an option as a person would (a change event).
func vSetSelect(t *testing.T, ctx context.Context, sel, value string) {
	t.Helper()
	vRun(t, ctx, chromedp.Evaluate(fmt.Sprintf(`(() => { const el = document.querySelector(%s); el.focus();
		el.value = %s; el.dispatchEvent(new Event("change", {bubbles: true})); return true })()`, jsQuote(sel), jsQuote(value)), nil))
	vSettle(t, ctx)
}

// vSettle waits for go-app to render what an event changed (two animation
// frames), so the next click lands where the button now is.
func vSettle(t *testing.T, ctx context.Context) {
	t.Helper()
	time.Sleep(30 * time.Millisecond)
	vRun(t, ctx, chromedp.Evaluate(`new Promise(ok => requestAnimationFrame(() => requestAnimationFrame(() => ok(true))))`, nil, awaitPromise))
}

// vShots saves the page at phone and desktop size, then goes back to phone.
func vShots(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	time.Sleep(150 * time.Millisecond) // let the last render paint
	screenshot(t, ctx, name+"-phone")
	if err := chromedp.Run(ctx, desktop()); err == nil {
		time.Sleep(100 * time.Millisecond)
		screenshot(t, ctx, name+"-desktop")
	}
	vRun(t, ctx, phone())
}
