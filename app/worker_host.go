//go:build !(js && wasm)

package ui

import (
	"bytes"
	"context"
	"io"
	"time"

	"backpack/internal/exportdata"
	"backpack/internal/i18n"
	"backpack/internal/importer"
	"backpack/internal/worker"
	"backpack/internal/worker/jobs"
)

// precacheWorker is browser-only (see worker_js.go).
func precacheWorker() {}

// workerPrewarm: on the host, files are read in this process.
func workerPrewarm() {}

// xpOpenRead opens an export file in this process, through the worker's
// messages (so that the page's side is tested on the host too).
func xpOpenRead(_ context.Context, f jsFile, q worker.OpenRequest, progress func(read int64), sink exportdata.FileSink) (worker.Opened, error) {
	q.Size = f.Size()
	return xpOpenServe(q, f.Open, progress, sink)
}

// xpOpenServe is xpOpenRead of the file open opens.
func xpOpenServe(q worker.OpenRequest, open func() io.ReadCloser, progress func(read int64), sink exportdata.FileSink) (worker.Opened, error) {
	q.Stream = sink != nil
	feed := worker.NewFeed(sink)
	reply := jobs.Serve(q.Encode(), open, func(msg []byte) {
		if n, ok := worker.Progress(msg); ok && progress != nil {
			progress(n)
		} else if p, ok := worker.FilePiece(msg); ok && sink != nil {
			feed.Put(p)
		}
	})
	return feed.Reply(reply)
}

// xpOpenBytes is xpOpenRead of a file held in memory (a share's decrypted
// export).
func xpOpenBytes(_ context.Context, b []byte, q worker.OpenRequest) (worker.Opened, error) {
	q.Size = int64(len(b))
	return xpOpenServe(q, func() io.ReadCloser { return io.NopCloser(bytes.NewReader(b)) }, nil, nil)
}

// xpWrite writes an export file in this process, through the worker's
// messages; the host keeps no file, so the URL is empty.
func xpWrite(ctx context.Context, files exportdata.FileSource, q worker.WriteRequest, progress func(done, total int64)) (string, int64, error) {
	b, err := xpWriteBytes(ctx, files, q, progress)
	return "", int64(len(b)), err
}

// xpWriteBytes is xpWrite into memory.
func xpWriteBytes(ctx context.Context, files exportdata.FileSource, q worker.WriteRequest, progress func(done, total int64)) ([]byte, error) {
	if len(q.Data.Files) > 0 && files == nil && q.SummaryLang == "" {
		return nil, exportdata.ErrNoFileSource
	}
	var blob bytes.Buffer
	stages := newXPStages(q.Data, progress)
	q.Sizes = make([]int64, len(q.Data.Files))
	for i, f := range q.Data.Files {
		if q.SummaryLang != "" {
			break // a summary lists the files, without their bytes
		}
		rc, err := files.OpenFile(ctx, f.ID)
		if err != nil {
			return nil, err
		}
		n, err := io.Copy(&blob, rc)
		rc.Close()
		if err != nil {
			return nil, err
		}
		stages.gathered(n)
		q.Sizes[i] = n
	}
	var out bytes.Buffer
	reply := jobs.Serve(q.Encode(), func() io.ReadCloser { return io.NopCloser(bytes.NewReader(blob.Bytes())) }, func(msg []byte) {
		if part, ok := worker.OutPart(msg); ok {
			out.Write(part)
		} else if done, total, ok := worker.WriteProgress(msg); ok {
			stages.writing(done, total)
		}
	})
	if _, err := worker.WriteReply(reply); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

// xpCheckKey checks a public key in this process, through the worker's
// messages.
func xpCheckKey(_ context.Context, text string) (string, error) {
	return worker.KeyReply(jobs.Serve(worker.KeyRequest{Text: text}.Encode(), nil, nil))
}

// xpBundles writes d as FHIR Bundles, one per profile, in this process,
// through the worker's messages.
func xpBundles(_ context.Context, d exportdata.Data, files exportdata.MemFiles, now time.Time) ([][]byte, error) {
	return worker.BundlesReply(jobs.Serve(worker.BundlesRequest{Data: d, Files: files, Now: now}.Encode(), nil, nil))
}

// xpSummary: the host keeps no file (the summary is written, through the
// worker's messages, and dropped).
func xpSummary(ctx context.Context, d exportdata.Data, lang i18n.Lang) (string, error) {
	_, err := xpWriteBytes(ctx, nil, worker.WriteRequest{Data: d, SummaryLang: string(lang)}, nil)
	return "", err
}

// xpDrawQR draws a QR code in this process, through the worker's messages.
func xpDrawQR(_ context.Context, text, title string) (string, error) {
	return worker.QRReply(jobs.Serve(worker.QRRequest{Text: text, Title: title}.Encode(), nil, nil))
}

// xpImportBytes reads a file held in memory in this process, through the
// worker's messages.
func xpImportBytes(_ context.Context, name string, b []byte) (worker.Parsed, error) {
	return importServe(name, int64(len(b)), func() io.ReadCloser { return io.NopCloser(bytes.NewReader(b)) }, importer.JWKS{}, nil)
}

// xpCheckCards checks res's health cards again in this process, through
// the worker's messages.
func xpCheckCards(_ context.Context, res *importer.Result, keys importer.JWKS) error {
	return worker.CardsReply(jobs.Serve(worker.CardsRequest{Result: *res, Keys: keys}.Encode(), nil, nil), res)
}

// kdfPrewarm: on the host the vault runs the KDF in this process.
func kdfPrewarm() {}
