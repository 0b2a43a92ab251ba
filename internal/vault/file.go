package vault

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"sync"
)

// ChunkSize is the plaintext size of every file chunk but the last.
const ChunkSize = 1 << 20

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

// filePrefix returns the file's storage prefix and the AEAD, or ErrLocked.
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

// PutFile stores r's content as file fileID, encrypting and writing it one
// chunk at a time (memory stays near 2 MiB whatever the size). An id already
// in use returns ErrExists: delete the old file first. On error the chunks
// written so far are removed.
func (v *Vault) PutFile(ctx context.Context, fileID string, r io.Reader) (int64, error) {
	prefix, k, err := v.filePrefix(fileID)
	if err != nil {
		return 0, err
	}
	if _, err := v.store.Get(ctx, BucketChunks, chunkKey(prefix, 0)); err == nil {
		return 0, fmt.Errorf("%w: file %s", ErrExists, fileID)
	} else if !errors.Is(err, ErrNotFound) {
		return 0, err
	}
	n, err := v.putChunks(ctx, prefix, k, r)
	if err != nil {
		// Best effort: the caller's context may be the reason we stopped.
		_ = v.store.Write(context.WithoutCancel(ctx), []Op{{Bucket: BucketChunks, Key: prefix, Delete: true, Prefix: true}})
		return 0, err
	}
	return n, nil
}

func (v *Vault) putChunks(ctx context.Context, prefix string, k *keys, r io.Reader) (int64, error) {
	buf := make([]byte, ChunkSize+1) // one chunk and one byte of look-ahead
	defer wipe(buf)
	var total int64
	have := 0 // bytes already in buf (the look-ahead byte of the last round)
	for i := uint32(0); ; i++ {
		if i == ^uint32(0) {
			return 0, errors.New("vault: file too large")
		}
		n, err := io.ReadFull(r, buf[have:])
		have += n
		final := false
		switch {
		case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF):
			final = true
		case err != nil:
			return 0, err
		}
		size := min(have, ChunkSize)
		key := chunkKey(prefix, i)
		v.mu.RLock()
		if v.k == nil {
			v.mu.RUnlock()
			return 0, ErrLocked
		}
		sealed := seal(k.aead, chunkAAD(v.schema, key, i, final), buf[:size])
		v.mu.RUnlock()
		if err := v.store.Write(ctx, []Op{{Bucket: BucketChunks, Key: key, Value: sealed}}); err != nil {
			return 0, err
		}
		total += int64(size)
		if final {
			return total, nil
		}
		buf[0] = buf[ChunkSize]
		have = 1
	}
}

// OpenFile returns a reader that fetches and decrypts one chunk at a time.
// A missing file is ErrNotFound; a chunk that fails authentication, is out
// of place or missing (truncation) makes Read return ErrCorrupt.
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
	return v.store.Write(ctx, []Op{{Bucket: BucketChunks, Key: prefix, Delete: true, Prefix: true}})
}

type fileReader struct {
	v      *Vault
	ctx    context.Context
	prefix string
	id     string

	mu    sync.Mutex
	i     uint32 // index of the next chunk to fetch
	buf   []byte // plaintext of the current chunk
	off   int
	final bool // buf holds the final chunk
	err   error
}

// next fetches and decrypts chunk fr.i into fr.buf.
func (fr *fileReader) next() error {
	key := chunkKey(fr.prefix, fr.i)
	sealed, err := fr.v.store.Get(fr.ctx, BucketChunks, key)
	if errors.Is(err, ErrNotFound) {
		if fr.i == 0 {
			return ErrNotFound
		}
		return fmt.Errorf("%w: file %s truncated at chunk %d", ErrCorrupt, fr.id, fr.i)
	} else if err != nil {
		return err
	}
	fr.v.mu.RLock()
	defer fr.v.mu.RUnlock()
	if fr.v.k == nil {
		return ErrLocked
	}
	a, schema := fr.v.k.aead, fr.v.schema
	// A full chunk is normally followed by another; try final only if that
	// fails. A short chunk can only be the last one.
	var pt []byte
	final := len(sealed)-overhead < ChunkSize
	if !final {
		pt, err = open(a, fr.buf[:0], chunkAAD(schema, key, fr.i, false), sealed)
		if err != nil {
			final = true
		}
	}
	if final {
		pt, err = open(a, fr.buf[:0], chunkAAD(schema, key, fr.i, true), sealed)
	}
	if err != nil {
		return fmt.Errorf("%w: file %s chunk %d", ErrCorrupt, fr.id, fr.i)
	}
	fr.buf, fr.off, fr.final = pt, 0, final
	fr.i++
	return nil
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

// Close wipes the plaintext buffer.
func (fr *fileReader) Close() error {
	fr.mu.Lock()
	defer fr.mu.Unlock()
	wipe(fr.buf[:cap(fr.buf)])
	fr.buf, fr.off = nil, 0
	if fr.err == nil {
		fr.err = errors.New("vault: file reader closed")
	}
	return nil
}
