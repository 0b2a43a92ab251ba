package i18n

// Messages of the bounded readers, the import limits and the share server's
// protections.
func init() {
	add(English, []msg{
		{"export.err.toolarge", "This file is larger or more complex than Backpack can open safely."},
		{"import.error.internal", "Backpack could not read this file. Nothing was imported."},
		{"import.problem.shc-other-issuer", "The keys you added are not tied to this card's issuer, so its signature was not checked."},
		{"importui.keys.issuer", "Whose keys are these? The issuer's web address, as on its cards"},
		{"importui.keys.hint", "A key checks only the cards of the issuer you name here: a card that names another issuer stays unchecked."},
		{"importui.keys.use", "Use for this issuer"},
		{"importui.keys.bad", "Enter the issuer's web address, starting with https://."},
	})
	add(Spanish, []msg{
		{"export.err.toolarge", "Este archivo es más grande o más complejo de lo que Backpack puede abrir con seguridad."},
		{"import.error.internal", "Backpack no pudo leer este archivo. No se importó nada."},
		{"import.problem.shc-other-issuer", "Las claves que añadiste no están ligadas al emisor de esta tarjeta, así que no se comprobó su firma."},
		{"importui.keys.issuer", "¿De quién son estas claves? La dirección web del emisor, como aparece en sus tarjetas"},
		{"importui.keys.hint", "Una clave solo comprueba las tarjetas del emisor que indiques aquí: una tarjeta que nombre a otro emisor queda sin comprobar."},
		{"importui.keys.use", "Usar para este emisor"},
		{"importui.keys.bad", "Escribe la dirección web del emisor, empezando por https://."},
	})
	addPlural(English, map[string]Plural{
		"importui.keys.found": {"%d public key of a health card issuer. Backpack never fetches keys: add only keys you got from a source you trust.", "%d public keys of a health card issuer. Backpack never fetches keys: add only keys you got from a source you trust."},
		"importui.keys.tied":  {"%d public key of %s. Health cards from this issuer are checked against it.", "%d public keys of %s. Health cards from this issuer are checked against them."},
	})
	addPlural(Spanish, map[string]Plural{
		"importui.keys.found": {"%d clave pública de un emisor de tarjetas de salud. Backpack nunca descarga claves: añade solo claves obtenidas de una fuente de confianza.", "%d claves públicas de un emisor de tarjetas de salud. Backpack nunca descarga claves: añade solo claves obtenidas de una fuente de confianza."},
		"importui.keys.tied":  {"%d clave pública de %s. Las tarjetas de salud de este emisor se comprueban con ella.", "%d claves públicas de %s. Las tarjetas de salud de este emisor se comprueban con ellas."},
	})
}
