package worker

import (
	"backpack/internal/frame"
	"backpack/internal/importer"
)

// kindCards opens a cards request; the keys (kindKey) and the file's
// result without its resources and files follow.
const kindCards = 0x32

// CardsRequest asks for the SMART Health Cards of a file read earlier
// checked again against Keys (importer.CheckCards), when the person adds
// an issuer's keys: the page links no signature check.
type CardsRequest struct {
	Result importer.Result // only its cards, problems and whether it was verified travel
	Keys   importer.JWKS
	Fault  string // tests only (FaultPanic, FaultExit)
}

// cardsOnly is r without what a check of its cards does not read.
func cardsOnly(r importer.Result) importer.Result {
	r.Resources, r.Files, r.Patient, r.Counts = nil, nil, nil, nil
	return r
}

// Encode is the request's message.
func (q CardsRequest) Encode() []byte {
	w, e := newRequest(256+512*len(q.Result.Cards), OpCards, q.Fault)
	w.Frame(kindCards, nil)
	putKeys(w, e, q.Keys)
	importer.EncodeResult(w, cardsOnly(q.Result))
	return w.Bytes()
}

// DecodeCards reads a cards request.
func DecodeCards(msg []byte) (CardsRequest, error) {
	var q CardsRequest
	r, fault, err := readRequest(msg, OpCards, kindCards)
	if err != nil {
		return q, err
	}
	q.Fault = fault
	for k, ok := r.Peek(); ok && k == kindKey; k, ok = r.Peek() {
		r.Next()
		key, ok := getKey(r.Decoder())
		if !ok {
			return q, errBadRequest
		}
		q.Keys.Keys = append(q.Keys.Keys, key)
	}
	if q.Result, err = importer.DecodeResult(r); err != nil {
		return q, errBadRequest
	}
	return q, nil
}

// EncodeCards is a cards request's reply: the result with its cards
// checked.
func EncodeCards(res importer.Result) []byte {
	w := frame.NewWriter(256 + 512*len(res.Cards))
	w.Frame(kindCards, nil)
	importer.EncodeResult(w, cardsOnly(res))
	return w.Bytes()
}

// CardsReply sets res's problems and whether it is verified from a cards
// request's reply, or returns a *Failure and leaves res as it was.
func CardsReply(msg []byte, res *importer.Result) error {
	r, err := frame.NewReader(msg)
	if err != nil || !r.Next() {
		return &Failure{Key: KeyCrash}
	}
	switch r.Kind() {
	case kindFailed:
		return failure(r.Decoder())
	case kindCards:
		got, err := importer.DecodeResult(r)
		if err != nil || len(got.Cards) != len(res.Cards) {
			return &Failure{Key: KeyCrash}
		}
		res.Problems, res.Verified = got.Problems, got.Verified
		return nil
	}
	return &Failure{Key: KeyCrash}
}
