//go:build !wasm

package syncstore

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"backpack/internal/syncproto"
)

// dialect is what differs between SQLite and PostgreSQL.
type dialect struct {
	postgres bool
}

// schema is written for SQLite; rebind turns it into PostgreSQL. Shared
// profiles' tables (sync_members: a member device's role, box key and
// sealed name; sync_enroll_extra: a member enrollment's role and blob;
// sync_keys: wrapped profile keys) are tables of their own so that a
// database made before them needs nothing but their creation.
const schema = `
CREATE TABLE IF NOT EXISTS sync_vaults (
	id TEXT PRIMARY KEY,
	key BLOB NOT NULL,
	head_seq INTEGER NOT NULL,
	head_hash BLOB NOT NULL,
	used INTEGER NOT NULL,
	created INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS sync_devices (
	vault TEXT NOT NULL,
	id TEXT NOT NULL,
	key BLOB NOT NULL,
	added INTEGER NOT NULL,
	PRIMARY KEY (vault, id)
);
CREATE TABLE IF NOT EXISTS sync_enrollments (
	vault TEXT NOT NULL,
	key BLOB NOT NULL,
	expires INTEGER NOT NULL,
	PRIMARY KEY (vault, key)
);
CREATE INDEX IF NOT EXISTS sync_enrollments_key ON sync_enrollments (key);
CREATE TABLE IF NOT EXISTS sync_entries (
	vault TEXT NOT NULL,
	seq INTEGER NOT NULL,
	id BLOB NOT NULL,
	version INTEGER NOT NULL,
	deleted INTEGER NOT NULL,
	ct BLOB NOT NULL,
	PRIMARY KEY (vault, seq)
);
CREATE TABLE IF NOT EXISTS sync_heads (
	vault TEXT NOT NULL,
	seq INTEGER NOT NULL,
	hash BLOB NOT NULL,
	sig BLOB NOT NULL,
	PRIMARY KEY (vault, seq)
);
CREATE TABLE IF NOT EXISTS sync_files (
	vault TEXT NOT NULL,
	id TEXT NOT NULL,
	total INTEGER NOT NULL,
	have INTEGER NOT NULL,
	bytes INTEGER NOT NULL,
	PRIMARY KEY (vault, id)
);
CREATE TABLE IF NOT EXISTS sync_members (
	vault TEXT NOT NULL,
	id TEXT NOT NULL,
	role TEXT NOT NULL,
	box_key BLOB NOT NULL,
	label BLOB NOT NULL,
	PRIMARY KEY (vault, id)
);
CREATE TABLE IF NOT EXISTS sync_enroll_extra (
	vault TEXT NOT NULL,
	key BLOB NOT NULL,
	role TEXT NOT NULL,
	blob BLOB NOT NULL,
	PRIMARY KEY (vault, key)
);
CREATE TABLE IF NOT EXISTS sync_keys (
	vault TEXT NOT NULL,
	device TEXT NOT NULL,
	epoch INTEGER NOT NULL,
	wrapped BLOB NOT NULL,
	PRIMARY KEY (vault, device, epoch)
);
CREATE TABLE IF NOT EXISTS sync_chunks (
	vault TEXT NOT NULL,
	file TEXT NOT NULL,
	idx INTEGER NOT NULL,
	data BLOB NOT NULL,
	PRIMARY KEY (vault, file, idx)
);
`

// maxEnrollments bounds the open enrollments of one vault.
const maxEnrollments = 8

// sqlStore is the Store over database/sql, for both dialects.
type sqlStore struct {
	db *sql.DB
	d  dialect
	// afterInsert, when set (tests), runs inside Append after each batch
	// of envelopes is inserted, before the head moves; an error fails the
	// push.
	afterInsert func() error
}

