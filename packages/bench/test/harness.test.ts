import { MemoryStore } from "@kv/memory";
import { describe, expect, it } from "vitest";
import { measure, runSuite, type SubjectResult, type SuiteResult } from "../src/harness.ts";
import { kvClient } from "../src/kv-client.ts";
import { parseOptions } from "../src/options.ts";
import { renderMarkdown, summarize } from "../src/report.ts";
import { median, pairedRatios, range, rotate } from "../src/stats.ts";
import { checkTargets } from "../src/targets.ts";
import type { Client, Subject, Suite } from "../src/types.ts";
import { WORKLOADS } from "../src/workloads.ts";
import { reportOf } from "./report-fixture.ts";

function mapClient(): Client {
  const map = new Map<string, string>();
  return {
    get: async (key) => {
      const text = map.get(key);
      return text === undefined ? undefined : JSON.parse(text);
    },
    getMany: async (keys) =>
      keys.map((key) => {
        const text = map.get(key);
        return text === undefined ? undefined : JSON.parse(text);
      }),
    put: async (key, value) => void map.set(key, JSON.stringify(value)),
    putTtl: async (key, value) => void map.set(key, JSON.stringify(value)),
    putMany: async (entries) => {
      for (const [key, value] of entries) map.set(key, JSON.stringify(value));
    },
    putManyTtl: async (entries) => {
      for (const [key, value] of entries) map.set(key, JSON.stringify(value));
    },
    close: async () => map.clear(),
  };
}

describe("statistics", () => {
  it("takes the median of odd and even lists without reordering the input", () => {
    const values = [5, 1, 3];
    expect(median(values)).toBe(3);
    expect(values).toEqual([5, 1, 3]);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNaN();
  });

  it("gives the min–max range", () => {
    expect(range([3, 9, 1])).toEqual([1, 9]);
  });

  it("pairs ratios round by round and skips rounds missing on either side", () => {
    expect(pairedRatios([2, 3, 8], [1, 6, 4])).toEqual([2, 0.5, 2]);
    const failedSecondRound: number[] = [];
    failedSecondRound[0] = 2;
    failedSecondRound[2] = 8;
    expect(pairedRatios(failedSecondRound, [1, 6, 0])).toEqual([2]);
  });

  it("rotates so each round starts with another subject", () => {
    expect(rotate(["a", "b", "c"], 1)).toEqual(["b", "c", "a"]);
    expect(rotate(["a", "b", "c"], 4)).toEqual(["b", "c", "a"]);
    expect(rotate([], 2)).toEqual([]);
  });
});

describe("options", () => {
  it("defaults to the full preset and --quick selects the quick one", () => {
    expect(parseOptions([])).toMatchObject({ mode: "full", rounds: 5, durationMs: 200 });
    expect(parseOptions(["--quick"])).toMatchObject({ mode: "quick", rounds: 3 });
  });

  it("ignores a forwarded lone -- and reads explicit numbers as a custom run", () => {
    expect(parseOptions(["--", "--rounds", "2", "--only", "memory, redis"])).toMatchObject({
      mode: "custom",
      rounds: 2,
      only: ["memory", "redis"],
    });
  });

  it("runs both modes, per-suite first, unless --shared or --per-suite picks one", () => {
    expect(parseOptions([]).sharing).toEqual(["per-suite", "shared"]);
    expect(parseOptions(["--quick", "--shared"]).sharing).toEqual(["shared"]);
    expect(parseOptions(["--per-suite"]).sharing).toEqual(["per-suite"]);
    expect(() => parseOptions(["--shared", "--per-suite"])).toThrow(TypeError);
  });

  it("rejects unknown options and bad numbers", () => {
    expect(() => parseOptions(["--fast"])).toThrow();
    expect(() => parseOptions(["--rounds", "0"])).toThrow(RangeError);
  });
});

describe("measure", () => {
  it("runs the call for about the given time and counts the calls", async () => {
    let count = 0;
    const { calls, elapsedMs } = await measure(async () => count++, 20, 4);
    expect(calls).toBe(count);
    expect(calls % 4).toBe(0);
    expect(elapsedMs).toBeGreaterThanOrEqual(20);
  });
});

describe("workloads", () => {
  it("read and write in bulk at 10, 100 and 1 000 keys, each key counted", async () => {
    const sizes = Object.fromEntries(
      WORKLOADS.filter(({ id }) => /^(get|put)-many(-\d+)?$/.test(id)).map(({ id, opsPerCall }) => [
        id,
        opsPerCall,
      ]),
    );
    expect(sizes).toEqual({
      "get-many-10": 10,
      "get-many": 100,
      "get-many-1000": 1000,
      "put-many-10": 10,
      "put-many": 100,
      "put-many-1000": 1000,
    });
    const client = mapClient();
    const seen: number[] = [];
    const counting: Client = {
      ...client,
      getMany: (keys) => {
        seen.push(keys.length);
        return client.getMany(keys);
      },
    };
    const workload = WORKLOADS.find(({ id }) => id === "get-many-1000");
    const call = await workload?.prepare(counting);
    await call?.();
    expect(seen).toEqual([1000, 1000]);
  });
});

