package ui

import (
	"os"
	"regexp"
	"testing"
	"time"

	"backpack/internal/i18n"
	"backpack/internal/portal"
	"backpack/internal/record"
)

// Opening the app refreshes the connection fetched longest ago, only when
// that was more than a day ago and it still has tokens.
func TestConnectStale(t *testing.T) {
	now := time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC)
	cs := []record.Connection{
		{ID: "fresh", Access: "a", LastPull: now.Add(-2 * time.Hour)},
		{ID: "never", Access: "a"},
		{ID: "old", Access: "a", LastPull: now.Add(-50 * time.Hour)},
		{ID: "older-but-signed-out", LastPull: now.Add(-90 * time.Hour)},
		{ID: "day", Refresh: "r", LastPull: now.Add(-25 * time.Hour)},
	}
	if c, ok := connectStale(cs, now); !ok || c.ID != "old" {
		t.Errorf("picked %q %v", c.ID, ok)
	}
	if _, ok := connectStale(cs[:2], now); ok {
		t.Error("refreshed a connection fetched today or never")
	}
}

// Every message of the connect page and every sign-in error is in the
// catalog (English and Spanish).
func TestConnectKeysInCatalog(t *testing.T) {
	b, err := os.ReadFile("connect.go")
	if err != nil {
		t.Fatal(err)
	}
	keys := map[string]bool{}
	for _, m := range regexp.MustCompile(`"(portal\.[a-z.]+[a-z])"`).FindAllSubmatch(b, -1) {
		keys[string(m[1])] = true
	}
	for _, code := range []string{"notfhir", "nosmart", "unreached", "state", "denied", "token", "expired", "address"} {
		if portal.Code(portalErr(code)) != code {
			t.Errorf("portal.Code does not know %s", code)
		}
		keys["portal.error."+code] = true
	}
	if len(keys) < 20 {
		t.Fatalf("only %d keys", len(keys))
	}
	for k := range keys {
		for _, l := range i18n.Langs {
			if _, counted := i18n.PluralIn(l, k); i18n.In(l, k) == k && !counted {
				t.Errorf("%s: no %s message", k, l)
			}
		}
	}
}

func portalErr(code string) error {
	return map[string]error{"notfhir": portal.ErrNotFHIR, "nosmart": portal.ErrNoSMART, "unreached": portal.ErrUnreached,
		"state": portal.ErrState, "denied": portal.ErrDenied, "token": portal.ErrToken, "expired": portal.ErrExpired, "address": portal.ErrBadAddress}[code]
}