// rebind turns ? placeholders and SQLite types into PostgreSQL's.
func (d dialect) rebind(q string) string {
	if !d.postgres {
		return q
	}
	q = strings.NewReplacer("BLOB", "BYTEA", "INTEGER", "BIGINT").Replace(q)
	var b strings.Builder
	n := 0
	for _, r := range q {
		if r == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// forUpdate locks the rows a SELECT reads until the transaction ends
// (SQLite's immediate transactions already hold the whole database).
func (d dialect) forUpdate() string {
	if d.postgres {
		return " FOR UPDATE"
	}
	return ""
}

func (s *sqlStore) migrate(ctx context.Context) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		if s.d.postgres {
			// Several processes may start at once: one creates the tables.
			if _, err := tx.ExecContext(ctx, "SELECT pg_advisory_xact_lock(7162534)"); err != nil {
				return err
			}
		}
		for _, stmt := range strings.Split(schema, ";") {
			if strings.TrimSpace(stmt) == "" {
				continue
			}
			if _, err := tx.ExecContext(ctx, s.d.rebind(stmt)); err != nil {
				return err
			}
		}
		return nil
	})
}

type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func (s *sqlStore) exec(ctx context.Context, q querier, query string, args ...any) (int64, error) {
	r, err := q.ExecContext(ctx, s.d.rebind(query), args...)
	if err != nil {
		return 0, err
	}
	return r.RowsAffected()
}

func (s *sqlStore) row(ctx context.Context, q querier, query string, args ...any) *sql.Row {
	return q.QueryRowContext(ctx, s.d.rebind(query), args...)
}

// tx runs fn in a transaction, committed when fn returns nil.
func (s *sqlStore) tx(ctx context.Context, fn func(*sql.Tx) error) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	return tx.Commit()
}

// lockVault reads the vault's head and usage, locking its row.
func (s *sqlStore) lockVault(ctx context.Context, tx *sql.Tx, id string) (seq int64, hash []byte, used int64, err error) {
	err = s.row(ctx, tx, "SELECT head_seq, head_hash, used FROM sync_vaults WHERE id = ?"+s.d.forUpdate(), id).Scan(&seq, &hash, &used)
	if errors.Is(err, sql.ErrNoRows) {
		err = fail(syncproto.CodeNotFound)
	}
	return
}

func (s *sqlStore) CreateVault(ctx context.Context, v NewVault, maxVaults int) error {
	err := s.tx(ctx, func(tx *sql.Tx) error {
		var n int
		if err := s.row(ctx, tx, "SELECT count(*) FROM sync_vaults WHERE id = ?", v.ID).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return fail(syncproto.CodeExists)
		}
		if maxVaults > 0 {
			if err := s.row(ctx, tx, "SELECT count(*) FROM sync_vaults").Scan(&n); err != nil {
				return err
			}
			if n >= maxVaults {
				return fail(syncproto.CodeQuota)
			}
		}
		now := time.Now().Unix()
		if _, err := s.exec(ctx, tx, "INSERT INTO sync_vaults (id, key, head_seq, head_hash, used, created) VALUES (?, ?, 0, ?, 0, ?)",
			v.ID, v.Key, syncproto.Genesis(v.ID), now); err != nil {
			return err
		}
		_, err := s.exec(ctx, tx, "INSERT INTO sync_devices (vault, id, key, added) VALUES (?, ?, ?, ?)", v.ID, v.Device.ID, v.Device.Key, v.Device.Added)
		return err
	})
	var pg *pgconn.PgError
	if errors.As(err, &pg) && pg.Code == "23505" {
		// Created at the same moment through another connection (SQLite's
		// transactions never overlap; PostgreSQL's do until the insert).
		return fail(syncproto.CodeExists)
	}
	return err
}

func (s *sqlStore) Vault(ctx context.Context, id string) (Vault, error) {
	v := Vault{ID: id}
	var seq int64
	err := s.row(ctx, s.db, "SELECT key, head_seq, head_hash, used, (SELECT count(*) FROM sync_devices WHERE vault = ?) FROM sync_vaults WHERE id = ?", id, id).
		Scan(&v.Key, &seq, &v.Head.Hash, &v.Used, &v.Devices)
	if errors.Is(err, sql.ErrNoRows) {
		return v, fail(syncproto.CodeNotFound)
	}
	if err != nil {
		return v, err
	}
	v.Head.Seq = uint64(seq)
	v.Head.Sig, err = s.headSig(ctx, s.db, id, seq)
	return v, err
}

