package record

import "testing"

func TestSynthetic(t *testing.T) {
	a, b := Synthetic(500, 42), Synthetic(500, 42)
	kinds := map[Kind]int{}
	for i := range a {
		if a[i].ID != b[i].ID || string(a[i].Resource.JSON) != string(b[i].Resource.JSON) && a[i].Kind != KindClinicianNote && a[i].Kind != KindDocument {
			t.Fatalf("entry %d differs between runs", i)
		}
		kinds[a[i].Kind]++
	}
	if kinds[KindLab] < 150 || kinds[KindVital] < 50 || kinds[KindVisit] < 30 || len(kinds) < 10 {
		t.Errorf("kinds %v", kinds)
	}
}

func BenchmarkSynthetic(b *testing.B) {
	for b.Loop() {
		Synthetic(100, 1)
	}
}