describe("runSuite", () => {
  const options = { rounds: 2, durationMs: 4, warmupMs: 2, sliceMs: 2 };
  const mapSubject: Subject = {
    name: "map",
    role: "baseline",
    description: "",
    packages: [],
    open: async () => mapClient(),
  };
  const testSuite = (subject: Subject): Suite => ({
    id: "test",
    title: "Test",
    baseline: "map",
    subjects: [mapSubject, subject],
  });

  it("measures every subject on every workload it can run in every round, with ratios to the baseline", async () => {
    const suite = testSuite({
      name: "@kv/memory",
      role: "kv",
      description: "",
      packages: ["@kv/memory"],
      open: async () => kvClient(new MemoryStore()),
    });
    const result = await runSuite(suite, WORKLOADS, options);
    for (const subject of result.subjects) {
      for (const workload of WORKLOADS) {
        const figures = subject.workloads[workload.id];
        if (workload.requiresAtomic === true && subject.name === "map") {
          // The test's map client has no atomic calls: those workloads are skipped, with the reason.
          expect(subject.unsupported[workload.id]).toBe("no atomic operations");
          expect(figures).toBeUndefined();
          continue;
        }
        expect(figures?.error).toBeUndefined();
        expect(figures?.opsPerSec).toHaveLength(2);
      }
    }
    const [baseline, memory] = result.subjects;
    if (baseline === undefined || memory === undefined) throw new Error("two subjects expected");
    expect(summarize(result, baseline, "put-get", "map")?.ratio).toBe(1);
    expect(summarize(result, memory, "get-many", "map")?.ratio).toBeGreaterThan(0);
    const outcomes = checkTargets([result]);
    expect(outcomes.find(({ target }) => target.startsWith("@kv/redis"))?.verdict).toBe(
      "not measured",
    );
  });

  it("reports a subject that returns wrong values as failed instead of measuring it", async () => {
    const broken: Client = { ...mapClient(), get: async () => ({ wrong: true }) };
    const suite = testSuite({
      name: "broken",
      role: "anchor",
      description: "",
      packages: [],
      open: async () => broken,
    });
    const result = await runSuite(suite, WORKLOADS.slice(0, 1), options);
    expect(result.subjects[1]?.workloads["put-get"]?.error).toMatch(/get returns what put wrote/);
  });

  it("skips a suite whose backend is unavailable and says why in the report", async () => {
    const suite: Suite = {
      id: "gone",
      title: "Gone",
      baseline: "map",
      unavailable: async () => "no server answers",
      subjects: [mapSubject],
    };
    const result = await runSuite(suite, WORKLOADS, options);
    expect(result.skipped).toBe("no server answers");
    const markdown = renderMarkdown(reportOf([result]));
    expect(markdown).toContain("- Gone: no server answers");
  });
});

describe("targets", () => {
  const figures = (opsPerSec: number[]) => ({ opsPerSec });
  const subject = (name: string, opsPerSec: number[]): SubjectResult => ({
    name,
    role: name === "Map" ? "baseline" : "kv",
    description: "",
    packages: [],
    unsupported: {},
    workloads: { "put-get": figures(opsPerSec), "get-many": figures(opsPerSec.map((x) => x * 2)) },
  });
  const suite = (memory: number[]): SuiteResult => ({
    id: "memory",
    title: "In-process stores",
    baseline: "Map",
    environment: {},
    subjects: [subject("Map", [100, 200, 100]), subject("@kv/memory", memory)],
  });

  it("marks a ratio below the target as missed, with the margin", () => {
    const outcomes = checkTargets([suite([50, 100, 50])]);
    const putGet = outcomes.find(
      ({ target, on }) => target.startsWith("@kv/memory") && on === "put-get",
    );
    expect(putGet).toMatchObject({ verdict: "missed", measured: "0.50×" });
    expect(putGet?.margin).toContain("−0.45×");
  });

  it("checks @kv/redis on getMany and putMany at 10, 100 and 1 000 keys", () => {
    const checked = checkTargets([])
      .filter(({ target }) => target.startsWith("@kv/redis ≥ 0.95×"))
      .map(({ on }) => on);
    expect(checked).toEqual(
      expect.arrayContaining([
        "get-many-10",
        "get-many",
        "get-many-1000",
        "put-many-10",
        "put-many",
        "put-many-1000",
      ]),
    );
    expect(checked).not.toContain("get-concurrent");
  });

  it("marks @kv/redis behind an anchor on a workload as missed, naming the anchor", () => {
    const redis = (kv: number): SuiteResult => ({
      id: "redis",
      title: "Redis",
      baseline: "raw",
      environment: {},
      subjects: [
        subject("raw", [100, 100]),
        subject("@kv/redis", [kv, kv]),
        subject("Keyv + @keyv/redis", [80, 80]),
        subject("unstorage (redis)", [90, 90]),
      ],
    });
    const anchored = (kv: number) =>
      checkTargets([redis(kv)]).find(
        ({ target, on }) => target.startsWith("@kv/redis never behind") && on === "put-get",
      );
    expect(anchored(85)).toMatchObject({
      verdict: "missed",
      margin: "5.6 % behind unstorage (redis)",
    });
    expect(anchored(95)).toMatchObject({
      verdict: "met",
      measured: "1.19× of Keyv + @keyv/redis, 1.06× of unstorage (redis)",
    });
  });

  it("marks a ratio at or above the target as met and a workload without figures as not measured", () => {
    const outcomes = checkTargets([suite([95, 190, 95])]).filter(({ target }) =>
      target.startsWith("@kv/memory"),
    );
    expect(outcomes.find(({ on }) => on === "get-many")?.verdict).toBe("met");
    expect(outcomes.find(({ on }) => on === "put-many")?.verdict).toBe("not measured");
  });
});
