package ui

import (
	"testing"
	"time"

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
