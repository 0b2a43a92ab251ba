package vault

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"
)

// ChunkSize is the plaintext size of every file chunk but the last.
const ChunkSize = 1 << 20

// BatchChunks is how many chunks PutFile writes per store transaction and
// file readers fetch per round trip (8 MiB): few enough to bound memory,
// many enough that per-transaction costs vanish.
const BatchChunks = 8

// Chunk keys are the file's opaque prefix, a dot and the index in hex, so
// one prefix delete removes a whole file.
func chunkKey(prefix string, i uint32) string {
	return fmt.Sprintf("%s.%08x", prefix, i)
}

// chunkAAD binds a chunk to its place: key (file and index), index again
// and the final flag, so truncation, reordering and moves are detected.
func chunkAAD(schema int, key string, i uint32, final bool) []byte {
	extra := binary.BigEndian.AppendUint32(nil, i)
	if final {
		extra = append(extra, 1)
	} else {
		extra = append(extra, 0)
	}
	return aad(schema, BucketChunks, key, extra)
}

// A pending mark, in BucketMeta under pendingPrefix + the file's storage
// prefix, says that file's chunks are being written. It lands in the same
// transaction as the first chunks, is rewritten with every batch and is
// removed with the last one, so a PutFile cut short (the tab closed) leaves
// a mark that Unlock finds once it is older than PendingMaxAge: it then
// deletes the mark and the file's chunks. The value is the sealed time of
// the last batch, so a mark cannot be forged or moved to another file.
const pendingPrefix = "pending."

// PendingMaxAge is how long a pending mark must have gone without a write
// before Unlock treats its file as abandoned. It is far above the time
// between two batches, so a PutFile running in another tab is left alone.
const PendingMaxAge = 10 * time.Minute

var now = time.Now // tests move the clock

func (v *Vault) pendingOp(c cryptor, prefix string) Op {
	key := pendingPrefix + prefix
	t := binary.BigEndian.AppendUint64(nil, uint64(now().Unix()))
	return Op{Bucket: BucketMeta, Key: key, Value: seal(c.aead, aad(v.schema, BucketMeta, key, nil), t)}
}

// liveCryptor returns the key's AEADs while the vault is unlocked. Long
// file transfers take it again for each batch, under mu, so that Lock
// (which wipes the keys) never races them; a copy keeps working for the
// batch under way.
func (v *Vault) liveCryptor() (cryptor, error) {
	v.mu.RLock()
	defer v.mu.RUnlock()
	if v.k == nil {
		return cryptor{}, ErrLocked
	}
	return v.k.cryptor(), nil
}

// filePrefix returns the file's storage prefix and the keys, or ErrLocked.
func (v *Vault) filePrefix(fileID string) (string, *keys, error) {
	if err := checkID(fileID); err != nil {
		return "", nil, err
	}
	v.mu.RLock()
	defer v.mu.RUnlock()
	if v.k == nil {
		return "", nil, ErrLocked
	}
	return v.k.storageKey(kindFile, fileID), v.k, nil
}

// PutFile stores r's content as file fileID, encrypting and writing it
// BatchChunks chunks per store transaction (memory stays near 3 × 8 MiB
// whatever the size). An id already in use returns ErrExists: delete the old
// file first. On error the chunks written so far are removed; if the
// program dies halfway, the next Unlock removes them (see PendingMaxAge).
//
// A file and the record that describes it are best written together with
// PutFileRecord, so that neither exists without the other: a file no
// record describes is removed by the next Reclaim (write the bytes ahead
// of the records with a Stage).
func (v *Vault) PutFile(ctx context.Context, fileID string, r io.Reader) (int64, error) {
	return v.putFile(ctx, fileID, r, nil)
}

// PutFileRecord is PutFile that also stores the record rec returns (given
// the file's size) in the same transaction as the file's last chunks, as
// Put would: the file and its record land together or not at all. An error
// from rec aborts the file.
func (v *Vault) PutFileRecord(ctx context.Context, fileID string, r io.Reader, rec func(size int64) (Record, error)) (int64, error) {
	if rec == nil {
		return 0, errors.New("vault: PutFileRecord without a record")
	}
	return v.putFile(ctx, fileID, r, rec)
}

func (v *Vault) putFile(ctx context.Context, fileID string, r io.Reader, rec func(int64) (Record, error)) (int64, error) {
	prefix, k, err := v.filePrefix(fileID)
	if err != nil {
		return 0, err
	}
	if err := v.checkNew(ctx, fileID, prefix); err != nil {
		return 0, err
	}
	n, ops, err := v.putChunks(ctx, prefix, k, r)
	if err == nil {
		if rec == nil {
			err = v.store.Write(ctx, ops)
		} else {
			var r Record
			if r, err = rec(n); err == nil {
				err = v.writeWith(ctx, ops, []Record{r})
			}
		}
	}
	if err != nil {
		v.dropChunks(ctx, prefix)
		return 0, err
	}
	return n, nil
}

