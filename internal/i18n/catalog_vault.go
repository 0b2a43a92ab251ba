package i18n

// Messages of the encrypted vault: unlock errors and the passphrase meter.
// Keys are returned by vault.MessageKey and vault.Strength.
func init() {
	add(English, []msg{
		{"vault.err.novault", "There is no Backpack vault on this device yet."},
		{"vault.err.exists", "A vault already exists here."},
		{"vault.err.wrongpass", "Wrong passphrase. Nothing was changed; try again."},
		{"vault.err.wrongrecovery", "This recovery key does not open this vault."},
		{"vault.err.recoverytypo", "This recovery key has a typo. Check each group of four characters."},
		{"vault.err.emptypass", "Please enter a passphrase."},
		{"vault.err.locked", "Backpack is locked. Unlock it to continue."},
		{"vault.err.corrupt", "Some stored data is damaged or was changed outside Backpack and cannot be read."},
		{"vault.err.newer", "This data was saved by a newer version of Backpack. Update the app to open it."},
		{"vault.err.notfound", "This item is no longer in your vault."},
		{"vault.err.badid", "Invalid item identifier."},
		{"vault.err.quota", "This device is out of storage space for Backpack."},

		{"vault.strength.empty", "Choose a passphrase."},
		{"vault.strength.common", "This is one of the most common passwords."},
		{"vault.strength.short", "Too short: use several words."},
		{"vault.strength.pattern", "Avoid repeated characters and sequences like abc or 123."},
		{"vault.strength.longer", "Add another word or two."},
		{"vault.strength.good", "Good. One more word makes it strong."},
		{"vault.strength.strong", "Strong passphrase."},
		{"vault.strength.0", "Very weak"},
		{"vault.strength.1", "Weak"},
		{"vault.strength.2", "Fair"},
		{"vault.strength.3", "Good"},
		{"vault.strength.4", "Strong"},

		{"vault.recovery.title", "Your recovery key"},
		{"vault.recovery.note", "Write this key down and keep it safe. It is shown only once, and it is the only way back in if you forget your passphrase."},
		{"vault.persist.denied", "This browser may delete Backpack's data when space runs low. Install the app or export a backup regularly."},
		{"vault.usage", "Using %s of %s available."},
	})
	add(Spanish, []msg{
		{"vault.err.novault", "Todavía no hay un almacén de Backpack en este dispositivo."},
		{"vault.err.exists", "Ya existe un almacén aquí."},
		{"vault.err.wrongpass", "Frase de contraseña incorrecta. No se cambió nada; inténtalo de nuevo."},
		{"vault.err.wrongrecovery", "Esta clave de recuperación no abre este almacén."},
		{"vault.err.recoverytypo", "Esta clave de recuperación tiene un error de escritura. Revisa cada grupo de cuatro caracteres."},
		{"vault.err.emptypass", "Escribe una frase de contraseña."},
		{"vault.err.locked", "Backpack está bloqueado. Desbloquéalo para continuar."},
		{"vault.err.corrupt", "Algunos datos guardados están dañados o se modificaron fuera de Backpack y no se pueden leer."},
		{"vault.err.newer", "Estos datos los guardó una versión más reciente de Backpack. Actualiza la aplicación para abrirlos."},
		{"vault.err.notfound", "Este elemento ya no está en tu almacén."},
		{"vault.err.badid", "Identificador de elemento no válido."},
		{"vault.err.quota", "Este dispositivo no tiene espacio de almacenamiento para Backpack."},

		{"vault.strength.empty", "Elige una frase de contraseña."},
		{"vault.strength.common", "Es una de las contraseñas más comunes."},
		{"vault.strength.short", "Demasiado corta: usa varias palabras."},
		{"vault.strength.pattern", "Evita caracteres repetidos y secuencias como abc o 123."},
		{"vault.strength.longer", "Añade una o dos palabras más."},
		{"vault.strength.good", "Buena. Una palabra más la hace fuerte."},
		{"vault.strength.strong", "Frase de contraseña fuerte."},
		{"vault.strength.0", "Muy débil"},
		{"vault.strength.1", "Débil"},
		{"vault.strength.2", "Aceptable"},
		{"vault.strength.3", "Buena"},
		{"vault.strength.4", "Fuerte"},

		{"vault.recovery.title", "Tu clave de recuperación"},
		{"vault.recovery.note", "Anota esta clave y guárdala en un lugar seguro. Solo se muestra una vez y es la única forma de entrar si olvidas tu frase de contraseña."},
		{"vault.persist.denied", "Este navegador puede borrar los datos de Backpack si falta espacio. Instala la aplicación o exporta una copia de seguridad con frecuencia."},
		{"vault.usage", "Usando %s de %s disponibles."},
	})
}
