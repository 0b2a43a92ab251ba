//go:build !wasm

package syncstore

import (
	"context"
	"database/sql"
	"net/url"
	"os"
	"path/filepath"

	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx"
	_ "modernc.org/sqlite"             // database/sql driver "sqlite"
)

// SQLiteFile is the store's file name under `serve -data DIR`.
const SQLiteFile = "sync.db"

// OpenSQLite opens (creating it if needed) the embedded store in dir.
// Writers take the database's lock at the start of each transaction and wait
// for one another; readers never wait (write-ahead log). Commits are synced to
// disk before a push is answered.
func OpenSQLite(ctx context.Context, dir string) (Store, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	path := filepath.Join(dir, SQLiteFile)
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(20000)")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "synchronous(FULL)")
	q.Set("_txlock", "immediate")
	db, err := sql.Open("sqlite", "file:"+path+"?"+q.Encode())
	if err != nil {
		return nil, err
	}
	return open(ctx, db, dialect{})
}

// OpenPostgres connects to the PostgreSQL database at url (postgres://…),
// creating the tables if needed. Any number of server processes may share it.
func OpenPostgres(ctx context.Context, url string) (Store, error) {
	db, err := sql.Open("pgx", url)
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(16)
	db.SetMaxIdleConns(16)
	return open(ctx, db, dialect{postgres: true})
}

func open(ctx context.Context, db *sql.DB, d dialect) (Store, error) {
	s := &sqlStore{db: db, d: d}
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, err
	}
	if err := s.migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return s, nil
}
