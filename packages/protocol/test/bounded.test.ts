import { mapBounded } from "@kv/protocol";
import { describe, expect, it } from "vitest";

/** A call that resolves only when released, recording how many are in flight at once. */
function gatedCalls() {
  let inFlight = 0;
  const state = { most: 0, started: [] as number[] };
  const call = async (item: number): Promise<number> => {
    state.started.push(item);
    inFlight++;
    state.most = Math.max(state.most, inFlight);
    await new Promise((resolve) => setTimeout(resolve, 1));
    inFlight--;
    if (item < 0) throw new Error(`failed on ${item}`);
    return item * 10;
  };
  return { call, state };
}

describe("mapBounded", () => {
  it("gives every result in the items' order with at most `limit` calls in flight", async () => {
    const { call, state } = gatedCalls();
    expect(await mapBounded([1, 2, 3, 4, 5], 2, call)).toEqual([10, 20, 30, 40, 50]);
    expect(state.most).toBe(2);
  });

  it("calls nothing for no items", async () => {
    const { call, state } = gatedCalls();
    expect(await mapBounded([], 4, call)).toEqual([]);
    expect(state.started).toEqual([]);
  });

  it("starts no call after one fails, and throws the first failure", async () => {
    const { call, state } = gatedCalls();
    await expect(mapBounded([1, -2, 3, 4, 5], 1, call)).rejects.toThrow("failed on -2");
    expect(state.started).toEqual([1, -2]);
  });
});
