//go:build !wasm

package main

import (
	"context"
	"flag"
	"net/http"
	"path/filepath"
	"time"

	shareserver "backpack/internal/share/server"
	"backpack/internal/syncserver"
	"backpack/internal/syncstore"
)

// syncConfig is what serve's sync flags hold.
type syncConfig struct {
	db         string
	quota      int64
	maxTotal   int64
	maxVaults  int
	maxDevices int
}

// syncFlags declares serve's sync flags on fs.
func syncFlags(fs *flag.FlagSet) *syncConfig {
	c := &syncConfig{}
	fs.StringVar(&c.db, "db", "", "PostgreSQL URL (postgres://…) of the sync store, shared by several servers; default: SQLite under -data. The password may come from PGPASSWORD or PGPASSFILE instead of the URL")
	fs.Var(sizeFlag{&c.quota}, "sync-quota", "bytes of one vault's synced records and files, e.g. 5GiB (default 2GiB)")
	fs.Var(sizeFlag{&c.maxTotal}, "sync-max-total", "bytes of all vaults together, e.g. 100GiB (default: no cap but max-vaults × quota)")
	fs.IntVar(&c.maxVaults, "sync-max-vaults", 0, "vaults this server keeps (default 1000; -1: no limit)")
	fs.IntVar(&c.maxDevices, "sync-max-devices", 0, "devices of one vault (default 10)")
	return c
}

// syncAPI returns the sync API over PostgreSQL (c.db) or SQLite in
// dataDir/sync; with neither, an API answering that sync is off.
func syncAPI(c syncConfig, dataDir string, share shareserver.Config) (http.Handler, func(), error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var st syncstore.Store
	var err error
	switch {
	case c.db != "":
		st, err = syncstore.OpenPostgres(ctx, c.db)
	case dataDir != "":
		st, err = syncstore.OpenSQLite(ctx, filepath.Join(dataDir, "sync"))
	default:
		return syncserver.Disabled(), func() {}, nil
	}
	if err != nil {
		return nil, nil, err
	}
	cfg := syncserver.Config{Store: st, QuotaBytes: c.quota, MaxTotalBytes: c.maxTotal, MaxVaults: c.maxVaults, MaxDevices: c.maxDevices}
	if len(share.TrustedProxies) > 0 {
		cfg.ClientKey = shareserver.ForwardedClientIP(share.TrustedProxies)
	}
	api, err := syncserver.New(cfg)
	if err != nil {
		st.Close()
		return nil, nil, err
	}
	return api, func() { st.Close() }, nil
}
