package jobs

import (
	"context"
	"io"
	"time"

	"backpack/internal/export"
	"backpack/internal/record"
	"backpack/internal/worker"
)

// OpenExport is the opening job, in this process: the identity made from
// q, then export.Read, its files into sink, or into memory (worker.Opened.Files)
// when sink is nil. progress, when set, gets the bytes of the file read so
// far.
func OpenExport(ctx context.Context, q worker.OpenRequest, open func() io.ReadCloser, progress func(read int64), sink export.FileSink) (worker.Opened, error) {
	var id export.Identity
	if q.UseKey {
		var err error
		if id, err = export.PrivateKeyIdentity(q.KeyText, q.KeyPass); err != nil {
			return worker.Opened{}, err
		}
	} else {
		id = export.PassphraseIdentity(q.Pass)
	}
	rc := open()
	defer rc.Close()
	mem := export.MemFiles{}
	if sink == nil {
		sink = mem.Sink()
	}
	a, err := export.Read(ctx, &counter{r: rc, progress: progress}, id, sink)
	if err != nil {
		return worker.Opened{}, err
	}
	return worker.Opened{Archive: a, Files: mem}, nil
}

// serveOpen runs an opening request (Serve's recover covers it).
func serveOpen(msg []byte, open func() io.ReadCloser, post func([]byte)) []byte {
	q, err := worker.DecodeOpen(msg)
	if err != nil {
		return worker.Failed(&worker.Failure{Key: worker.KeyCrash})
	}
	if q.Fault == worker.FaultPanic {
		panic("worker: a fault asked for")
	}
	var sink export.FileSink
	if q.Stream && post != nil {
		sink = streamSink(post)
	}
	o, err := OpenExport(context.Background(), q, open, progressPoster(q.Size, post), sink)
	if err != nil {
		return worker.Failed(&worker.Failure{Key: export.ErrorKey(err)})
	}
	return worker.EncodeOpened(o)
}

// progressPoster posts progress messages at most every progressEvery
// (and the last); nil when post is.
func progressPoster(size int64, post func([]byte)) func(int64) {
	if post == nil {
		return nil
	}
	var last time.Time
	return func(n int64) {
		if time.Since(last) < progressEvery && (n < size || size <= 0) {
			return
		}
		last = time.Now()
		post(worker.EncodeProgress(n))
	}
}

// streamSink posts each file as Pieces: its description, its bytes in
// parts, an empty end.
func streamSink(post func([]byte)) export.FileSink {
	buf := make([]byte, worker.PieceSize)
	piece := func(head []byte, data []byte) { post(worker.EncodePiece(head, data)) }
	return func(info record.FileInfo, r io.Reader) error {
		piece(record.EncodeFile(info), nil)
		for {
			n, err := io.ReadFull(r, buf)
			if n > 0 {
				piece(nil, buf[:n])
			}
			if err == io.EOF || err == io.ErrUnexpectedEOF {
				break
			}
			if err != nil {
				return err
			}
		}
		piece(nil, nil)
		return nil
	}
}
