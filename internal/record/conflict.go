package record

// ConflictPrefix starts the vault id of a conflict copy: the version of an
// entry that lost when two devices changed its content while apart (see
// internal/replica). Its header is an entry header with the entry's own id;
// the session lists it beside the entry ("Edited on two devices") until the
// person keeps one of the two.
const ConflictPrefix = "conflict."
