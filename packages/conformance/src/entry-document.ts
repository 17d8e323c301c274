// What the stores that share py-key-value's layout write, for tests that read it back raw.

/**
 * The fields of py-key-value's entry document, in the order `serializeEntry` writes them
 * (`created_at` and `expires_at` only when set).
 */
export const entryDocumentFields: readonly string[] = [
  "collection",
  "created_at",
  "expires_at",
  "key",
  "value",
  "version",
];

/** py-key-value's timestamps: ISO 8601 in UTC with microseconds and an explicit `+00:00`. */
export const pythonTimestamp: RegExp = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00$/;
