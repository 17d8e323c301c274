import { createHash } from "node:crypto";

/** A statement prepared once per connection under a name derived from its text. */
export interface Statement {
  readonly name: string;
  readonly text: string;
}

/** Every statement the store runs on its table. Times are epoch milliseconds (`float8`). */
export interface Statements {
  /** → present: whether the table exists (seen through the search path). */
  readonly tableExists: Statement;
  /** Creates the table and its index when missing, serialized by an advisory lock (no parameters). */
  readonly createSchema: string;
  /** $1 collection, $2 key → v, c, e. */
  readonly get: Statement;
  /**
   * $1 collection, $2 keys → key, v, c, e: one primary-key lookup per key (a LATERAL subquery
   * with LIMIT 1, which the planner cannot merge into a join), so the cost follows the number of
   * keys and never the size of the collection, with or without statistics. `key = ANY($2)` and a
   * plain join with `unnest($2)` both scan the whole collection on a table not analyzed yet.
   */
  readonly getMany: Statement;
  /** $1 collections, $2 keys (pairs) → i (1-based position), v, c, e; looked up as `getMany`. */
  readonly getPairs: Statement;
  /** $1 collection, $2 key, $3 value JSON, $4 ttl, $5 created, $6 expires. */
  readonly put: Statement;
  /** $1 collection, $2 keys, $3 value JSONs, $4 ttls, $5 created, $6 expires. */
  readonly putMany: Statement;
  /** As `putMany` for entries that share their times: $4 ttl, $5 created, $6 expires. */
  readonly putManyAlike: Statement;
  /** $1 collection, $2 key, $3 now → live (one row when something was deleted). */
  readonly delete: Statement;
  /**
   * $1 collection, $2 keys, $3 now → live (how many live rows were deleted). A join with
   * `unnest($2)`: never the element-by-element filter `key = ANY($2)` gets on a table without
   * statistics, and, unlike a lookup by row address, it finds a row a concurrent write moved.
   */
  readonly deleteMany: Statement;
  /** $1 collection, $2 after, $3 now, $4 limit → key. */
  readonly keysPage: Statement;
  /** $1 after, $2 limit → collection. */
  readonly collectionsPage: Statement;
  /** $1 collection. */
  readonly dropCollection: Statement;
  readonly dropAll: Statement;
  /** $1 now. */
  readonly cull: Statement;
  /** As `put`, plus $7 now: writes only over no row or an expired one → one row when written. */
  readonly insertIfAbsent: Statement;
  /** $1 collection, $2 key → v, c, e, version (the row's xmin). */
  readonly readVersioned: Statement;
  /** As `put`, plus $7 now, $8 version → one row when written. */
  readonly replaceIfVersion: Statement;
  /** $1 collection, $2 key, $3 now, $4 version → one row when deleted. */
  readonly deleteIfVersion: Statement;
  /**
   * $1 collection, $2 key, $3 by, $4 ttl, $5 now, $6 expires, $7 refresh → count; no row when the
   * live value is not a counter or the sum leaves the safe integers.
   */
  readonly increment: Statement;
  /** $1 collection, $2 key, $3 ttl, $4 expires, $5 now → one row when touched. */
  readonly touch: Statement;
}

/** Epoch milliseconds (a `float8` parameter) as a `timestamptz`; NULL stays NULL. */
const at = (parameter: string) => `to_timestamp(${parameter}::float8 / 1000)`;
/** A `timestamptz` column as epoch milliseconds. */
const ms = (column: string) => `(extract(epoch FROM ${column}) * 1000)::float8`;
const entryColumns = `value::text AS v, ${ms("created_at")} AS c, ${ms("expires_at")} AS e`;
const live = (now: string) => `(expires_at IS NULL OR expires_at > ${at(now)})`;
const expired = (row: string, now: string) =>
  `(${row}.expires_at IS NOT NULL AND ${row}.expires_at <= ${at(now)})`;
const overwrite = `DO UPDATE SET value = excluded.value, ttl = excluded.ttl,
  created_at = excluded.created_at, expires_at = excluded.expires_at`;
