package export

import (
	"fmt"
	"io"
	"strings"
	"time"

	"backpack/internal/i18n"
)

// writeReadme writes README.txt: what the archive holds, in every language
// of the catalog (English first), with CRLF-free plain text.
func writeReadme(w io.Writer, d Data, sel Selection, now time.Time) error {
	var b strings.Builder
	for i, lang := range i18n.Langs {
		t := func(key string, args ...any) string { return i18n.In(lang, key, args...) }
		if i > 0 {
			b.WriteString("\n\n")
		}
		head := t("export.readme.title", now.Format("2006-01-02"))
		b.WriteString(head + "\n" + strings.Repeat("=", len([]rune(head))) + "\n\n")
		b.WriteString(t("export.readme.intro") + "\n\n")
		b.WriteString(t("export.readme.contents") + "\n")
		item := func(path, key string) { fmt.Fprintf(&b, "  %-22s %s\n", path, t(key)) }
		if sel.IncludeSummary {
			item(PathSummary, "export.readme.summary")
		}
		if sel.IncludeIPS {
			if len(d.Profiles) > 1 {
				item("ips-*.json", "export.readme.ips")
			} else {
				item(PathIPS, "export.readme.ips")
			}
		}
		item(PathBundle, "export.readme.bundle")
		if len(d.Files) > 0 {
			item(DirFiles, "export.readme.files")
		}
		item(PathVault, "export.readme.vault")
		item(PathReadme, "export.readme.readme")
		b.WriteString("\n" + t("export.readme.counts", len(d.Profiles), len(d.Entries), len(d.Files)) + "\n\n")
		b.WriteString(t("export.readme.note") + "\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}
