import { indexedEntries, withoutCapabilities } from "@kv/conformance";
import { MemoryStore } from "@kv/memory";
import { OpenTelemetryWrapper, type OpenTelemetryWrapperOptions } from "@kv/opentelemetry";
import {
  BaseStore,
  BaseWrapper,
  type Capability,
  capabilityNames,
  type ErrorContext,
  InvalidKeyError,
  type KeyValue,
  type KeyValueError,
  type ManagedEntry,
  messageOf,
  StoreConnectionError,
  supports,
} from "@kv/protocol";
import { context, SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { inMemoryTelemetry, type Telemetry } from "./telemetry.ts";

let telemetry: Telemetry;
beforeEach(() => {
  telemetry = inMemoryTelemetry();
});
afterEach(async () => {
  await telemetry.shutdown();
  trace.disable();
  context.disable();
});

function wrap(store: KeyValue, options: OpenTelemetryWrapperOptions = {}): OpenTelemetryWrapper {
  return new OpenTelemetryWrapper(store, {
    tracerProvider: telemetry.tracerProvider,
    meterProvider: telemetry.meterProvider,
    ...options,
  });
}

/** A store whose backend is unreachable on every read. */
class UnreachableStore extends BaseStore {
  protected async getEntry(): Promise<ManagedEntry | undefined> {
    throw new Error("connect ECONNREFUSED 127.0.0.1:6379");
  }
  protected override mapError(error: unknown, where: ErrorContext): KeyValueError {
    return new StoreConnectionError({ ...where, message: messageOf(error), cause: error });
  }
  protected async putEntry(): Promise<void> {}
  protected async deleteEntry(): Promise<boolean> {
    return false;
  }
}

/** A memory store without any optional capability but those named, to be given afterwards. */
function plainStore(...kept: Capability[]): KeyValue {
  const hidden = capabilityNames.filter((capability) => !kept.includes(capability));
  return withoutCapabilities(new MemoryStore(), ...hidden);
}

class PassThroughWrapper extends BaseWrapper {}

describe("spans", () => {
  it("emits one CLIENT span per call, named '<operation> <collection>', with the database attributes", async () => {
    const store = wrap(new MemoryStore());

    await store.put("u1", { name: "Ada" }, { collection: "users" });
    expect(await store.get("u1", { collection: "users" })).toEqual({ name: "Ada" });

    const spans = telemetry.spans();
    expect(spans.map(({ name }) => name)).toEqual(["put users", "get users"]);
    for (const span of spans) {
      expect(span.kind).toBe(SpanKind.CLIENT);
      expect(span.instrumentationScope.name).toBe("@kv/opentelemetry");
      expect(span.status.code).toBe(SpanStatusCode.UNSET);
    }
    expect(spans[1]?.attributes).toEqual({
      "db.system.name": "memory",
      "db.operation.name": "get",
      "db.collection.name": "users",
    });
  });

  it("names the store's default collection when a call names none", async () => {
    const store = wrap(new MemoryStore({ defaultCollection: "sessions" }));

    await store.delete("s1");

    expect(telemetry.spans()[0]?.name).toBe("delete sessions");
    expect(telemetry.spans()[0]?.attributes["db.collection.name"]).toBe("sessions");
  });

  it("takes db.system.name from the innermost store through other wrappers, or from the option", async () => {
    const through = wrap(new PassThroughWrapper(new PassThroughWrapper(new MemoryStore())));
    const named = wrap(new MemoryStore(), { systemName: "redis" });

    await through.get("k");
    await named.get("k");

    const systems = telemetry.spans().map(({ attributes }) => attributes["db.system.name"]);
    expect(systems).toEqual(["memory", "redis"]);
  });

  it("sets db.operation.batch.size on bulk calls of two or more keys, and 0 on empty ones", async () => {
    const store = wrap(new MemoryStore());

    await store.putMany(indexedEntries("k", 3));
    await store.getMany(["k0", "k1"]);
    await store.ttlMany(["k0"]);
    await store.deleteMany([]);

    const sizes = telemetry
      .spans()
      .map(({ attributes }) => [
        attributes["db.operation.name"],
        attributes["db.operation.batch.size"],
      ]);
    expect(sizes).toEqual([
      ["putMany", 3],
      ["getMany", 2],
      ["ttlMany", undefined],
      ["deleteMany", 0],
    ]);
  });

  it("is a child of the active span, and the active span inside the call", async () => {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    const tracer = telemetry.tracerProvider.getTracer("application");
    const observed = new PassThroughWrapper(new MemoryStore());
    const inner = wrap(observed);
    const outer = wrap(new PassThroughWrapper(inner), { systemName: "outer" });

    await tracer.startActiveSpan("handle request", async (request) => {
      await outer.get("k", { collection: "c" });
      request.end();
    });

    const spans = telemetry.spans();
    const request = spans.find(({ name }) => name === "handle request");
    const [innerSpan, outerSpan] = spans.filter(({ name }) => name === "get c");
    expect(outerSpan?.parentSpanContext?.spanId).toBe(request?.spanContext().spanId);
    expect(innerSpan?.parentSpanContext?.spanId).toBe(outerSpan?.spanContext().spanId);
    expect(innerSpan?.spanContext().traceId).toBe(request?.spanContext().traceId);
  });

  it("starts a new trace when no span is active", async () => {
    const store = wrap(new MemoryStore());

    await store.get("k");

    expect(telemetry.spans()[0]?.parentSpanContext).toBeUndefined();
  });
});

describe("failures", () => {
  it("marks the span as an error with error.type and the exception, and passes the error on", async () => {
    const store = wrap(new UnreachableStore());

    const failure = await store.get("k", { collection: "c" }).catch((error: unknown) => error);

    expect(StoreConnectionError.isInstance(failure)).toBe(true);
    const span = telemetry.spans()[0];
    expect(span?.status.code).toBe(SpanStatusCode.ERROR);
    expect(span?.status.message).toContain("ECONNREFUSED");
    expect(span?.attributes["error.type"]).toBe("StoreConnectionError");
    const exception = span?.events.find(({ name }) => name === "exception");
    expect(exception?.attributes?.["exception.type"]).toBe("StoreConnectionError");
    expect(exception?.attributes?.["exception.message"]).toContain("ECONNREFUSED");
    expect(exception?.attributes?.["exception.stacktrace"]).toContain("StoreConnectionError");
  });

  it("reports bad input refused by the store as the protocol's error type", async () => {
    const store = wrap(new MemoryStore());

    await expect(store.put("", { n: 1 })).rejects.toBeInstanceOf(InvalidKeyError);

    expect(telemetry.spans()[0]?.attributes["error.type"]).toBe("InvalidKeyError");
  });

  it("reports a thrown non-error as error.type _OTHER", async () => {
    const store = wrap(
      new (class extends MemoryStore {
        override get(): Promise<undefined> {
          return Promise.reject("not an error");
        }
      })(),
    );

    await expect(store.get("k")).rejects.toBe("not an error");

    expect(telemetry.spans()[0]?.attributes["error.type"]).toBe("_OTHER");
  });
});

describe("keys and values", () => {
  it("records neither keys nor values by default, not even in error messages", async () => {
    const store = wrap(new UnreachableStore());

    await store.put("alice@example.com", { card: "4111 1111" });
    await store.get("alice@example.com").catch(() => undefined);
    await store.getMany(["alice@example.com", "bob@example.com"]).catch(() => undefined);

    const recorded = JSON.stringify(
      telemetry.spans().map(({ attributes, events, status }) => ({ attributes, events, status })),
    );
    expect(recorded).not.toContain("example.com");
    expect(recorded).not.toContain("4111");
    expect(recorded).toContain("key: [not recorded]");
  });

  it("records the key and the keys of bulk calls with recordKeys, but never values", async () => {
    const store = wrap(new MemoryStore(), { recordKeys: true });

    await store.put("alice", { card: "4111" });
    await store.putMany([
      ["bob", { card: "5500" }],
      ["carol", { card: "3400" }],
    ]);
    await store.getMany(["alice", "bob"]);

    const spans = telemetry.spans();
    expect(spans[0]?.attributes["kv.key"]).toBe("alice");
    expect(spans[1]?.attributes["kv.keys"]).toEqual(["bob", "carol"]);
    expect(spans[2]?.attributes["kv.keys"]).toEqual(["alice", "bob"]);
    expect(JSON.stringify(spans.map(({ attributes }) => attributes))).not.toMatch(/4111|5500|3400/);
  });

  it("keeps the key in the recorded error message with recordKeys", async () => {
    const store = wrap(new UnreachableStore(), { recordKeys: true });

    await store.get("alice").catch(() => undefined);

    expect(telemetry.spans()[0]?.status.message).toContain("key: alice");
  });
});

describe("the duration histogram", () => {
  it("records db.client.operation.duration in seconds with the recommended buckets", async () => {
    const store = wrap(new MemoryStore());

    await store.put("k", { n: 1 }, { collection: "c" });
    await store.get("k", { collection: "c" });
    await store.get("j", { collection: "c" });

    const histogram = await telemetry.durations();
    expect(histogram?.name).toBe("db.client.operation.duration");
    expect(histogram?.unit).toBe("s");
    const gets = histogram?.points.find(
      ({ attributes }) => attributes["db.operation.name"] === "get",
    );
    expect(gets?.attributes).toEqual({
      "db.system.name": "memory",
      "db.operation.name": "get",
      "db.collection.name": "c",
    });
    expect(gets?.count).toBe(2);
    expect(gets?.sum).toBeGreaterThan(0);
    expect(gets?.sum).toBeLessThan(10);
    expect(gets?.boundaries).toEqual([0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10]);
  });

  it("adds error.type to failed calls and leaves keys and batch sizes off the measurements", async () => {
    const store = wrap(new UnreachableStore(), { recordKeys: true });

    await store.get("k").catch(() => undefined);
    await store.putMany([
      ["a", { n: 1 }],
      ["b", { n: 2 }],
    ]);

    const points = (await telemetry.durations())?.points ?? [];
    expect(points.map(({ attributes }) => attributes)).toEqual([
      {
        "db.system.name": "unreachable",
        "db.operation.name": "get",
        "db.collection.name": "default_collection",
        "error.type": "StoreConnectionError",
      },
      {
        "db.system.name": "unreachable",
        "db.operation.name": "putMany",
        "db.collection.name": "default_collection",
      },
    ]);
  });
});

describe("capabilities", () => {
  it("offers exactly the capabilities of the inner store, atomic ones included", () => {
    const memory = new MemoryStore();
    const plain = plainStore();
    for (const capability of capabilityNames) {
      expect(supports(wrap(memory), capability), capability).toBe(supports(memory, capability));
      expect(supports(wrap(plain), capability), capability).toBe(false);
    }
    expect(supports(wrap(memory), "increment")).toBe(true);
    expect(supports(wrap(memory), "versions")).toBe(true);
  });

  it("gives every forwarded capability call its span", async () => {
    const store = wrap(new MemoryStore(), { recordKeys: true });

    expect(await store.putIfAbsent?.("lock", { owner: "a" }, { ttl: 5, collection: "c" })).toBe(
      true,
    );
    const versioned = await store.getVersioned?.("lock", { collection: "c" });
    expect(
      await store.putIfVersion?.("lock", { owner: "b" }, versioned?.version ?? "", {
        collection: "c",
      }),
    ).toBe(true);
    expect(await store.increment?.("hits", { by: 2, collection: "c" })).toBe(2);
    expect(await store.touch?.("hits", { ttl: 60, collection: "c" })).toBe(true);
    const current = await store.getVersioned?.("lock", { collection: "c" });
    expect(await store.deleteIfVersion?.("lock", current?.version ?? "", { collection: "c" })).toBe(
      true,
    );
    const entries = (await store.readEntries?.(["hits", "none"], { collection: "c" })) ?? [];
    await store.writeEntries?.([["copy", entries[0] as ManagedEntry]], { collection: "d" });
    expect(await store.keys?.({ collection: "c" })).toEqual(["hits"]);
    expect((await store.collections?.())?.sort()).toEqual(["c", "d"]);
    await store.cull?.();
    expect(await store.destroyCollection?.("d")).toBe(true);
    expect(await store.destroy?.()).toBe(true);

    const spans = telemetry
      .spans()
      .map(({ name, attributes }) => [
        name,
        attributes["db.operation.name"],
        attributes["kv.key"] ?? attributes["kv.keys"],
        attributes["db.operation.batch.size"],
      ]);
    expect(spans).toEqual([
      ["putIfAbsent c", "putIfAbsent", "lock", undefined],
      ["getVersioned c", "getVersioned", "lock", undefined],
      ["putIfVersion c", "putIfVersion", "lock", undefined],
      ["increment c", "increment", "hits", undefined],
      ["touch c", "touch", "hits", undefined],
      ["getVersioned c", "getVersioned", "lock", undefined],
      ["deleteIfVersion c", "deleteIfVersion", "lock", undefined],
      ["readEntries c", "readEntries", ["hits", "none"], 2],
      ["writeEntries d", "writeEntries", ["copy"], undefined],
      ["keys c", "keys", undefined, undefined],
      ["collections", "collections", undefined, undefined],
      ["cull", "cull", undefined, undefined],
      ["destroyCollection d", "destroyCollection", undefined, undefined],
      ["destroy", "destroy", undefined, undefined],
    ]);
  });

  it("gives a stream one span from its first item to its end, or to where the reader left it", async () => {
    const store = wrap(new MemoryStore());
    await store.putMany([
      ["a", { n: 1 }],
      ["b", { n: 2 }],
    ]);

    const all: unknown[] = [];
    for await (const key of store.iterateKeys?.() ?? []) all.push(key);
    for await (const _ of store.iterateCollections?.() ?? []) break;

    expect(all.sort()).toEqual(["a", "b"]);
    const streams = telemetry.spans().slice(1);
    expect(streams.map(({ name, status }) => [name, status.code])).toEqual([
      ["iterateKeys default_collection", SpanStatusCode.UNSET],
      ["iterateCollections", SpanStatusCode.UNSET],
    ]);
  });

  it("traces close, also through Symbol.asyncDispose", async () => {
    const closable = Object.assign(plainStore("close"), {
      closed: 0,
      async close() {
        closable.closed += 1;
      },
    });
    {
      await using store = wrap(closable);
      await store.get("k");
    }

    expect(closable.closed).toBe(1);
    expect(telemetry.spans().map(({ name }) => name)).toEqual(["get default_collection", "close"]);
  });
});

describe("without an SDK", () => {
  it("sends calls straight to the store, and traces once a tracer provider is registered", async () => {
    const store = new OpenTelemetryWrapper(new MemoryStore());

    await store.put("k", { n: 1 });
    expect(await store.get("k")).toEqual({ n: 1 });
    expect(telemetry.spans()).toEqual([]);

    trace.setGlobalTracerProvider(telemetry.tracerProvider);
    await store.get("k");

    expect(telemetry.spans().map(({ name }) => name)).toEqual(["get default_collection"]);
  });
});