func (s *sqlStore) headSig(ctx context.Context, q querier, vault string, seq int64) ([]byte, error) {
	if seq == 0 {
		return nil, nil
	}
	var sig []byte
	err := s.row(ctx, q, "SELECT sig FROM sync_heads WHERE vault = ? AND seq = ?", vault, seq).Scan(&sig)
	return sig, err
}

var vaultTables = []string{"sync_chunks", "sync_files", "sync_heads", "sync_entries", "sync_enrollments", "sync_enroll_extra", "sync_keys", "sync_members", "sync_devices"}

func (s *sqlStore) DeleteVault(ctx context.Context, id string) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		if _, _, _, err := s.lockVault(ctx, tx, id); err != nil {
			return err
		}
		for _, t := range vaultTables {
			if _, err := s.exec(ctx, tx, "DELETE FROM "+t+" WHERE vault = ?", id); err != nil {
				return err
			}
		}
		_, err := s.exec(ctx, tx, "DELETE FROM sync_vaults WHERE id = ?", id)
		return err
	})
}

func (s *sqlStore) DeviceKey(ctx context.Context, vault, device string) ([]byte, string, error) {
	var key []byte
	var role string
	err := s.row(ctx, s.db, "SELECT d.key, COALESCE(m.role, '') FROM sync_devices d LEFT JOIN sync_members m ON m.vault = d.vault AND m.id = d.id WHERE d.vault = ? AND d.id = ?", vault, device).Scan(&key, &role)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, "", fail(syncproto.CodeNotFound)
	}
	return key, role, err
}

