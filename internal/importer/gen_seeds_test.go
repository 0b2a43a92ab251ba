package importer

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

func writeSeed(t *testing.T, fuzz, name string, args ...[]byte) {
	var b strings.Builder
	b.WriteString("go test fuzz v1\n")
	for _, a := range args {
		fmt.Fprintf(&b, "[]byte(%s)\n", strconv.Quote(string(a)))
	}
	dir := filepath.Join("testdata", "fuzz", fuzz)
	os.MkdirAll(dir, 0o755)
	if err := os.WriteFile(filepath.Join(dir, name), []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestGenSeeds(t *testing.T) {
	if os.Getenv("GEN_SEEDS") == "" {
		t.Skip()
	}
	deep := strings.Repeat(`{"a":`, 101) + "1" + strings.Repeat("}", 101)
	j := map[string]string{
		"seed-deep":       `{"resourceType":"Bundle","entry":[{"resource":` + deep + `}]}`,
		"seed-truncated":  `{"resourceType":"Bundle","type":"searchset","entry":[{"resource":{"resourceType":"Patient","id":"p`,
		"seed-escapes":    `{"resource\u0054ype":"Bundle","entry":[{"resource":{"resourceType":"Obs\"ervation","id":"\u00e9\\"}},{"search":{"mode":"outcome"},"resource":{"resourceType":"OperationOutcome","issue":[{"severity":"fatal","code":"x y"}]}}],"link":[{"relation":"next"}]}`,
		"seed-nested":     `{"resourceType":"Bundle","entry":[{"resource":{"resourceType":"Bundle","entry":[{"resource":{"resourceType":"Bundle","entry":[{"resource":{"resourceType":"Patient"}}]}}]}}]}`,
		"seed-array":      `[{"resourceType":"Patient","id":"1"},[],null,{"resourceType":""}]`,
		"seed-two-values": "{\"resourceType\":\"Patient\"}\n{\"resourceType\":\"Patient\"} x",
	}
	for k, v := range j {
		writeSeed(t, "FuzzImportJSON", k, []byte(v))
	}
	n := map[string]string{
		"seed-mixed": "{\"resourceType\":\"Patient\",\"id\":\"p\"}\n\n  \r\n{\"resourceType\":\"Condition\",\"subject\":{\"reference\":\"Patient/p\"}}\r\n" +
			"{bad\n[1]\n" + strings.Repeat("[", 120) + "\n{\"resourceType\":\"Bundle\",\"entry\":[{\"resource\":{\"resourceType\":\"Observation\"}}]}",
		"seed-bom": "\ufeff{\"resourceType\":\"Patient\"}\n{\"resourceType\":\"Encounter\"}",
	}
	for k, v := range n {
		writeSeed(t, "FuzzNDJSON", k, []byte(v))
	}
	card := unsignedCard([]byte(cardBundle))
	num := toNumeric(card)
	h := len(num) / 4 * 2
	s := map[string][2]string{
		"seed-file":   {cardFile(card, "x.y.z", card[:40]), cardBundle},
		"seed-qr":     {"shc:/" + num, `{"resourceType":"Bundle","entry":[{"resource":{"resourceType":"Immunization"}}]}`},
		"seed-chunks": {"shc:/2/2/" + num[h:] + "\nshc:/1/2/" + num[:h], `{"resourceType":"Patient"}`},
		"seed-badqr":  {"shc:/1/3/00\nshc:/1/2/77\nshc:/7\n" + card, `[`},
	}
	for k, v := range s {
		writeSeed(t, "FuzzSHC", k, []byte(v[0]), []byte(v[1]))
	}
}
