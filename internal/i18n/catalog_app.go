package i18n

// Messages of the app shell: navigation, install, update, errors.
func init() {
	add(English, map[string]string{
		"app.name":             "Backpack",
		"app.tagline":          "Your health record, in your pocket. Private, offline, yours.",
		"app.loading":          "Loading…",
		"app.update":           "A new version of Backpack is ready.",
		"app.update.reload":    "Reload",
		"app.install":          "Install Backpack on this device",
		"app.install.button":   "Install",
		"app.offline":          "Offline — everything still works on this device.",
		"app.notfound":         "This page does not exist.",
		"app.home":             "Home",
		"app.language":         "Language",
		"app.error":            "Something went wrong: %s",
		"app.dismiss":          "Dismiss",
		"app.skip":             "Skip to content",
		"lang.name":            "English",
		"home.promise.private": "Encrypted on this device. No one else can read it — not even us.",
		"home.promise.offline": "Works with no network, right in the exam room.",
		"home.promise.yours":   "Take it anywhere: any provider, any state, any country.",
	})
	add(Spanish, map[string]string{
		"app.name":             "Backpack",
		"app.tagline":          "Tu historial de salud, en tu bolsillo. Privado, sin conexión, tuyo.",
		"app.loading":          "Cargando…",
		"app.update":           "Hay una nueva versión de Backpack lista.",
		"app.update.reload":    "Recargar",
		"app.install":          "Instala Backpack en este dispositivo",
		"app.install.button":   "Instalar",
		"app.offline":          "Sin conexión: todo sigue funcionando en este dispositivo.",
		"app.notfound":         "Esta página no existe.",
		"app.home":             "Inicio",
		"app.language":         "Idioma",
		"app.error":            "Algo salió mal: %s",
		"app.dismiss":          "Cerrar",
		"app.skip":             "Ir al contenido",
		"lang.name":            "Español",
		"home.promise.private": "Cifrado en este dispositivo. Nadie más puede leerlo, ni siquiera nosotros.",
		"home.promise.offline": "Funciona sin conexión, en plena consulta.",
		"home.promise.yours":   "Llévalo a donde vayas: cualquier médico, estado o país.",
	})
}