func (s *sqlStore) Devices(ctx context.Context, vault string) ([]syncproto.Device, error) {
	rows, err := s.db.QueryContext(ctx, s.d.rebind("SELECT d.id, d.key, d.added, COALESCE(m.role, ''), m.box_key, m.label FROM sync_devices d LEFT JOIN sync_members m ON m.vault = d.vault AND m.id = d.id WHERE d.vault = ? ORDER BY d.added, d.id"), vault)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []syncproto.Device
	for rows.Next() {
		var d syncproto.Device
		if err := rows.Scan(&d.ID, &d.Key, &d.Added, &d.Role, &d.BoxKey, &d.Label); err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

func (s *sqlStore) Enroll(ctx context.Context, vault string, e Enrollment) error {
	key := e.Key
	return s.tx(ctx, func(tx *sql.Tx) error {
		if _, _, _, err := s.lockVault(ctx, tx, vault); err != nil {
			return err
		}
		if _, err := s.exec(ctx, tx, "DELETE FROM sync_enrollments WHERE vault = ? AND (expires <= ? OR key = ?)", vault, time.Now().Unix(), key); err != nil {
			return err
		}
		if _, err := s.exec(ctx, tx, "DELETE FROM sync_enroll_extra WHERE vault = ? AND key NOT IN (SELECT key FROM sync_enrollments WHERE vault = ?)", vault, vault); err != nil {
			return err
		}
		var n, elsewhere int
		if err := s.row(ctx, tx, "SELECT count(*), COALESCE(SUM(CASE WHEN key = ? THEN 1 ELSE 0 END), 0) FROM sync_enrollments WHERE vault = ? OR (key = ? AND expires > ?)",
			key, vault, key, time.Now().Unix()).Scan(&n, &elsewhere); err != nil {
			return err
		}
		if elsewhere > 0 {
			return fail(syncproto.CodeExists)
		}
		if n >= maxEnrollments {
			return fail(syncproto.CodeQuota)
		}
		if _, err := s.exec(ctx, tx, "INSERT INTO sync_enrollments (vault, key, expires) VALUES (?, ?, ?)", vault, key, e.Expires.Unix()); err != nil {
			return err
		}
		if e.Role == "" {
			return nil
		}
		blob := e.Blob
		if blob == nil {
			blob = []byte{}
		}
		_, err := s.exec(ctx, tx, "INSERT INTO sync_enroll_extra (vault, key, role, blob) VALUES (?, ?, ?, ?)", vault, key, e.Role, blob)
		return err
	})
}

func (s *sqlStore) Peek(ctx context.Context, enrollKey []byte, now time.Time) (syncproto.Invitation, error) {
	var inv syncproto.Invitation
	rows, err := s.db.QueryContext(ctx, s.d.rebind("SELECT e.vault, x.role, x.blob FROM sync_enrollments e JOIN sync_enroll_extra x ON x.vault = e.vault AND x.key = e.key WHERE e.key = ? AND e.expires > ?"), enrollKey, now.Unix())
	if err != nil {
		return inv, err
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		if err := rows.Scan(&inv.Vault, &inv.Role, &inv.Blob); err != nil {
			return inv, err
		}
		n++
	}
	if err := rows.Err(); err != nil {
		return inv, err
	}
	if n != 1 {
		return syncproto.Invitation{}, fail(syncproto.CodeNotFound)
	}
	return inv, nil
}

func (s *sqlStore) Join(ctx context.Context, vault string, enrollKey []byte, d syncproto.Device, now time.Time, maxDevices int) (Joined, error) {
	if vault == "" {
		var n int
		err := s.row(ctx, s.db, "SELECT count(*), COALESCE(MIN(vault), '') FROM sync_enrollments WHERE key = ? AND expires > ?", enrollKey, now.Unix()).Scan(&n, &vault)
		if err != nil {
			return Joined{}, err
		}
		if n != 1 {
			return Joined{}, fail(syncproto.CodeNotFound)
		}
	}
	j := Joined{Vault: vault}
	err := s.tx(ctx, func(tx *sql.Tx) error {
		if _, _, _, err := s.lockVault(ctx, tx, vault); err != nil {
			return err
		}
		n, err := s.exec(ctx, tx, "DELETE FROM sync_enrollments WHERE vault = ? AND key = ? AND expires > ?", vault, enrollKey, now.Unix())
		if err != nil {
			return err
		}
		if n == 0 {
			return fail(syncproto.CodeNotFound)
		}
		err = s.row(ctx, tx, "SELECT role, blob FROM sync_enroll_extra WHERE vault = ? AND key = ?", vault, enrollKey).Scan(&j.Role, &j.Blob)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		// The blob goes to this device once; the server forgets it.
		if _, err := s.exec(ctx, tx, "DELETE FROM sync_enroll_extra WHERE vault = ? AND key = ?", vault, enrollKey); err != nil {
			return err
		}
		var count, dup int
		if err := s.row(ctx, tx, "SELECT count(*), COALESCE(SUM(CASE WHEN id = ? THEN 1 ELSE 0 END), 0) FROM sync_devices WHERE vault = ?", d.ID, vault).Scan(&count, &dup); err != nil {
			return err
		}
		if dup > 0 {
			return fail(syncproto.CodeExists)
		}
		if maxDevices > 0 && count >= maxDevices {
			return fail(syncproto.CodeQuota)
		}
		if _, err := s.exec(ctx, tx, "INSERT INTO sync_devices (vault, id, key, added) VALUES (?, ?, ?, ?)", vault, d.ID, d.Key, d.Added); err != nil {
			return err
		}
		if j.Role == "" {
			return nil
		}
		box, label := d.BoxKey, d.Label
		if box == nil {
			box = []byte{}
		}
		if label == nil {
			label = []byte{}
		}
		_, err = s.exec(ctx, tx, "INSERT INTO sync_members (vault, id, role, box_key, label) VALUES (?, ?, ?, ?, ?)", vault, d.ID, j.Role, box, label)
		return err
	})
	if err != nil {
		return Joined{}, err
	}
	return j, nil
}

func (s *sqlStore) RemoveDevice(ctx context.Context, vault, device string) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		n, err := s.exec(ctx, tx, "DELETE FROM sync_devices WHERE vault = ? AND id = ?", vault, device)
		if err != nil {
			return err
		}
		if n == 0 {
			return fail(syncproto.CodeNotFound)
		}
		for _, t := range []string{"sync_members", "sync_keys"} {
			col := "id"
			if t == "sync_keys" {
				col = "device"
			}
			if _, err := s.exec(ctx, tx, "DELETE FROM "+t+" WHERE vault = ? AND "+col+" = ?", vault, device); err != nil {
				return err
			}
		}
		return nil
	})
}

