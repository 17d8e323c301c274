/**
 * The largest expiry memcached reads as seconds from now: 30 days. A larger one is read as an
 * absolute Unix time, so a relative TTL of 31 days sent as it is would be a date in January 1970
 * and the item would expire at once.
 */
export const RELATIVE_EXPIRY_LIMIT_SECONDS = 2_592_000;

/** The latest absolute expiry sent (2038-01-19, the largest 32-bit signed time). */
export const LATEST_ABSOLUTE_EXPIRY = 2_147_483_647;

/**
 * memcached's clock ticks in whole seconds, so an item given `n` seconds may be dropped up to a
 * second early. One second more keeps it at least as long as its entry is live; the entry's own
 * `expires_at` decides exactly when reads stop returning it.
 */
const MARGIN_SECONDS = 1;

/**
 * The `exptime` to send for an entry that expires at `expiresAt` (epoch ms), written at `now`:
 * `0` (never) without an expiry; whole seconds from now, rounded up plus a second, up to 30 days;
 * beyond that the absolute Unix time (rounded up plus a second), or `0` past 2038, where the entry's
 * `expires_at` alone makes it expire and memcached keeps the item until it needs the memory.
 */
export function exptimeOf(expiresAt: number | undefined, now: number): number {
  if (expiresAt === undefined) return 0;
  const relative = Math.max(Math.ceil((expiresAt - now) / 1000), 0) + MARGIN_SECONDS;
  if (relative <= RELATIVE_EXPIRY_LIMIT_SECONDS) return relative;
  const absolute = Math.ceil(expiresAt / 1000) + MARGIN_SECONDS;
  return absolute <= LATEST_ABSOLUTE_EXPIRY ? absolute : 0;
}

/** The `exptime` that makes memcached expire an item at once (a negative one). */
export const EXPIRE_NOW = -1;
