/**
 * simplekv's `VALID_KEY_REGEXP`: one or more ASCII letters and digits and the characters
 * `` !"#$%&'()+,-.<=>?@[\]^_`{}~ `` (backslash included, as in simplekv's code). It refuses `/`,
 * spaces, `*`, `:`, `;`, `|`, control characters and anything beyond ASCII. Unlike Python's `$`,
 * this `$` does not also match before a trailing newline, so `"key\n"` is refused.
 */
export const VALID_KEY_REGEXP: RegExp = /^[\\`!"#$%&'()+,\-.<=>?@[\]^_{}~0-9a-zA-Z]+$/;

/**
 * simplekv's `VALID_KEY_REGEXP_EXTENDED` (its extended key space): `VALID_KEY_REGEXP` plus `/`
 * and the space character.
 */
export const VALID_KEY_REGEXP_EXTENDED: RegExp = /^[\\`!"#$%&'()+,\-.<=>?@[\]^_{}~0-9a-zA-Z/ ]+$/;
