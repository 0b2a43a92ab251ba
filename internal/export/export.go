// Package export writes Backpack's export file and reads it back.
//
// An export is one OpenPGP message in the classic format (a v4 SKESK or v3
// PKESK packet, then a SEIPD v1 packet: what GnuPG 2.2 reads; never RFC 9580
// v6/AEAD). Its literal data is a ZIP archive whose literal-data file name is
// backpack-export-YYYY-MM-DD.zip, so `gpg file.pgp` writes that file. The
// archive holds, in this order:
//
//	README.txt            what is inside and how to open it, English and Spanish
//	backpack/vault.jsonl  Backpack's lossless form: profiles, entries (notes,
//	                      flags, provenance), file metadata, questions
//	summary.html          readable, printable summary (Selection.IncludeSummary)
//	ips.json              International Patient Summary document Bundle
//	                      (Selection.IncludeIPS; ips-N-name.json per profile when
//	                      an export holds several)
//	fhir/bundle.json      FHIR R4 collection Bundle: a Patient per profile, every
//	                      entry's resource verbatim, a DocumentReference per file
//	files/<name>          the original files
//
// Files are not embedded in the Bundle as base64 Binary resources: each
// DocumentReference's attachment.url is the relative path "files/<name>"
// inside the archive. That keeps every file once in the export (no 4/3 base64
// growth, no second copy) and lets a clinician open it directly. Resources
// that came with an embedded document (a PDF in a C-CDA, Attachment.data in
// FHIR) were stored pointing at the file (record.FileURL); in the bundle and
// the IPS that pointer becomes the same "files/<name>" path (fileurl.go).
//
// Everything streams: zip → OpenPGP → the caller's io.Writer on export, and
// OpenPGP → zip → the caller's file callback on restore. Memory stays bounded
// by the records held in Data plus small fixed buffers, whatever the size of
// the files. The archive's entries use Deflate (stored blocks for already
// compressed files such as JPEG or PDF) so that Read can parse it forward
// only, without seeking.
package export

import (
	"slices"
	"sort"

	"backpack/internal/exportdata"
	"backpack/internal/record"
)

// The records, the choice and the files' sources and sinks are
// exportdata's (the page uses them without this package's OpenPGP).
type (
	FileSource = exportdata.FileSource
	FileSink   = exportdata.FileSink
	Data       = exportdata.Data
	Selection  = exportdata.Selection
	Archive    = exportdata.Archive
	MemFiles   = exportdata.MemFiles
)

func latestPerTest(entries []record.Entry, k record.Kind) map[int]bool {
	return exportdata.LatestPerTest(entries, k)
}
func testKey(e *record.Entry) string { return exportdata.TestKey(e) }
func inError(e *record.Entry) bool   { return exportdata.InError(e) }

// entriesOf returns the entries of one profile, newest first.
func entriesOf(d Data, profile string) []*record.Entry {
	var out []*record.Entry
	for i := range d.Entries {
		if d.Entries[i].Profile == profile {
			out = append(out, &d.Entries[i])
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Date.After(out[j].Date) })
	return out
}

// profileIDs lists the ids of d's profiles.
func profileIDs(d Data) []string {
	ids := make([]string, len(d.Profiles))
	for i, p := range d.Profiles {
		ids[i] = p.ID
	}
	return slices.Clip(ids)
}
