import { createCache } from "@kv/cache";
import { MemoryStore } from "@kv/memory";
import { describe, expect, it } from "vitest";
import { CACHE_WORKLOADS } from "../src/cache-workloads.ts";
import { runSuite } from "../src/harness.ts";
import { kvClient } from "../src/kv-client.ts";
import { renderMarkdown, summarize } from "../src/report.ts";
import { cacheAsideClient, cacheMemorySuite, KV_CACHE, withoutLease } from "../src/suites/cache.ts";
import type { Client, Suite } from "../src/types.ts";
import { WORKLOADS } from "../src/workloads.ts";
import { reportOf } from "./report-fixture.ts";

const options = { rounds: 2, durationMs: 4, warmupMs: 2, sliceMs: 2 };

/** A suite of the by-hand baseline and one more subject, running the cache workloads. */
function suiteWith(name: string, open: () => Promise<Client>): Suite {
  return {
    id: "cache-test",
    title: "Cache test",
    baseline: "by hand",
    workloads: CACHE_WORKLOADS,
    subjects: [
      {
        name: "by hand",
        role: "baseline",
        description: "",
        packages: [],
        open: async () => cacheAsideClient(new MemoryStore()),
      },
      { name, role: "anchor", description: "", packages: [], open },
    ],
  };
}

describe("cache suites", () => {
  it("measure every cache on hits and misses, and on nothing else", async () => {
    const result = await runSuite(cacheMemorySuite(), WORKLOADS, options);
    expect(result.subjects.map(({ name }) => name)).toEqual([
      "MemoryStore get (by hand)",
      KV_CACHE,
      `${KV_CACHE} (in-process only)`,
      "cache-manager wrap (memory)",
      "bentocache getOrSet (memory)",
    ]);
    for (const subject of result.subjects) {
      expect(subject.error).toBeUndefined();
      expect(Object.keys(subject.workloads)).toEqual(["get-or-set-hit", "get-or-set-miss"]);
      for (const figures of Object.values(subject.workloads)) {
        expect(figures.error).toBeUndefined();
        expect(figures.opsPerSec).toHaveLength(2);
      }
    }
    const kvCache = result.subjects.find(({ name }) => name === KV_CACHE);
    if (kvCache === undefined) throw new Error("the @kv/cache subject is missing");
    expect(summarize(result, kvCache, "get-or-set-hit", result.baseline)?.ratio).toBeGreaterThan(0);
  });

  it("show only the workloads they ran in the report", async () => {
    const cache = await runSuite(
      suiteWith("same", async () => cacheAsideClient(new MemoryStore())),
      WORKLOADS,
      { ...options, rounds: 1 },
    );
    const stores = await runSuite(
      {
        id: "stores",
        title: "Stores",
        baseline: "memory",
        subjects: [
          {
            name: "memory",
            role: "baseline",
            description: "",
            packages: [],
            open: async () => kvClient(new MemoryStore()),
          },
        ],
      },
      WORKLOADS.slice(0, 1),
      { ...options, rounds: 1 },
    );
    const markdown = renderMarkdown({
      ...reportOf([stores, cache]),
      workloads: [...WORKLOADS, ...CACHE_WORKLOADS],
    });
    const [storeSection = "", cacheSection = ""] = markdown
      .split("## Cache test")
      .map((part) => part.slice(part.indexOf("Median of the per-round ratios")));
    expect(cacheSection).toContain("| subject | getOrSet hit | getOrSet miss |");
    expect(storeSection).toContain("| subject | put→get |");
    expect(storeSection).not.toContain("getOrSet hit |");
  });

  it("fail a cache that runs the factory for a key it holds", async () => {
    const store = new MemoryStore();
    const forgetful: Client = {
      ...kvClient(store),
      cache: { getOrSet: (_key, factory) => factory() },
    };
    const result = await runSuite(
      suiteWith("forgetful", async () => forgetful),
      WORKLOADS,
      options,
    );
    const workloads = result.subjects[1]?.workloads;
    expect(workloads?.["get-or-set-hit"]?.error).toMatch(/a cached key was computed again/);
    expect(workloads?.["get-or-set-miss"]?.error).toMatch(/a cached key was computed again/);
  });

  it("fail a subject that is not a cache, saying so", async () => {
    const result = await runSuite(
      suiteWith("store", async () => kvClient(new MemoryStore())),
      WORKLOADS,
      options,
    );
    expect(result.subjects[1]?.workloads["get-or-set-hit"]?.error).toMatch(/no getOrSet/);
  });

  it("hide putIfAbsent from the in-process-only variant, so it takes no lease", () => {
    expect(createCache(new MemoryStore()).stampedeProtection).toBe("lease");
    expect(createCache(withoutLease(new MemoryStore())).stampedeProtection).toBe("process");
  });
});
