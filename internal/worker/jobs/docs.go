package jobs

import (
	"bytes"
	"context"
	"errors"
	"time"

	"backpack/internal/export"
	"backpack/internal/exportdata"
	"backpack/internal/qr"
	"backpack/internal/record"
	"backpack/internal/worker"
)

// serveKey checks a public key (export.PublicKey) and replies with its
// fingerprint, or why it cannot be used.
func serveKey(msg []byte) []byte {
	q, err := worker.DecodeKey(msg)
	if err != nil {
		return worker.Failed(&worker.Failure{Key: worker.KeyCrash})
	}
	if q.Fault == worker.FaultPanic {
		panic("worker: a fault asked for")
	}
	to, err := export.PublicKey(q.Text)
	if err != nil {
		return worker.Failed(&worker.Failure{Key: export.ErrorKey(err)})
	}
	return worker.EncodeKeyOK(to.Fingerprint())
}

// serveBundles writes one FHIR Bundle per profile, with that profile's
// entries only, so that no viewer can take one person's entries for
// another's.
func serveBundles(msg []byte) []byte {
	q, err := worker.DecodeBundles(msg)
	if err != nil {
		return worker.Failed(&worker.Failure{Key: worker.KeyCrash})
	}
	if q.Fault == worker.FaultPanic {
		panic("worker: a fault asked for")
	}
	bundles, err := Bundles(q.Data, q.Files, q.Now)
	if err != nil {
		return worker.Failed(&worker.Failure{Key: export.ErrorKey(err)})
	}
	return worker.EncodeBundles(bundles)
}

// Bundles is the bundles job, in this process: each person's files go
// inline in their Bundle, read from files.
func Bundles(d exportdata.Data, files exportdata.MemFiles, now time.Time) ([][]byte, error) {
	var out [][]byte
	for _, p := range d.Profiles {
		one := exportdata.Data{Profiles: []record.Profile{p}}
		for _, e := range d.Entries {
			if e.Profile == p.ID {
				one.Entries = append(one.Entries, e)
			}
		}
		for _, f := range d.Files {
			if f.Profile == p.ID {
				one.Files = append(one.Files, f)
			}
		}
		var src exportdata.FileSource
		if files != nil {
			src = files
		}
		var buf bytes.Buffer
		if err := export.InlineBundle(context.Background(), &buf, one, src, now); err != nil {
			return nil, err
		}
		out = append(out, buf.Bytes())
	}
	return out, nil
}

// serveQR draws a QR code (qr.SVG).
func serveQR(msg []byte) []byte {
	q, err := worker.DecodeQR(msg)
	if err != nil {
		return worker.Failed(&worker.Failure{Key: worker.KeyCrash})
	}
	if q.Fault == worker.FaultPanic {
		panic("worker: a fault asked for")
	}
	svg, err := qr.SVG(q.Text, q.Title)
	if errors.Is(err, qr.ErrTooLong) {
		return worker.Failed(&worker.Failure{Key: worker.KeyQRTooLong})
	}
	if err != nil {
		return worker.Failed(&worker.Failure{Key: worker.KeyCrash})
	}
	return worker.EncodeQRSVG(svg)
}
