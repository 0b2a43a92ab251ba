package export

import (
	"bytes"
	"context"
	"errors"
	"io"

	"backpack/internal/record"
)

// ErrNoFile is returned by MemFiles.OpenFile for an unknown id.
var ErrNoFile = errors.New("export: no such file")

// MemFiles keeps files in memory by id. Its Put is a FileSink and it is a
// FileSource, so the read-only provider view can open an export with
// Read(ctx, r, id, m.Put) and then show or re-export its files without a
// vault.
type MemFiles map[string][]byte

// Put stores the file's bytes; it is a FileSink.
func (m MemFiles) Put(info record.FileInfo, r io.Reader) error {
	var b bytes.Buffer
	if info.Size > 0 && info.Size < 1<<31 {
		b.Grow(int(info.Size))
	}
	if _, err := b.ReadFrom(r); err != nil {
		return err
	}
	m[info.ID] = b.Bytes()
	return nil
}

// OpenFile returns a reader over a stored file; it makes MemFiles a FileSource.
func (m MemFiles) OpenFile(ctx context.Context, id string) (io.ReadCloser, error) {
	b, ok := m[id]
	if !ok {
		return nil, ErrNoFile
	}
	return io.NopCloser(bytes.NewReader(b)), nil
}