func (s *sqlStore) PutKeys(ctx context.Context, vault string, keys []syncproto.KeyWrap) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		if _, _, _, err := s.lockVault(ctx, tx, vault); err != nil {
			return err
		}
		for _, k := range keys {
			var n int
			if err := s.row(ctx, tx, "SELECT count(*) FROM sync_members WHERE vault = ? AND id = ?", vault, k.Device).Scan(&n); err != nil {
				return err
			}
			if n == 0 {
				return fail(syncproto.CodeNotFound)
			}
			if _, err := s.exec(ctx, tx, "INSERT INTO sync_keys (vault, device, epoch, wrapped) VALUES (?, ?, ?, ?) ON CONFLICT (vault, device, epoch) DO UPDATE SET wrapped = excluded.wrapped",
				vault, k.Device, int64(k.Epoch), k.Wrapped); err != nil {
				return err
			}
		}
		return nil
	})
}

func (s *sqlStore) Keys(ctx context.Context, vault, device string) ([]syncproto.KeyWrap, error) {
	rows, err := s.db.QueryContext(ctx, s.d.rebind("SELECT epoch, wrapped FROM sync_keys WHERE vault = ? AND device = ? ORDER BY epoch"), vault, device)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []syncproto.KeyWrap{}
	for rows.Next() {
		k := syncproto.KeyWrap{Device: device}
		var epoch int64
		if err := rows.Scan(&epoch, &k.Wrapped); err != nil {
			return nil, err
		}
		k.Epoch = uint32(epoch)
		out = append(out, k)
	}
	return out, rows.Err()
}

// insertBatch is how many entries one INSERT statement carries.
const insertBatch = 64

func (s *sqlStore) Append(ctx context.Context, vault string, p syncproto.Push, quota int64) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		seq, hash, used, err := s.lockVault(ctx, tx, vault)
		if err != nil {
			return err
		}
		if p.Base.Seq != uint64(seq) || string(p.Base.Hash) != string(hash) {
			head := syncproto.Head{Seq: uint64(seq), Hash: hash}
			if head.Sig, err = s.headSig(ctx, tx, vault, seq); err != nil {
				return err
			}
			return &syncproto.Error{Code: syncproto.CodeConflict, Head: &head}
		}
		var size int64
		for _, e := range p.Envelopes {
			size += e.Size()
		}
		if quota > 0 && used+size > quota {
			return fail(syncproto.CodeQuota)
		}
		for i := 0; i < len(p.Envelopes); i += insertBatch {
			batch := p.Envelopes[i:min(i+insertBatch, len(p.Envelopes))]
			q := "INSERT INTO sync_entries (vault, seq, id, version, deleted, ct) VALUES " +
				strings.Repeat("(?, ?, ?, ?, ?, ?), ", len(batch)-1) + "(?, ?, ?, ?, ?, ?)"
			args := make([]any, 0, 6*len(batch))
			for j, e := range batch {
				del := 0
				if e.Deleted {
					del = 1
				}
				ct := e.Ciphertext
				if ct == nil {
					ct = []byte{}
				}
				args = append(args, vault, seq+int64(i+j)+1, e.ID, int64(e.Version), del, ct)
			}
			if _, err := s.exec(ctx, tx, q, args...); err != nil {
				return err
			}
			if s.afterInsert != nil {
				if err := s.afterInsert(); err != nil {
					return err
				}
			}
		}
		if _, err := s.exec(ctx, tx, "INSERT INTO sync_heads (vault, seq, hash, sig) VALUES (?, ?, ?, ?)", vault, int64(p.Head.Seq), p.Head.Hash, p.Head.Sig); err != nil {
			return err
		}
		_, err = s.exec(ctx, tx, "UPDATE sync_vaults SET head_seq = ?, head_hash = ?, used = used + ? WHERE id = ?", int64(p.Head.Seq), p.Head.Hash, size, vault)
		return err
	})
}

