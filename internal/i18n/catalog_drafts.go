package i18n

// Messages of drafts, auto-lock, tabs and passphrase checks.
func init() {
	add(English, map[string]string{
		"tabs.err.gone":     "This entry was deleted (perhaps in another tab or window), so your change was not saved.",
		"tabs.err.notfound": "This was deleted (perhaps in another tab or window). Your change was not saved.",
	})
	add(Spanish, map[string]string{
		"tabs.err.gone":     "Esta entrada se eliminó (quizá en otra pestaña o ventana), así que tu cambio no se guardó.",
		"tabs.err.notfound": "Esto se eliminó (quizá en otra pestaña o ventana). Tu cambio no se guardó.",
	})
}
