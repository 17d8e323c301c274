import { createCache, parseDuration } from "@kv/cache";
import { MemoryStore } from "@kv/memory";
import { InvalidTtlError, ManualClock } from "@kv/protocol";
import { describe, expect, it } from "vitest";

describe("durations", () => {
  it.each([
    ["30s", 30],
    ["1m", 60],
    ["30 seconds", 30],
    ["1 hour", 3600],
    ["2h30m", 9000],
    ["1.5d", 129_600],
    ["250ms", 0.25],
  ])("parseDuration(%j) is %d seconds", (text, seconds) => {
    expect(parseDuration(text)).toBe(seconds);
  });

  it.each(["forever", "10", "-5s", "5 parsecs", "1h and then some", ""])(
    "parseDuration(%j) is an InvalidTtlError naming the text",
    (text) => {
      const error = (() => {
        try {
          parseDuration(text);
        } catch (e) {
          return e;
        }
      })();
      expect(InvalidTtlError.isInstance(error)).toBe(true);
      expect(String(error)).toContain(JSON.stringify(text));
    },
  );

  it("every TTL option takes seconds or a duration", async () => {
    const clock = new ManualClock();
    const store = new MemoryStore({ clock });
    const cache = createCache(store, { clock, ttl: "1 hour", grace: "30 seconds" });
    await cache.getOrSet("k", () => "v");
    expect((await store.ttl("k"))[1]).toBe(3630);
    await cache.getOrSet("j", () => "v", { ttl: 90, grace: 0 });
    expect((await store.ttl("j"))[1]).toBe(90);
  });
});
