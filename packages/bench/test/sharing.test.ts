import { MemoryStore } from "@kv/memory";
import { describe, expect, it } from "vitest";
import type { SuiteResult } from "../src/harness.ts";
import { kvClient } from "../src/kv-client.ts";
import { renderMarkdown, targetFigures } from "../src/report.ts";
import { runPerSuite, runShared, type SuiteEntry } from "../src/sharing.ts";
import { checkTargets } from "../src/targets.ts";
import type { Suite } from "../src/types.ts";
import { WORKLOADS } from "../src/workloads.ts";
import { reportOf } from "./report-fixture.ts";

const options = { rounds: 1, durationMs: 2, warmupMs: 1, sliceMs: 2 };
const workloads = WORKLOADS.slice(0, 1);

/** Two suites of two @kv/memory subjects each, writing what happens to `events`. */
function entries(events: string[]): SuiteEntry[] {
  const suite = (id: string): Suite => ({
    id,
    title: id,
    baseline: `${id}-baseline`,
    cleanup: async () => void events.push(`cleanup ${id}`),
    subjects: [`${id}-baseline`, `${id}-kv`].map((name) => ({
      name,
      role: name.endsWith("baseline") ? "baseline" : "kv",
      description: "",
      packages: [],
      open: async () => {
        events.push(`open ${name}`);
        return kvClient(new MemoryStore(), async () => void events.push(`close ${name}`));
      },
    })),
  });
  return ["a", "b"].map((id) => ({ id, load: async () => suite(id) }));
}

function run(events: string[]) {
  return { ...options, onProgress: (message: string) => void events.push(message) };
}

describe("shared-process mode", () => {
  it("opens every suite's subjects before measuring any, and closes them after all", async () => {
    const events: string[] = [];
    const results = await runShared(entries(events), workloads, run(events));
    const at = (event: string) => events.indexOf(event);
    expect(at("open b-kv")).toBeLessThan(at("a: warming up"));
    expect(at("b: round 1/1")).toBeLessThan(at("close a-baseline"));
    expect(at("close b-kv")).toBeLessThan(at("cleanup b"));
    expect(results.map(({ id }) => id)).toEqual(["a", "b"]);
    for (const suite of results) {
      expect(suite.heapUsedMb).toBeGreaterThan(0);
      expect(suite.subjects[1]?.workloads["put-get"]?.opsPerSec).toHaveLength(1);
    }
  });

  it("differs from per-suite mode, which closes a suite before opening the next", async () => {
    const events: string[] = [];
    await runPerSuite(entries(events), workloads, run(events));
    expect(events.indexOf("cleanup a")).toBeLessThan(events.indexOf("open b-baseline"));
  });
});

describe("a report of both modes", () => {
  const suite = (kv: number[]): SuiteResult => ({
    id: "memory",
    title: "In-process stores",
    baseline: "Map",
    environment: {},
    heapUsedMb: kv[0] === 50 ? 20 : 180,
    subjects: [
      {
        name: "Map",
        role: "baseline",
        description: "",
        packages: [],
        unsupported: {},
        workloads: { "put-get": { opsPerSec: [100, 100] } },
      },
      {
        name: "@kv/memory",
        role: "kv",
        description: "",
        packages: [],
        unsupported: {},
        workloads: { "put-get": { opsPerSec: kv } },
      },
    ],
  });
  const report = reportOf([suite([50, 50])], [suite([95, 95])]);

  it("checks the targets on the shared-process figures", () => {
    const putGet = checkTargets(targetFigures(report)).find(
      ({ target, on }) => target.startsWith("@kv/memory") && on === "put-get",
    );
    expect(putGet).toMatchObject({ verdict: "met", measured: "0.95×" });
    expect(targetFigures({ suites: report.suites })).toBe(report.suites);
  });

  it("shows each workload's ratio per suite and in the shared process, side by side", () => {
    const markdown = renderMarkdown(report);
    expect(markdown).toContain("| @kv/memory | 0.50× · 0.95× |");
    expect(markdown).toContain("20 MB (per suite) · 180 MB (shared process)");
    expect(markdown).toContain("× baseline (median), shared process");
    expect(markdown).toContain("on the shared-process figures");
  });
});