const insertOne = (table: string) =>
  `INSERT INTO ${table} AS e (collection, key, value, ttl, created_at, expires_at)
  VALUES ($1, $2, $3::text::jsonb, $4::float8, ${at("$5")}, ${at("$6")})
  ON CONFLICT (collection, key) ${overwrite}`;

/**
 * The count of a row's value when it is `{ "count": <whole number within the safe integers> }`,
 * else NULL. A CASE, because only its branches are evaluated in order.
 */
const countOf = `CASE
  WHEN jsonb_typeof(e.value) IS DISTINCT FROM 'object' THEN NULL
  WHEN jsonb_typeof(e.value -> 'count') IS DISTINCT FROM 'number' THEN NULL
  WHEN e.value - 'count' <> '{}'::jsonb THEN NULL
  WHEN (e.value ->> 'count')::numeric <> trunc((e.value ->> 'count')::numeric) THEN NULL
  WHEN abs((e.value ->> 'count')::numeric) > 9007199254740991 THEN NULL
  ELSE (e.value ->> 'count')::numeric END`;

/** The index name py-key-value gives the table's expiry index (hashed when it would be too long). */
export function expiryIndexName(table: string): string {
  const name = `idx_${table}_expires_at`;
  if (name.length <= 63) return name;
  return `idx_${createHash("sha256").update(table).digest("hex").slice(0, 16)}_exp`;
}

