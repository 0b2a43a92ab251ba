package exportdata

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"

	"backpack/internal/record"
)

// ErrNoFile is returned by MemFiles.OpenFile for an unknown id.
var ErrNoFile = errors.New("export: no such file")

// MemFilesLimit is the most bytes a MemFiles keeps together (tests lower it).
var MemFilesLimit int64 = 256 << 20

// MemFiles keeps files in memory by id. Its Sink is a FileSink and it is a
// FileSource, so the read-only provider view can open an export with
// export.Read(ctx, r, id, m.Sink()) and then show or re-export its files without a
// vault.
type MemFiles map[string][]byte

// Sink returns a FileSink that stores files in m, at most 256 MiB of them
// together (ErrTooLarge past that): what a phone keeps in memory.
func (m MemFiles) Sink() FileSink {
	left := MemFilesLimit
	for _, b := range m {
		left -= int64(len(b))
	}
	return func(info record.FileInfo, r io.Reader) error {
		n, err := m.put(info, r, left)
		left -= n
		return err
	}
}

// Put stores one file of at most 256 MiB; it is a FileSink.
func (m MemFiles) Put(info record.FileInfo, r io.Reader) error {
	_, err := m.put(info, r, MemFilesLimit)
	return err
}

func (m MemFiles) put(info record.FileInfo, r io.Reader, left int64) (int64, error) {
	if info.Size > left {
		return 0, tooLarge("files in memory")
	}
	var b bytes.Buffer
	if info.Size > 0 {
		b.Grow(int(info.Size))
	}
	// One byte more than left tells a file at the limit from one past it.
	if _, err := b.ReadFrom(io.LimitReader(r, max(left, 0)+1)); err != nil {
		return 0, err
	}
	if int64(b.Len()) > left {
		return 0, tooLarge("files in memory")
	}
	m[info.ID] = b.Bytes()
	return int64(b.Len()), nil
}

// tooLarge reports a limit passed.
func tooLarge(what string) error { return fmt.Errorf("%w: %s", ErrTooLarge, what) }

// OpenFile returns a reader over a stored file; it makes MemFiles a FileSource.
func (m MemFiles) OpenFile(ctx context.Context, id string) (io.ReadCloser, error) {
	b, ok := m[id]
	if !ok {
		return nil, ErrNoFile
	}
	return io.NopCloser(bytes.NewReader(b)), nil
}