func (s *sqlStore) Pull(ctx context.Context, vault string, since uint64, limit int, maxBytes int64) (syncproto.Pull, error) {
	var out syncproto.Pull
	var seq int64
	var hash []byte
	err := s.row(ctx, s.db, "SELECT head_seq, head_hash FROM sync_vaults WHERE id = ?", vault).Scan(&seq, &hash)
	if errors.Is(err, sql.ErrNoRows) {
		return out, fail(syncproto.CodeNotFound)
	}
	if err != nil {
		return out, err
	}
	top := uint64(seq)
	if since >= top {
		// Nothing new (or the client is ahead of this server: its Chain
		// says so).
		out.Head = syncproto.Head{Seq: top, Hash: hash}
		out.Head.Sig, err = s.headSig(ctx, s.db, vault, seq)
		return out, err
	}
	if limit <= 0 {
		limit = syncproto.DefaultPullLimit
	}
	// The heads this page may end at: those within limit entries, or else
	// the first one after since.
	heads, err := s.heads(ctx, "SELECT seq, hash, sig FROM sync_heads WHERE vault = ? AND seq > ? AND seq <= ? ORDER BY seq",
		vault, int64(since), int64(min(since+uint64(limit), top)))
	if err == nil && len(heads) == 0 {
		heads, err = s.heads(ctx, "SELECT seq, hash, sig FROM sync_heads WHERE vault = ? AND seq > ? ORDER BY seq LIMIT 1", vault, int64(since))
	}
	if err != nil {
		return out, err
	}
	if len(heads) == 0 {
		return out, errors.New("syncstore: log has no head after its entries")
	}
	rows, err := s.db.QueryContext(ctx, s.d.rebind("SELECT seq, id, version, deleted, ct FROM sync_entries WHERE vault = ? AND seq > ? AND seq <= ? ORDER BY seq"),
		vault, int64(since), int64(heads[len(heads)-1].Seq))
	if err != nil {
		return out, err
	}
	defer rows.Close()
	var bytes int64
	h := 0 // next head to reach
	for rows.Next() {
		var e syncproto.Entry
		var ver int64
		var del int
		if err := rows.Scan(&e.Seq, &e.ID, &ver, &del, &e.Ciphertext); err != nil {
			return out, err
		}
		e.Version, e.Deleted = uint64(ver), del != 0
		if len(e.Ciphertext) == 0 {
			e.Ciphertext = nil
		}
		out.Entries = append(out.Entries, e)
		bytes += int64(len(e.Ciphertext))
		if e.Seq == heads[h].Seq {
			out.Head = heads[h]
			h++
			if h == len(heads) || (maxBytes > 0 && bytes >= maxBytes) {
				break
			}
		}
	}
	if err := rows.Err(); err != nil {
		return out, err
	}
	if out.Head.Seq == 0 {
		return out, errors.New("syncstore: log entries missing below a head")
	}
	out.Entries = out.Entries[:out.Head.Seq-since]
	out.More = out.Head.Seq < top
	return out, nil
}

