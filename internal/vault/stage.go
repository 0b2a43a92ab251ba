package vault

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"sync"
	"time"
)

// ErrStageExpired is returned by Stage.Commit when a staged file was
// reclaimed before the commit (the stage went PendingMaxAge without a
// write, as when its tab was frozen): nothing is written.
var ErrStageExpired = errors.New("vault: staged files were reclaimed before the commit")

// A Stage writes files ahead of the records that will describe them, as a
// restore does: it stores each file's bytes as the export streams by and
// writes the records only once the whole export is authenticated. Every
// staged file keeps a pending mark (see PutFile) until Commit, so a stage
// cut short (the tab closed, the page crashed) leaves files that Reclaim
// removes once the marks are older than PendingMaxAge. The marks are
// rewritten while the stage is in use, so a long stage keeps its files.
type Stage struct {
	v      *Vault
	mu     sync.Mutex
	files  map[string]string // staged file id → storage prefix
	marked time.Time         // when every mark was last rewritten
	done   bool
}

// Stage starts staging files.
func (v *Vault) Stage() *Stage {
	return &Stage{v: v, files: map[string]string{}, marked: now()}
}

// errStageDone is returned by a Stage used after Commit or Abort.
var errStageDone = errors.New("vault: stage already committed or aborted")

// PutFile stores r's content as file fileID, staged: as Vault.PutFile, but
// the file's pending mark stays until Commit or Abort.
func (st *Stage) PutFile(ctx context.Context, fileID string, r io.Reader) (int64, error) {
	v := st.v
	prefix, k, err := v.filePrefix(fileID)
	if err != nil {
		return 0, err
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.done {
		return 0, errStageDone
	}
	if _, dup := st.files[fileID]; dup {
		return 0, fmt.Errorf("%w: file %s", ErrExists, fileID)
	}
	if err := v.checkNew(ctx, fileID, prefix); err != nil {
		return 0, err
	}
	n, ops, err := v.putChunks(ctx, prefix, k, r)
	if err == nil {
		var c cryptor
		if c, err = v.liveCryptor(); err == nil {
			// The last op removes the mark: keep it instead, fresh.
			ops[len(ops)-1] = v.pendingOp(c, prefix)
			if now().Sub(st.marked) > PendingMaxAge/4 {
				for _, p := range st.files {
					ops = append(ops, v.pendingOp(c, p))
				}
				st.marked = now()
			}
			err = v.store.Write(ctx, ops)
		}
	}
	if err != nil {
		v.dropChunks(ctx, prefix)
		return 0, err
	}
	st.files[fileID] = prefix
	return n, nil
}

// Files returns the ids of the files staged so far, sorted.
func (st *Stage) Files() []string {
	st.mu.Lock()
	defer st.mu.Unlock()
	return slices.Sorted(maps.Keys(st.files))
}

// Commit writes recs and ends the stage in one transaction: the staged
// files that a record of recs, or one already stored, describes (a record
// whose id is the file's) lose their marks and are kept; the others are
// deleted. A file nothing describes is never kept. When a staged file was
// reclaimed meanwhile, Commit writes nothing and returns ErrStageExpired
// (after deleting what is left of the stage). Run it inside Exclusive, so
// that no Reclaim of another tab comes between its check and its write.
func (st *Stage) Commit(ctx context.Context, recs ...Record) error {
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.done {
		return errStageDone
	}
	v := st.v
	for _, prefix := range st.files {
		if _, err := v.store.Get(ctx, BucketMeta, pendingPrefix+prefix); errors.Is(err, ErrNotFound) {
			st.abort(ctx)
			return ErrStageExpired
		} else if err != nil {
			return err
		}
	}
	described := make(map[string]bool, len(recs))
	for _, r := range recs {
		described[r.ID] = true
	}
	var ops []Op
	for id, prefix := range st.files {
		ops = append(ops, Op{Bucket: BucketMeta, Key: pendingPrefix + prefix, Delete: true})
		if !described[id] && !v.has(id) {
			ops = append(ops, Op{Bucket: BucketChunks, Key: prefix, Delete: true, Prefix: true})
		}
	}
	var err error
	if len(recs) > 0 {
		err = v.writeWith(ctx, ops, recs)
	} else if len(ops) > 0 {
		v.writeMu.Lock()
		err = v.store.Write(ctx, ops)
		v.writeMu.Unlock()
	}
	if err != nil {
		return err
	}
	st.done = true
	return nil
}

// Abort deletes every staged file, best effort: what a failure leaves,
// Reclaim removes later.
func (st *Stage) Abort(ctx context.Context) {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.abort(ctx)
}

func (st *Stage) abort(ctx context.Context) {
	if st.done {
		return
	}
	for _, prefix := range st.files {
		st.v.dropChunks(ctx, prefix)
	}
	st.files, st.done = nil, true
}

// has reports whether a record id is stored (in the header cache).
func (v *Vault) has(id string) bool {
	v.mu.RLock()
	defer v.mu.RUnlock()
	return v.headers[id] != nil
}
