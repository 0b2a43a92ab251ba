package i18n

// Messages of drafts, auto-lock, tabs and passphrase checks.
func init() {
	add(English, []msg{
		{"drafts.offer", "You have an unsaved draft of this form, from"},
		{"drafts.restore", "Restore"},
		{"drafts.discard", "Discard"},
		{"drafts.leave.title", "Leave this form?"},
		{"drafts.leave.text", "What you typed is not saved yet. You can keep it as a draft (encrypted in your vault) and finish it later."},
		{"drafts.leave.stay", "Keep editing"},
		{"drafts.leave.keep", "Leave, keep the draft"},
		{"drafts.leave.discard", "Leave, discard changes"},
		{"drafts.idle", "Still there? Backpack locks in a minute to keep your record private; what you typed is kept as a draft."},
		{"drafts.idle.stay", "Stay unlocked"},
		{"tabs.err.gone", "This entry was deleted (perhaps in another tab or window), so your change was not saved."},
		{"tabs.err.notfound", "This was deleted (perhaps in another tab or window). Your change was not saved."},
	})
	add(Spanish, []msg{
		{"drafts.offer", "Tienes un borrador sin guardar de este formulario, del"},
		{"drafts.restore", "Recuperar"},
		{"drafts.discard", "Descartar"},
		{"drafts.leave.title", "¿Salir de este formulario?"},
		{"drafts.leave.text", "Lo que escribiste aún no está guardado. Puedes conservarlo como borrador (cifrado en tu bóveda) y terminarlo después."},
		{"drafts.leave.stay", "Seguir editando"},
		{"drafts.leave.keep", "Salir y conservar el borrador"},
		{"drafts.leave.discard", "Salir y descartar los cambios"},
		{"drafts.idle", "¿Sigues ahí? Backpack se bloquea en un minuto para proteger tu historial; lo que escribiste se conserva como borrador."},
		{"drafts.idle.stay", "Seguir desbloqueado"},
		{"tabs.err.gone", "Esta entrada se eliminó (quizá en otra pestaña o ventana), así que tu cambio no se guardó."},
		{"tabs.err.notfound", "Esto se eliminó (quizá en otra pestaña o ventana). Tu cambio no se guardó."},
	})
	addPlural(English, map[string]Plural{
		"unlock.wait": {"Several wrong tries in a row: wait %d second before the next one.", "Several wrong tries in a row: wait %d seconds before the next one."},
	})
	addPlural(Spanish, map[string]Plural{
		"unlock.wait": {"Varios intentos fallidos seguidos: espera %d segundo antes del siguiente.", "Varios intentos fallidos seguidos: espera %d segundos antes del siguiente."},
	})
}