/** Builds the statements for a table (a lower-case identifier, already checked). */
export function statementsFor(table: string): Statements {
  const t = `"${table}"`;
  const named = (operation: string, text: string): Statement => ({
    name: `kv_${operation}_${createHash("sha1").update(text).digest("hex").slice(0, 16)}`,
    text,
  });
  const lock = Number.parseInt(createHash("sha1").update(table).digest("hex").slice(0, 8), 16);
  return {
    tableExists: named("tableExists", `SELECT to_regclass('${t}') IS NOT NULL AS present`),
    createSchema: `SELECT pg_advisory_xact_lock(${lock}::bigint);
CREATE TABLE IF NOT EXISTS ${t} (collection TEXT NOT NULL, key TEXT NOT NULL, value JSONB NOT NULL,
  ttl DOUBLE PRECISION, created_at TIMESTAMPTZ, expires_at TIMESTAMPTZ, PRIMARY KEY (collection, key));
CREATE INDEX IF NOT EXISTS "${expiryIndexName(table)}" ON ${t} (expires_at) WHERE expires_at IS NOT NULL`,
    get: named("get", `SELECT ${entryColumns} FROM ${t} WHERE collection = $1 AND key = $2`),
    getMany: named(
      "getMany",
      `SELECT e.key, e.v, e.c, e.e FROM unnest($2::text[]) AS k(key)
  CROSS JOIN LATERAL (SELECT key, ${entryColumns} FROM ${t}
    WHERE collection = $1 AND key = k.key LIMIT 1) AS e`,
    ),
    getPairs: named(
      "getPairs",
      `SELECT p.i::int AS i, e.v, e.c, e.e
  FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS p(collection, key, i)
  CROSS JOIN LATERAL (SELECT ${entryColumns} FROM ${t}
    WHERE collection = p.collection AND key = p.key LIMIT 1) AS e`,
    ),
    put: named("put", insertOne(t)),
    putMany: named(
      "putMany",
      `INSERT INTO ${t} (collection, key, value, ttl, created_at, expires_at)
  SELECT $1, r.key, r.value::jsonb, r.ttl, ${at("r.created")}, ${at("r.expires")}
  FROM unnest($2::text[], $3::text[], $4::float8[], $5::float8[], $6::float8[])
    AS r(key, value, ttl, created, expires)
  ON CONFLICT (collection, key) ${overwrite}`,
    ),
    putManyAlike: named(
      "putManyAlike",
      `INSERT INTO ${t} (collection, key, value, ttl, created_at, expires_at)
  SELECT $1, r.key, r.value::jsonb, $4::float8, ${at("$5")}, ${at("$6")}
  FROM unnest($2::text[], $3::text[]) AS r(key, value)
  ON CONFLICT (collection, key) ${overwrite}`,
    ),
    delete: named(
      "delete",
      `DELETE FROM ${t} WHERE collection = $1 AND key = $2 RETURNING ${live("$3")} AS live`,
    ),
    deleteMany: named(
      "deleteMany",
      `WITH deleted AS (DELETE FROM ${t} AS e USING unnest($2::text[]) AS k(key)
    WHERE e.collection = $1 AND e.key = k.key RETURNING ${live("$3")} AS live)
  SELECT (count(*) FILTER (WHERE live))::int AS live FROM deleted`,
    ),
    keysPage: named(
      "keysPage",
      `SELECT key FROM ${t} WHERE collection = $1 AND key > $2 AND ${live("$3")}
  ORDER BY key LIMIT $4`,
    ),
    // A loose index scan: one index seek per collection, stopped by the LIMIT.
    collectionsPage: named(
      "collectionsPage",
      `WITH RECURSIVE c(name) AS (
    (SELECT collection FROM ${t} WHERE collection > $1 ORDER BY collection LIMIT 1)
    UNION ALL
    SELECT (SELECT collection FROM ${t} WHERE collection > c.name ORDER BY collection LIMIT 1)
    FROM c WHERE c.name IS NOT NULL)
  SELECT name AS collection FROM c WHERE name IS NOT NULL LIMIT $2`,
    ),
    dropCollection: named("dropCollection", `DELETE FROM ${t} WHERE collection = $1`),
    dropAll: named("dropAll", `DELETE FROM ${t}`),
    cull: named("cull", `DELETE FROM ${t} WHERE expires_at <= ${at("$1")}`),
    insertIfAbsent: named(
      "insertIfAbsent",
      `${insertOne(t)} WHERE ${expired("e", "$7")} RETURNING 1 AS written`,
    ),
    readVersioned: named(
      "readVersioned",
      `SELECT ${entryColumns}, xmin::text AS version FROM ${t} WHERE collection = $1 AND key = $2`,
    ),
    replaceIfVersion: named(
      "replaceIfVersion",
      `UPDATE ${t} SET value = $3::text::jsonb, ttl = $4::float8, created_at = ${at("$5")},
    expires_at = ${at("$6")}
  WHERE collection = $1 AND key = $2 AND ${live("$7")} AND xmin = $8::text::xid
  RETURNING 1 AS written`,
    ),
    deleteIfVersion: named(
      "deleteIfVersion",
      `DELETE FROM ${t} WHERE collection = $1 AND key = $2 AND ${live("$3")}
    AND xmin = $4::text::xid RETURNING 1 AS deleted`,
    ),
    increment: named(
      "increment",
      `INSERT INTO ${t} AS e (collection, key, value, ttl, created_at, expires_at)
  VALUES ($1, $2, jsonb_build_object('count', $3::bigint), $4::float8, ${at("$5")}, ${at("$6")})
  ON CONFLICT (collection, key) DO UPDATE SET
    value = CASE WHEN ${expired("e", "$5")} THEN excluded.value
      ELSE jsonb_build_object('count', (${countOf} + $3::bigint)::bigint) END,
    created_at = CASE WHEN ${expired("e", "$5")} THEN excluded.created_at ELSE e.created_at END,
    expires_at = CASE WHEN ${expired("e", "$5")} OR $7::boolean THEN excluded.expires_at
      ELSE e.expires_at END,
    ttl = CASE WHEN ${expired("e", "$5")} OR $7::boolean THEN excluded.ttl ELSE e.ttl END
  WHERE ${expired("e", "$5")} OR abs(${countOf} + $3::bigint) <= 9007199254740991
  RETURNING (value ->> 'count')::float8 AS count`,
    ),
    touch: named(
      "touch",
      `UPDATE ${t} SET ttl = $3::float8, expires_at = ${at("$4")}
  WHERE collection = $1 AND key = $2 AND ${live("$5")} RETURNING 1 AS touched`,
    ),
  };
}