// dropChunks removes a file's chunks and pending mark, best effort: the
// caller's context may be the reason we stopped.
func (v *Vault) dropChunks(ctx context.Context, prefix string) {
	_ = v.store.Write(context.WithoutCancel(ctx), []Op{
		{Bucket: BucketChunks, Key: prefix, Delete: true, Prefix: true},
		{Bucket: BucketMeta, Key: pendingPrefix + prefix, Delete: true},
	})
}

// NewFile is one file for PutFiles: its id and its bytes.
type NewFile struct {
	ID string
	R  io.Reader
}

// PutFiles stores files and records together, as an import needs them: the
// records (the files' metadata, the entries they are attached to) and the
// last chunks of every file land in one store transaction, so all of it is
// stored or none. A file larger than BatchChunks chunks has its first
// chunks written before, under a pending mark (see PutFile); on error every
// chunk written is removed.
func (v *Vault) PutFiles(ctx context.Context, files []NewFile, recs ...Record) error {
	var final []Op
	var prefixes []string
	fail := func(err error) error {
		for _, p := range prefixes {
			v.dropChunks(ctx, p)
		}
		return err
	}
	seen := map[string]bool{}
	for _, f := range files {
		if seen[f.ID] {
			return fail(fmt.Errorf("%w: duplicate file id %s", ErrBadID, f.ID))
		}
		seen[f.ID] = true
		prefix, k, err := v.filePrefix(f.ID)
		if err != nil {
			return fail(err)
		}
		if err := v.checkNew(ctx, f.ID, prefix); err != nil {
			return fail(err)
		}
		prefixes = append(prefixes, prefix)
		_, ops, err := v.putChunks(ctx, prefix, k, f.R)
		if err != nil {
			return fail(err)
		}
		final = append(final, ops...)
	}
	if err := v.writeWith(ctx, final, recs); err != nil {
		return fail(err)
	}
	return nil
}

// checkNew returns ErrExists when file fileID (at prefix) is stored.
func (v *Vault) checkNew(ctx context.Context, fileID, prefix string) error {
	if _, err := v.store.Get(ctx, BucketChunks, chunkKey(prefix, 0)); err == nil {
		return fmt.Errorf("%w: file %s", ErrExists, fileID)
	} else if !errors.Is(err, ErrNotFound) {
		return err
	}
	return nil
}

// putChunks encrypts r's content as the file at prefix. Every batch but the
// last is written, with a pending mark; the last batch's operations (which
// also remove the mark) are returned unwritten, for the caller to write
// alone or with records.
func (v *Vault) putChunks(ctx context.Context, prefix string, k *keys, r io.Reader) (int64, []Op, error) {
	// BatchChunks chunks and one byte of look-ahead, so the last chunk is
	// known to be last when it is sealed.
	buf := make([]byte, BatchChunks*ChunkSize+1)
	defer wipe(buf)
	var total int64
	have := 0 // bytes already in buf (the look-ahead byte of the last round)
	for i := uint32(0); ; {
		n, err := io.ReadFull(r, buf[have:])
		have += n
		final := false
		switch {
		case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF):
			final = true
		case err != nil:
			return 0, nil, err
		}
		size := have
		if !final {
			size = BatchChunks * ChunkSize
		}
		count := max((size+ChunkSize-1)/ChunkSize, 1)
		if uint64(i)+uint64(count) >= 1<<32-1 {
			return 0, nil, errors.New("vault: file too large")
		}
		ads, pts := make([][]byte, count), make([][]byte, count)
		keys := make([]string, count)
		for j := range count {
			idx := i + uint32(j)
			keys[j] = chunkKey(prefix, idx)
			ads[j] = chunkAAD(v.schema, keys[j], idx, final && j == count-1)
			pts[j] = buf[j*ChunkSize : min((j+1)*ChunkSize, size)]
		}
		c, err := v.liveCryptor()
		if err != nil {
			return 0, nil, err
		}
		sealed, err := c.sealBatch(ads, pts)
		if err != nil {
			return 0, nil, err
		}
		total += int64(size)
		ops := make([]Op, 0, count+2)
		for j := range count {
			ops = append(ops, Op{Bucket: BucketChunks, Key: keys[j], Value: sealed[j]})
		}
		if !final {
			ops = append(ops, v.pendingOp(c, prefix))
			if err := v.store.Write(ctx, ops); err != nil {
				return 0, nil, err
			}
			i += uint32(count)
			buf[0] = buf[size]
			have = 1
			continue
		}
		ops = append(ops, Op{Bucket: BucketMeta, Key: pendingPrefix + prefix, Delete: true})
		return total, ops, nil
	}
}

