package ui

import (
	"context"
	"io"

	"backpack/internal/export"
	"backpack/internal/session"
)

// restoreArchive is restoreWith of an export read on this thread from r,
// opened with id (the tests' way in; the app reads in the worker module,
// restoreOpened). progress, when not nil, gets the bytes of r read so far.
func restoreArchive(ctx context.Context, s *session.Session, r io.Reader, id export.Identity, progress func(n int64)) (restoreResult, error) {
	if progress != nil {
		r = &xpCountingReader{r: r, fn: progress}
	}
	return restoreWith(ctx, s, func(sink export.FileSink) (*export.Archive, error) {
		return export.Read(ctx, r, id, sink)
	})
}

// xpCountingReader reports how many bytes were read so far.
type xpCountingReader struct {
	r  io.Reader
	n  int64
	fn func(int64)
}

func (c *xpCountingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	c.fn(c.n)
	return n, err
}
