//go:build !wasm

package main

import (
	"crypto/ed25519"
	"encoding/json"
	"flag"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	shareserver "backpack/internal/share/server"
	"backpack/internal/syncproto"
)

func TestSyncFlags(t *testing.T) {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	c := syncFlags(fs)
	if err := fs.Parse([]string{"-sync-quota", "300B", "-sync-max-total", "1GiB", "-sync-max-vaults", "1", "-sync-max-devices", "3"}); err != nil {
		t.Fatal(err)
	}
	// Without -data or -db, sync is off.
	off, closeOff, err := syncAPI(*c, "", shareserver.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer closeOff()
	w := httptest.NewRecorder()
	off.ServeHTTP(w, httptest.NewRequest("POST", syncproto.VaultsPath(), nil))
	if w.Code != 503 {
		t.Fatal("sync without storage:", w.Code)
	}
	// With -data, SQLite under DIR/sync, and the flags apply.
	dir := t.TempDir()
	api, closeAPI, err := syncAPI(*c, dir, shareserver.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer closeAPI()
	if _, err := os.Stat(filepath.Join(dir, "sync", "sync.db")); err != nil {
		t.Fatal(err)
	}
	create := func() (int, syncproto.Info) {
		_, vk, _ := ed25519.GenerateKey(nil)
		_, dk, _ := ed25519.GenerateKey(nil)
		b, _ := json.Marshal(syncproto.NewCreate(vk, dk))
		w := httptest.NewRecorder()
		api.ServeHTTP(w, httptest.NewRequest("POST", syncproto.VaultsPath(), strings.NewReader(string(b))))
		var info syncproto.Info
		json.Unmarshal(w.Body.Bytes(), &info)
		return w.Code, info
	}
	code, info := create()
	if code != 201 || info.QuotaBytes != 300 || info.MaxDevices != 3 {
		t.Fatalf("%d %+v", code, info)
	}
	if code, _ := create(); code != 507 {
		t.Fatal("-sync-max-vaults 1:", code)
	}
}
