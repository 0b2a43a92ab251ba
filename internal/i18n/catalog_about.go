package i18n

func init() {
	add(English, []msg{
		{"about.title", "About Backpack"},
		{"about.what", "Backpack keeps your and your family's health records — visit summaries, lab results, x-rays and other files, medications, allergies, conditions, immunizations and your own notes — on this device, and lets you carry them to any provider."},
		{"about.privacy.title", "How your data is protected"},
		{"about.privacy", "Everything is encrypted on this device with a key made from your passphrase (AES-256-GCM, Argon2id). Backpack never sends your records anywhere unless you export or share them, and exports are encrypted too. A recovery key lets you back in if you forget your passphrase."},
		{"about.install.title", "Install it on your phone"},
		{"about.install", "Open Backpack in your phone's browser. On Android (Chrome), tap Install or menu → Add to Home screen. On iPhone (Safari), tap Share → Add to Home Screen. Installed, it opens like an app and works offline."},
		{"about.offline.title", "Works offline"},
		{"about.offline", "After the first visit Backpack opens with no network at all — in the exam room, on a plane, abroad."},
	})
	add(Spanish, []msg{
		{"about.title", "Acerca de Backpack"},
		{"about.what", "Backpack guarda tu historial de salud y el de tu familia — resúmenes de consultas, resultados de laboratorio, radiografías y otros archivos, medicamentos, alergias, enfermedades, vacunas y tus propias notas — en este dispositivo, y te permite llevarlo a cualquier médico."},
		{"about.privacy.title", "Cómo se protegen tus datos"},
		{"about.privacy", "Todo se cifra en este dispositivo con una clave derivada de tu frase de contraseña (AES-256-GCM, Argon2id). Backpack nunca envía tus registros a ningún sitio salvo que los exportes o compartas, y las exportaciones también van cifradas. Una clave de recuperación te permite volver a entrar si olvidas tu frase."},
		{"about.install.title", "Instálalo en tu teléfono"},
		{"about.install", "Abre Backpack en el navegador del teléfono. En Android (Chrome), toca Instalar o menú → Añadir a pantalla de inicio. En iPhone (Safari), toca Compartir → Añadir a pantalla de inicio. Instalado, se abre como una app y funciona sin conexión."},
		{"about.offline.title", "Funciona sin conexión"},
		{"about.offline", "Tras la primera visita, Backpack se abre sin ninguna red: en la consulta, en un avión, en el extranjero."},
	})
}
