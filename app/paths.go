package ui

// Route paths of every page. Pages link to these constants, never to literals.
// Ids in paths are random vault ids: no health data ever appears in a URL.
const (
	PathSetup     = "/setup"     // create a vault
	PathUnlock    = "/unlock"    // unlock (passphrase or recovery key)
	PathSettings  = "/settings"  // lock, auto-lock, passphrase, recovery key, storage, language
	PathProfiles  = "/profiles"  // me and family members
	PathSummary   = "/summary"   // health summary (what to show a clinician)
	PathEmergency = "/emergency" // emergency card
	PathWallet    = "/wallet"    // wallet card: the emergency card's essentials and a QR code
	PathTimeline  = "/timeline"  // everything, newest first; filters and search
	PathEntry     = "/entry/"    // + id: one entry
	PathAdd       = "/add/"      // + kind: new entry form
	PathEdit      = "/edit/"     // + id: edit form
	PathFiles     = "/files"     // files: upload, preview, download
	PathFlags     = "/flags"     // possible errors and the amendment request
	PathQuestions = "/questions" // questions for the next visit
	PathTrend     = "/trend/"    // + entry id: trend chart of a repeated lab test
	PathImport    = "/import"    // import portal files
	PathExport    = "/export"    // export an encrypted file
	PathRestore   = "/restore"   // restore from an export file
	PathView      = "/view"      // provider view: open an export read-only, no vault
	PathShare     = "/share"     // share link via the server
	PathMore      = "/more"      // menu of everything else
)

const defaultAutoLock = 10 // minutes
