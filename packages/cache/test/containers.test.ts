import {
  ContainerAlreadyConfiguredError,
  createCaches,
  NotFoundError,
  UnknownContainerError,
} from "@kv/cache";
import { MemoryStore } from "@kv/memory";
import { StoreConfigurationError } from "@kv/protocol";
import { describe, expect, it } from "vitest";
import { deferred } from "./fixtures/control.ts";
import { useTestBackends } from "./fixtures/use-backends.ts";

const backends = await useTestBackends();

/** score.kvcache's greeting example, counting the generator's calls. */
function greetings() {
  const generated: string[] = [];
  const variable = new MemoryStore();
  const caches = createCaches({
    backends: { variable },
    containers: {
      greeting: {
        backend: "variable",
        expire: "1m",
        generator: (name) => {
          generated.push(name);
          return `Hello ${name}!`;
        },
      },
    },
  });
  return { caches, variable, generated };
}

describe("containers", () => {
  it("generate a missing value once and keep it for the container's expiry", async () => {
    const { caches, variable, generated } = greetings();
    const greeting = caches.container<string>("greeting");
    expect(await greeting.get("Peter")).toBe("Hello Peter!");
    expect(await greeting.get("Peter")).toBe("Hello Peter!");
    expect(await greeting.get("William")).toBe("Hello William!");
    expect(generated).toEqual(["Peter", "William"]);

    const [stored, ttl] = await variable.ttl("Peter", { collection: "greeting" });
    expect(stored).toEqual({ "@kv/cache": { value: "Hello Peter!" } });
    expect(ttl).toBeGreaterThan(59);
    expect(ttl).toBeLessThanOrEqual(60);
  });

  it("accept expiries written for people", async () => {
    const variable = new MemoryStore();
    const caches = createCaches({ backends: { variable } });
    const counter = caches.createContainer("counter", { expire: "30 seconds", generator: () => 1 });
    await counter.get("visits");
    const [, ttl] = await variable.ttl("visits", { collection: "counter" });
    expect(ttl).toBeGreaterThan(29);
    expect(ttl).toBeLessThanOrEqual(30);
  });

  it("set stores a value whatever the container holds; delete invalidates it", async () => {
    const { caches, generated } = greetings();
    const greeting = caches.container<string>("greeting");
    await greeting.get("Peter");
    await greeting.set("Peter", "Good morning, Peter");
    expect(await greeting.get("Peter")).toBe("Good morning, Peter");
    expect(await greeting.delete("Peter")).toBe(true);
    expect(await greeting.get("Peter")).toBe("Hello Peter!");
    expect(generated).toEqual(["Peter", "Peter"]);
  });

  it("without a generator, throw NotFoundError for a key they do not hold", async () => {
    const caches = createCaches({ backends: { variable: new MemoryStore() } });
    const plain = caches.createContainer<number>("plain");
    const error = await plain.get("missing").catch((e: unknown) => e);
    expect(NotFoundError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ key: "missing", collection: "plain" });
    await plain.set("present", 42);
    expect(await plain.get("present")).toBe(42);
  });

  it("take a generator registered later, and registerGenerator replaces it", async () => {
    const caches = createCaches({ backends: { variable: new MemoryStore() } });
    const squares = caches.createContainer<number>("squares");
    caches.registerGenerator<number>("squares", (key) => Number(key) ** 2);
    expect(await squares.get("3")).toBe(9);
    caches.registerGenerator<number>("squares", () => -1);
    expect(await squares.get("3")).toBe(9);
    expect(await squares.get("4")).toBe(-1);
  });

  it("give the generator's error to every caller waiting for it", async () => {
    const caches = createCaches({ backends: { variable: new MemoryStore() } });
    const failure = new Error("no upstream");
    const gate = deferred<void>();
    const flaky = caches.createContainer("flaky", {
      generator: async () => {
        await gate.promise;
        throw failure;
      },
    });
    const calls = [flaky.get("k"), flaky.get("k")].map((call) => call.catch((e) => e));
    gate.resolve();
    expect(await Promise.all(calls)).toEqual([failure, failure]);
    expect(flaky.cache.statistics().factoryRuns).toBe(1);
  });
});

describe("createContainer", () => {
  it("throws ContainerAlreadyConfiguredError for a name in use, unless existOk", () => {
    const { caches } = greetings();
    const error = (() => {
      try {
        caches.createContainer("greeting");
      } catch (e) {
        return e;
      }
    })();
    expect(ContainerAlreadyConfiguredError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ container: "greeting" });
    expect(caches.createContainer("greeting", { existOk: true })).toBe(
      caches.container("greeting"),
    );
    expect(caches.names()).toEqual(["greeting"]);
  });

  it("uses the only backend when none is named, and refuses an ambiguous or unknown one", () => {
    const two = createCaches({ backends: { a: new MemoryStore(), b: new MemoryStore() } });
    expect(() => two.createContainer("x")).toThrow(StoreConfigurationError);
    expect(() => two.createContainer("x", { backend: "c" })).toThrow(
      /"c", which is not configured/,
    );
    expect(two.createContainer("x", { backend: "b" }).name).toBe("x");
    expect(() => createCaches({ backends: {}, containers: { y: { backend: "missing" } } })).toThrow(
      StoreConfigurationError,
    );
  });

  it("accepts a store as the backend", async () => {
    const store = new MemoryStore();
    const caches = createCaches({ backends: {} });
    await caches.createContainer("direct", { backend: store }).set("k", { v: 1 });
    expect(await store.get("k", { collection: "direct" })).toEqual({ v: 1 });
  });
});

describe("unknown containers", () => {
  it("container() and registerGenerator() throw UnknownContainerError", () => {
    const { caches } = greetings();
    expect(() => caches.container("nope")).toThrow(UnknownContainerError);
    expect(() => caches.registerGenerator("nope", () => 1)).toThrow(/No container is named "nope"/);
  });
});

describe("containers on Redis", () => {
  it("share values and the lease between configurations in different processes", async () => {
    const location = backends.fresh("redis");
    let runs = 0;
    const configure = () =>
      createCaches({
        backends: { redis: backends.open(location) },
        containers: {
          report: {
            expire: "5m",
            generator: async (day) => {
              runs += 1;
              await new Promise((resolve) => setTimeout(resolve, 200));
              return { day, rows: 3 };
            },
          },
        },
      });
    const [first, second] = [configure(), configure()];
    const reports = await Promise.all(
      [first, second, first, second].map((caches) => caches.container("report").get("2026-12-01")),
    );
    expect(reports).toEqual(Array.from({ length: 4 }, () => ({ day: "2026-12-01", rows: 3 })));
    expect(runs).toBe(1);
  });
});
