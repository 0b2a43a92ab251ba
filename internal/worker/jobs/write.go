package jobs

import (
	"bufio"
	"context"
	"errors"
	"io"
	"time"

	"backpack/internal/export"
	"backpack/internal/i18n"
	"backpack/internal/worker"
)

// fileSpan is where a file's bytes are in the files' Blob.
type fileSpan struct {
	id        string
	off, size int64
}

// blobFiles is the export's FileSource in the worker: each file a span of
// the one Blob the page sent, read forward (export.Write asks for the files
// in Data.Files' order, the Blob's); a file asked for out of order opens
// the Blob again.
type blobFiles struct {
	open  func() io.ReadCloser
	spans map[string]fileSpan
	rc    io.ReadCloser
	pos   int64
}

var errNoFile = errors.New("worker: no such file in the request")

func (b *blobFiles) OpenFile(_ context.Context, id string) (io.ReadCloser, error) {
	s, ok := b.spans[id]
	if !ok {
		return nil, errNoFile
	}
	if b.rc == nil || s.off < b.pos {
		b.close()
		b.rc, b.pos = b.open(), 0
	}
	if s.off > b.pos {
		n, err := io.CopyN(io.Discard, b.rc, s.off-b.pos)
		b.pos += n
		if err != nil {
			return nil, err
		}
	}
	return &span{b: b, left: s.size}, nil
}

func (b *blobFiles) close() {
	if b.rc != nil {
		b.rc.Close()
		b.rc = nil
	}
}

// span reads one file of a blobFiles.
type span struct {
	b    *blobFiles
	left int64
}

func (s *span) Read(p []byte) (int, error) {
	if s.left <= 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > s.left {
		p = p[:s.left]
	}
	n, err := s.b.rc.Read(p)
	s.left -= int64(n)
	s.b.pos += int64(n)
	if err == io.EOF && s.left > 0 {
		err = io.ErrUnexpectedEOF // the Blob is shorter than the request said
	}
	return n, err
}

func (s *span) Close() error { return nil }

// WriteExport is the writing job, in this process: the recipient made from
// q, then export.Write of q.Data into w (or, with q.SummaryLang, only
// export.HTMLSummary), the files read from the Blob open
// opens. progress, when set, gets the work done and the total.
func WriteExport(ctx context.Context, q worker.WriteRequest, open func() io.ReadCloser, w io.Writer, progress func(done, total int64)) error {
	if q.SummaryLang != "" {
		return export.HTMLSummary(w, q.Data, q.Sel, i18n.Lang(q.SummaryLang))
	}
	var to export.Recipient
	var err error
	if q.UseKey {
		to, err = export.PublicKey(q.KeyText)
	} else {
		to, err = export.Passphrase(q.Pass)
	}
	if err != nil {
		return err
	}
	files := &blobFiles{open: open, spans: make(map[string]fileSpan, len(q.Data.Files))}
	defer files.close()
	var off int64
	for i, f := range q.Data.Files {
		var n int64
		if i < len(q.Sizes) {
			n = q.Sizes[i]
		}
		files.spans[f.ID] = fileSpan{id: f.ID, off: off, size: n}
		off += n
	}
	return export.Write(ctx, w, q.Data, q.Sel, files, to, progress)
}

// serveWrite runs a writing request (Serve's recover covers it): the file
// goes to post in parts (OutPart) of at most worker.PieceSize, progress between
// them, and the reply says how long it was.
func serveWrite(msg []byte, open func() io.ReadCloser, post func([]byte)) []byte {
	q, err := worker.DecodeWrite(msg)
	if err != nil || post == nil {
		return worker.Failed(&worker.Failure{Key: worker.KeyCrash})
	}
	if q.Fault == worker.FaultPanic {
		panic("worker: a fault asked for")
	}
	out := &outPoster{post: post}
	bw := bufio.NewWriterSize(out, worker.PieceSize)
	err = WriteExport(context.Background(), q, open, bw, writeProgress(post))
	if err == nil {
		err = bw.Flush()
	}
	if err != nil {
		return worker.Failed(&worker.Failure{Key: export.ErrorKey(err)})
	}
	return worker.EncodeWritten(out.n)
}

// outPoster posts what is written to it as OutPart messages.
type outPoster struct {
	post func([]byte)
	n    int64
}

func (o *outPoster) Write(p []byte) (int, error) {
	for rest := p; len(rest) > 0; {
		part := rest[:min(len(rest), worker.PieceSize)]
		rest = rest[len(part):]
		o.post(worker.EncodeOut(part))
	}
	o.n += int64(len(p))
	return len(p), nil
}

// writeProgress posts (done, total) progress messages at most every
// progressEvery, and the last.
func writeProgress(post func([]byte)) func(done, total int64) {
	var last time.Time
	return func(done, total int64) {
		if time.Since(last) < progressEvery && done < total {
			return
		}
		last = time.Now()
		post(worker.EncodeWriteProgress(done, total))
	}
}
