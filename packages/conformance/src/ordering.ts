import { describe, expect, it } from "vitest";
import type { SuiteContext } from "./context.ts";

/**
 * Calls made in one turn of the event loop, answered in the order they were made: registered
 * only for a store that declares `answersInOrder`. Batching single reads must never hold a read
 * back behind a later write, nor send it ahead of an earlier one.
 */
export function describeOrdering(t: SuiteContext): void {
  if (!t.answersInOrder) return;
  describe("calls of one turn, answered in order", () => {
    it("a get made before a put reads the old value", async () => {
      const collection = t.collection();
      await t.store.put("k", { n: 1 }, { collection });
      const [before] = await Promise.all([
        t.store.get("k", { collection }),
        t.store.put("k", { n: 2 }, { collection }),
      ]);
      expect(before).toEqual({ n: 1 });
      expect(await t.store.get("k", { collection })).toEqual({ n: 2 });
    });

    it("a get made before a delete reads the old value", async () => {
      const collection = t.collection();
      await t.store.put("k", { n: 1 }, { collection });
      const [before, deleted] = await Promise.all([
        t.store.get("k", { collection }),
        t.store.delete("k", { collection }),
      ]);
      expect([before, deleted]).toEqual([{ n: 1 }, true]);
      expect(await t.store.get("k", { collection })).toBeUndefined();
    });

    it("gets made before a putMany read the old values, gets made after it the new ones", async () => {
      const collection = t.collection();
      await t.store.putMany(
        [
          ["a", { n: 1 }],
          ["b", { n: 1 }],
        ],
        { collection },
      );
      const [a, b, , afterA, afterB] = await Promise.all([
        t.store.get("a", { collection }),
        t.store.get("b", { collection }),
        t.store.putMany(
          [
            ["a", { n: 2 }],
            ["b", { n: 2 }],
          ],
          { collection },
        ),
        t.store.get("a", { collection }),
        t.store.get("b", { collection }),
      ]);
      expect([a, b, afterA, afterB]).toEqual([{ n: 1 }, { n: 1 }, { n: 2 }, { n: 2 }]);
    });

    it("a get made after a put reads the new value", async () => {
      const collection = t.collection();
      const [, after] = await Promise.all([
        t.store.put("k", { n: 1 }, { collection }),
        t.store.get("k", { collection }),
      ]);
      expect(after).toEqual({ n: 1 });
    });
  });
}
