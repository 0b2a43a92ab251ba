package importer

import (
	"bytes"
	"encoding/json"
	"path"
	"testing"
)

// Seed corpora live in testdata/fuzz/<FuzzName>/; the fixtures are added too.
func addFixtures(f *testing.F, pattern string) {
	for _, p := range fixtureNames(pattern) {
		f.Add(fixture(path.Base(p)))
	}
}

// checkFuzzResult checks what must hold for any input.
func checkFuzzResult(t *testing.T, res Result, err error) {
	t.Helper()
	if res.Counts == nil {
		t.Fatal("nil Counts")
	}
	if err != nil {
		if _, ok := err.(*Error); !ok {
			t.Fatalf("error of type %T", err)
		}
	}
	checkInvariants(t, res)
}

func FuzzImportJSON(f *testing.F) {
	addFixtures(f, "*.json")
	f.Add([]byte(`{"resourceType":"Bundle","entry":[{"resource":{"resourceType":"Patient","id":"a\"b"}},{"resource":null},{}]}`))
	f.Add([]byte(`[{"resourceType":"Observation"},1,"x",{"resourceType":"Bundle","entry":[{"resource":{"resourceType":"Bundle"}}]}]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		res, err := importBytes("f.json", data, Options{MaxBytes: 1 << 20})
		checkFuzzResult(t, res, err)
		Detect("f.json", data)
		// The zero-copy walker agrees with encoding/json on valid objects.
		if json.Valid(data) && bytes.HasPrefix(bytes.TrimLeft(data, " \t\r\n"), []byte("{")) {
			var m map[string]json.RawMessage
			if json.Unmarshal(data, &m) != nil {
				return
			}
			seen := map[string]bool{}
			members(data, func(k, v []byte) bool {
				seen[string(k)] = true
				if !json.Valid(v) {
					t.Fatalf("member %q: value not valid JSON", k)
				}
				return true
			})
			for k := range m {
				if !seen[k] {
					t.Fatalf("walker missed key %q", k)
				}
			}
		}
	})
}

func FuzzNDJSON(f *testing.F) {
	addFixtures(f, "*.ndjson")
	f.Add([]byte("{\"resourceType\":\"Patient\"}\n\n{\"resourceType\":\"Condition\",\"id\":\"x\"}\r\n[[[\n{"))
	f.Fuzz(func(t *testing.T, data []byte) {
		res, err := importBytes("f.ndjson", data, Options{MaxBytes: 1 << 20})
		checkFuzzResult(t, res, err)
		for _, p := range res.Problems {
			if p.Code == "bad-line" && p.Where == "" {
				t.Fatal("line problem without a line")
			}
		}
	})
}

// FuzzSHC feeds arbitrary card files and QR text, and arbitrary bundles
// inside well-formed (unsigned) cards. Signature checks are covered by
// TestSHC: ECDSA under fuzzing instrumentation is too slow to fuzz.
func FuzzSHC(f *testing.F) {
	f.Add([]byte(`{"verifiableCredential":["eyJ6aXAiOiJERUYiLCJhbGciOiJFUzI1NiJ9.e30.AA"]}`), []byte(cardBundle))
	f.Add([]byte("shc:/1/2/56762909524320603460292437404460\nshc:/2/2/5676"), []byte(`{"resourceType":"Bundle","entry":[1]}`))
	f.Fuzz(func(t *testing.T, data, bundle []byte) {
		for _, name := range []string{"c.smart-health-card", "qr.txt", "c.jws"} {
			res, err := importBytes(name, data, Options{MaxBytes: 1 << 20})
			checkFuzzResult(t, res, err)
		}
		jws := unsignedCard(bundle)
		for _, in := range []string{jws, "shc:/" + toNumeric(jws)} {
			res, err := importBytes("card.txt", []byte(in), Options{MaxBytes: 1 << 20})
			checkFuzzResult(t, res, err)
			if res.Verified == nil || *res.Verified {
				t.Fatal("unsigned card: Verified not false")
			}
		}
	})
}

// FuzzValidDepth holds the one-pass validator to encoding/json and
// checkDepth, at the import depth limit and at a small one.
func FuzzValidDepth(f *testing.F) {
	addFixtures(f, "*.json")
	for _, s := range []string{`{}`, ` [ ] `, `{"a":[1,-0.5e+7,"x\u00e9\n",true,false,null,{}]}`, `{"a":1,}`, `[1,]`, `01`, `1.`, `-`, `1e`,
		`"\u12"`, `"\x"`, "\"\x01\"", "\"\xff\"", `{"a" 1}`, `{"a":1 "b":2}`, `[[[[[1]]]]]`, `[[[[[]]]]]`, `{"a":{"b":{"c":{}}}}`,
		`tru`, `nul`, `true false`, `{} {}`, "\"abcdefgh\\\"ijklmnop\"", `"abcdefghijklmnopqrstuvwxyz`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, max := range []int{MaxDepth, 3} {
			_, shallow := checkDepth(b, max)
			if want := json.Valid(b) && shallow; validDepth(b, max) != want {
				t.Fatalf("validDepth(max %d) = %v, want %v", max, !want, want)
			}
		}
	})
}
