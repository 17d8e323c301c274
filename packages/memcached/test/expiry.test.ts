import { describe, expect, it } from "vitest";
import { exptimeOf, LATEST_ABSOLUTE_EXPIRY, RELATIVE_EXPIRY_LIMIT_SECONDS } from "../src/expiry.ts";

const now = Date.UTC(2026, 11, 1, 9, 0, 0, 250);

describe("exptimeOf: memcached's expiry for an entry", () => {
  it("is 0 (never) without an expiry", () => {
    expect(exptimeOf(undefined, now)).toBe(0);
  });

  it("is the seconds left, rounded up, plus one, up to 30 days", () => {
    expect(exptimeOf(now + 1, now)).toBe(2);
    expect(exptimeOf(now + 1000, now)).toBe(2);
    expect(exptimeOf(now + 9200, now)).toBe(11);
    expect(exptimeOf(now + (RELATIVE_EXPIRY_LIMIT_SECONDS - 1) * 1000, now)).toBe(
      RELATIVE_EXPIRY_LIMIT_SECONDS,
    );
  });

  it("is an absolute Unix time, rounded up, plus one, once the seconds left pass 30 days", () => {
    const expiresAt = now + RELATIVE_EXPIRY_LIMIT_SECONDS * 1000;
    expect(exptimeOf(expiresAt, now)).toBe(Math.ceil(expiresAt / 1000) + 1);
    const year = now + 365 * 86_400_000;
    expect(exptimeOf(year, now)).toBe(Math.ceil(year / 1000) + 1);
  });

  it("is 0 when the absolute time would pass 2038's 32-bit limit", () => {
    expect(exptimeOf(LATEST_ABSOLUTE_EXPIRY * 1000 - 1000, now)).toBe(LATEST_ABSOLUTE_EXPIRY);
    expect(exptimeOf(LATEST_ABSOLUTE_EXPIRY * 1000, now)).toBe(0);
  });

  it("never sends an expiry in the past for an entry written late", () => {
    expect(exptimeOf(now - 500, now)).toBe(1);
  });
});
