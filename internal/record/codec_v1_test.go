package record

// encodeEntryV1 is EncodeEntry as it was for header version 1 (JSON), to
// check that such headers still decode.
func encodeEntryV1(e Entry) []byte {
	w := entryWire{
		ID: e.ID, Profile: e.Profile, RType: e.Resource.Type, RID: e.Resource.ID,
		Kind: e.Kind, Date: wireTime(e.Date), DatePrec: e.DatePrecision, End: wireTime(e.End),
		Title: e.Title, Text: e.Text, Status: e.Status, Value: finiteOrNil(e.Value), Unit: e.Unit,
		RefLow: finiteOrNil(e.RefLow), RefHigh: finiteOrNil(e.RefHigh), Interp: e.Interp, Who: e.Who,
		Notes: e.Notes, Flag: e.Flag, Files: e.Files, Identity: e.Identity,
		Created: wireTime(e.Created), Updated: sameTime(e.Updated, e.Created), Deleted: wireTime(e.Deleted),
	}
	if pv := e.Provenance; pv != (Provenance{}) {
		w.Prov = &provWire{Source: pv.Source, File: pv.File, System: pv.System, ImportedAt: sameTime(pv.ImportedAt, e.Created), Verified: pv.Verified}
	}
	for _, c := range e.Codes {
		w.Codes = append(w.Codes, codeWire{S: packSystem(c.System), C: c.Code, D: packDisplay(c.Display, e.Title)})
	}
	return marshalHeader(RecordEntry, w)
}