// writeWith writes ops and recs atomically, and caches the records'
// headers as Put does.
func (v *Vault) writeWith(ctx context.Context, ops []Op, recs []Record) error {
	seen := make(map[string]bool, len(recs))
	for i := range recs {
		if err := checkID(recs[i].ID); err != nil {
			return err
		}
		if seen[recs[i].ID] {
			return fmt.Errorf("%w: duplicate id %s", ErrBadID, recs[i].ID)
		}
		seen[recs[i].ID] = true
	}
	v.writeMu.Lock()
	defer v.writeMu.Unlock()
	p, err := v.planPut(ctx, recs)
	if err != nil {
		return err
	}
	rop, rev := revOp()
	if err := v.store.Write(ctx, append(append(ops, p.ops...), rop)); err != nil {
		return err
	}
	v.cache(p, recs...)
	v.wrote(ctx, rev)
	return nil
}

// OpenFile returns a reader that fetches and decrypts BatchChunks chunks at
// a time. A missing file is ErrNotFound; a chunk that fails authentication,
// is out of place or missing (truncation) makes Read return ErrCorrupt.
func (v *Vault) OpenFile(ctx context.Context, fileID string) (io.ReadCloser, error) {
	prefix, _, err := v.filePrefix(fileID)
	if err != nil {
		return nil, err
	}
	fr := &fileReader{v: v, ctx: ctx, prefix: prefix, id: fileID}
	if err := fr.next(); err != nil {
		if errors.Is(err, ErrNotFound) {
			return nil, fmt.Errorf("%w: file %s", ErrNotFound, fileID)
		}
		return nil, err
	}
	return fr, nil
}

// DeleteFile removes every chunk of a file. Deleting a missing file is not
// an error.
func (v *Vault) DeleteFile(ctx context.Context, fileID string) error {
	prefix, _, err := v.filePrefix(fileID)
	if err != nil {
		return err
	}
	v.writeMu.Lock()
	defer v.writeMu.Unlock()
	return v.store.Write(ctx, []Op{
		{Bucket: BucketChunks, Key: prefix, Delete: true, Prefix: true},
		{Bucket: BucketMeta, Key: pendingPrefix + prefix, Delete: true},
	})
}

type fileReader struct {
	v      *Vault
	ctx    context.Context
	prefix string
	id     string

	mu    sync.Mutex
	i     uint32     // index of the next chunk to fetch
	ahead [][]byte   // decrypted chunks not yet in buf
	done  bool       // ahead ends with the final chunk
	spare [][]byte   // plaintext buffers to reuse
	pre   chan batch // the next batch, being read; nil when none is
	buf   []byte     // plaintext of the current chunk
	off   int
	final bool // buf holds the final chunk
	err   error
}

// next makes the next chunk current, fetching a batch when none is ahead.
func (fr *fileReader) next() error {
	if len(fr.ahead) == 0 {
		if err := fr.fetch(); err != nil {
			return err
		}
	}
	if fr.buf != nil {
		fr.spare = append(fr.spare, fr.buf)
	}
	fr.buf, fr.off = fr.ahead[0], 0
	fr.ahead = fr.ahead[1:]
	fr.final = fr.done && len(fr.ahead) == 0
	return nil
}

// batch is what load read: decrypted chunks, whether the last is the
// file's final chunk, and how many were read.
type batch struct {
	pts  [][]byte
	done bool
	n    uint32
	err  error
}

// fetch makes the next batch of chunks ahead: the one read in the
// background since the previous fetch, or one read now. Unless the file
// ends there, it then starts reading the batch after, so that the store
// and WebCrypto work while the caller uses this one.
func (fr *fileReader) fetch() error {
	var b batch
	if fr.pre != nil {
		b = <-fr.pre
		fr.pre = nil
	} else {
		n := BatchChunks
		if fr.i == 0 {
			n = 2 // a small file costs no more than it did one chunk at a time
		}
		dst := fr.spare
		fr.spare = nil
		b = fr.load(fr.i, n, dst)
	}
	if b.err != nil {
		return b.err
	}
	fr.ahead = append(fr.ahead, b.pts...)
	fr.i += b.n
	if b.done {
		fr.done = true
		return nil
	}
	dst := fr.spare
	fr.spare = nil
	ch := make(chan batch, 1)
	i := fr.i
	go func() { ch <- fr.load(i, BatchChunks, dst) }()
	fr.pre = ch
	return nil
}

