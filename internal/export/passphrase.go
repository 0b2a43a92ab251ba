package export

import "backpack/internal/exportdata"

// Generated passphrases are exportdata's (the page makes them).
const PassphraseWords = exportdata.PassphraseWords

var (
	Words          = exportdata.Words
	PassphraseBits = exportdata.PassphraseBits
)

// GeneratePassphrase is exportdata.GeneratePassphrase.
func GeneratePassphrase() string { return exportdata.GeneratePassphrase() }

func normalizePassphrase(p string) string { return exportdata.NormalizePassphrase(p) }