func (s *sqlStore) heads(ctx context.Context, query string, args ...any) ([]syncproto.Head, error) {
	rows, err := s.db.QueryContext(ctx, s.d.rebind(query), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []syncproto.Head
	for rows.Next() {
		var h syncproto.Head
		var seq int64
		if err := rows.Scan(&seq, &h.Hash, &h.Sig); err != nil {
			return nil, err
		}
		h.Seq = uint64(seq)
		out = append(out, h)
	}
	return out, rows.Err()
}

func (s *sqlStore) PutChunk(ctx context.Context, c Chunk, quota int64) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		_, _, used, err := s.lockVault(ctx, tx, c.Vault)
		if err != nil {
			return err
		}
		var total, have int
		err = s.row(ctx, tx, "SELECT total, have FROM sync_files WHERE vault = ? AND id = ?", c.Vault, c.File).Scan(&total, &have)
		isNew := errors.Is(err, sql.ErrNoRows)
		if err != nil && !isNew {
			return err
		}
		if !isNew && total != c.Total {
			return fail(syncproto.CodeBadRequest)
		}
		if !isNew && have == total {
			return fail(syncproto.CodeExists)
		}
		var old int64 = -1
		err = s.row(ctx, tx, "SELECT length(data) FROM sync_chunks WHERE vault = ? AND file = ? AND idx = ?", c.Vault, c.File, c.Index).Scan(&old)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		delta, added := int64(len(c.Data)), 1
		if old >= 0 {
			delta, added = delta-old, 0
		}
		if quota > 0 && delta > 0 && used+delta > quota {
			return fail(syncproto.CodeQuota)
		}
		if _, err := s.exec(ctx, tx, "INSERT INTO sync_chunks (vault, file, idx, data) VALUES (?, ?, ?, ?) ON CONFLICT (vault, file, idx) DO UPDATE SET data = excluded.data",
			c.Vault, c.File, c.Index, c.Data); err != nil {
			return err
		}
		if isNew {
			_, err = s.exec(ctx, tx, "INSERT INTO sync_files (vault, id, total, have, bytes) VALUES (?, ?, ?, 1, ?)", c.Vault, c.File, c.Total, delta)
		} else {
			_, err = s.exec(ctx, tx, "UPDATE sync_files SET have = have + ?, bytes = bytes + ? WHERE vault = ? AND id = ?", added, delta, c.Vault, c.File)
		}
		if err != nil {
			return err
		}
		_, err = s.exec(ctx, tx, "UPDATE sync_vaults SET used = used + ? WHERE id = ?", delta, c.Vault)
		return err
	})
}

func (s *sqlStore) File(ctx context.Context, vault, file string) (syncproto.FileStatus, error) {
	var st syncproto.FileStatus
	err := s.row(ctx, s.db, "SELECT total, bytes FROM sync_files WHERE vault = ? AND id = ?", vault, file).Scan(&st.Total, &st.Bytes)
	if errors.Is(err, sql.ErrNoRows) {
		return st, fail(syncproto.CodeNotFound)
	}
	if err != nil {
		return st, err
	}
	rows, err := s.db.QueryContext(ctx, s.d.rebind("SELECT idx FROM sync_chunks WHERE vault = ? AND file = ? ORDER BY idx"), vault, file)
	if err != nil {
		return st, err
	}
	defer rows.Close()
	st.Have = []int{}
	for rows.Next() {
		var i int
		if err := rows.Scan(&i); err != nil {
			return st, err
		}
		st.Have = append(st.Have, i)
	}
	st.Complete = len(st.Have) == st.Total
	return st, rows.Err()
}

func (s *sqlStore) Chunk(ctx context.Context, vault, file string, index int) ([]byte, error) {
	var data []byte
	err := s.row(ctx, s.db, "SELECT data FROM sync_chunks WHERE vault = ? AND file = ? AND idx = ?", vault, file, index).Scan(&data)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fail(syncproto.CodeNotFound)
	}
	return data, err
}

func (s *sqlStore) DeleteFile(ctx context.Context, vault, file string) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		if _, _, _, err := s.lockVault(ctx, tx, vault); err != nil {
			return err
		}
		var bytes int64
		err := s.row(ctx, tx, "SELECT bytes FROM sync_files WHERE vault = ? AND id = ?", vault, file).Scan(&bytes)
		if errors.Is(err, sql.ErrNoRows) {
			return fail(syncproto.CodeNotFound)
		}
		if err != nil {
			return err
		}
		if _, err := s.exec(ctx, tx, "DELETE FROM sync_chunks WHERE vault = ? AND file = ?", vault, file); err != nil {
			return err
		}
		if _, err := s.exec(ctx, tx, "DELETE FROM sync_files WHERE vault = ? AND id = ?", vault, file); err != nil {
			return err
		}
		_, err = s.exec(ctx, tx, "UPDATE sync_vaults SET used = used - ? WHERE id = ?", bytes, vault)
		return err
	})
}

func (s *sqlStore) Used(ctx context.Context) (int64, error) {
	var n int64
	err := s.row(ctx, s.db, "SELECT COALESCE(SUM(used), 0) FROM sync_vaults").Scan(&n)
	return n, err
}

func (s *sqlStore) Ping(ctx context.Context) error { return s.db.PingContext(ctx) }

func (s *sqlStore) Close() error { return s.db.Close() }