// load reads and decrypts up to n chunks from index i, reusing dst's
// buffers. It touches none of fr's changing fields.
func (fr *fileReader) load(i uint32, n int, dst [][]byte) batch {
	keys := make([]string, n)
	for j := range keys {
		keys[j] = chunkKey(fr.prefix, i+uint32(j))
	}
	vals, err := fr.getMany(keys)
	if err != nil {
		return batch{err: err}
	}
	c, err := fr.v.liveCryptor()
	if err != nil {
		return batch{err: err}
	}
	schema := fr.v.schema
	// A full chunk followed by another is normally not final; a short one
	// or one followed by nothing is. Guess, open the batch, and retry the
	// other flag where the guess was wrong.
	m := 0 // chunks present before the first gap
	for m < n && vals[m] != nil {
		m++
	}
	if m == 0 {
		if i == 0 {
			return batch{err: ErrNotFound}
		}
		return batch{err: fmt.Errorf("%w: file %s truncated at chunk %d", ErrCorrupt, fr.id, i)}
	}
	guess := make([]bool, m)
	ads := make([][]byte, m)
	for j := range m {
		idx := i + uint32(j)
		guess[j] = len(vals[j])-overhead < ChunkSize || (j == m-1 && m < n)
		ads[j] = chunkAAD(schema, keys[j], idx, guess[j])
	}
	pts, errs := c.openBatch(dst, ads, vals[:m])
	var b batch
	for j := range m {
		idx := i + uint32(j)
		final := guess[j]
		if errs[j] != nil && len(vals[j])-overhead == ChunkSize {
			final = !final
			pts[j], errs[j] = open(c.aead, nil, chunkAAD(schema, keys[j], idx, final), vals[j])
		}
		if errs[j] != nil {
			return batch{err: fmt.Errorf("%w: file %s chunk %d", ErrCorrupt, fr.id, idx)}
		}
		b.pts = append(b.pts, pts[j])
		if final {
			b.done = true
			return b
		}
	}
	b.n = uint32(m)
	if m < n {
		return batch{err: fmt.Errorf("%w: file %s truncated at chunk %d", ErrCorrupt, fr.id, i+uint32(m))}
	}
	return b
}

func (fr *fileReader) getMany(keys []string) ([][]byte, error) {
	if bg, ok := fr.v.store.(BatchGetter); ok {
		return bg.GetMany(fr.ctx, BucketChunks, keys)
	}
	vals := make([][]byte, len(keys))
	for j, key := range keys {
		val, err := fr.v.store.Get(fr.ctx, BucketChunks, key)
		if errors.Is(err, ErrNotFound) {
			break
		} else if err != nil {
			return nil, err
		}
		vals[j] = val
	}
	return vals, nil
}

func (fr *fileReader) Read(p []byte) (int, error) {
	fr.mu.Lock()
	defer fr.mu.Unlock()
	if fr.err != nil {
		return 0, fr.err
	}
	if fr.v.Locked() {
		return 0, ErrLocked
	}
	for fr.off == len(fr.buf) {
		if fr.final {
			return 0, io.EOF
		}
		if err := fr.next(); err != nil {
			fr.err = err
			return 0, err
		}
	}
	n := copy(p, fr.buf[fr.off:])
	fr.off += n
	return n, nil
}

// WriteTo streams the file to w without an extra copy.
func (fr *fileReader) WriteTo(w io.Writer) (int64, error) {
	var total int64
	for {
		fr.mu.Lock()
		if fr.err == nil && fr.v.Locked() {
			fr.err = ErrLocked
		}
		if fr.err == nil && fr.off == len(fr.buf) && !fr.final {
			fr.err = fr.next()
		}
		if fr.err != nil {
			err := fr.err
			fr.mu.Unlock()
			return total, err
		}
		if fr.off == len(fr.buf) {
			fr.mu.Unlock()
			return total, nil
		}
		n, err := w.Write(fr.buf[fr.off:])
		fr.off += n
		total += int64(n)
		fr.mu.Unlock()
		if err != nil {
			return total, err
		}
	}
}

// Close wipes the plaintext buffers.
func (fr *fileReader) Close() error {
	fr.mu.Lock()
	defer fr.mu.Unlock()
	if fr.pre != nil {
		b := <-fr.pre
		fr.pre = nil
		fr.ahead = append(fr.ahead, b.pts...)
	}
	for _, b := range append(append(fr.ahead, fr.spare...), fr.buf) {
		wipe(b[:cap(b)])
	}
	fr.buf, fr.off, fr.ahead, fr.spare = nil, 0, nil, nil
	if fr.err == nil {
		fr.err = errors.New("vault: file reader closed")
	}
	return nil
}
