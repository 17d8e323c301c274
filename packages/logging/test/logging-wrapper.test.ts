import { Console } from "node:console";
import { Writable } from "node:stream";
import {
  type Logger,
  LoggingWrapper,
  type LoggingWrapperOptions,
  type LogLevel,
  type LogRecord,
} from "@kv/logging";
import { MemoryStore } from "@kv/memory";
import {
  BaseWrapper,
  capabilityNames,
  InvalidKeyError,
  type KeyValue,
  StoreClosedError,
  StoreConnectionError,
  supports,
} from "@kv/protocol";
import pino from "pino";
import { describe, expect, it } from "vitest";
import winston from "winston";

type Logged = { level: Exclude<LogLevel, "silent">; record: LogRecord };

/** A console-like logger that keeps what it is given. */
function recorder(enabled?: (level: string) => boolean) {
  const logged: Logged[] = [];
  const at = (level: Logged["level"]) => (record: LogRecord) => logged.push({ level, record });
  const logger: Logger = {
    debug: at("debug"),
    info: at("info"),
    warn: at("warn"),
    error: at("error"),
  };
  if (enabled !== undefined) logger.isLevelEnabled = enabled;
  return { logger, logged, records: () => logged.map(({ record }) => record) };
}

function setup(
  options: Omit<LoggingWrapperOptions, "logger"> = {},
  inner: KeyValue = new MemoryStore(),
) {
  const log = recorder();
  return { ...log, store: new LoggingWrapper(inner, { logger: log.logger, ...options }) };
}

/** Fails every call with the error `fail` makes. */
class FailingStore extends BaseWrapper {
  private readonly fail: () => unknown;
  constructor(fail: () => unknown) {
    super(new MemoryStore());
    this.fail = fail;
  }
  protected override invoke<T>(): Promise<T> {
    return Promise.reject(this.fail());
  }
}

/** Answers every call after `ms` milliseconds. */
class SlowStore extends BaseWrapper {
  protected override async invoke<T>(
    _: unknown,
    call: (store: KeyValue) => Promise<T>,
  ): Promise<T> {
    await new Promise((resolve) => setTimeout(resolve, 30));
    return call(this.store);
  }
}

/** A store with no optional capability: MemoryStore's eight `KeyValue` methods alone. */
function bareStore(): KeyValue {
  const memory = new MemoryStore();
  const names = [
    "get",
    "getMany",
    "ttl",
    "ttlMany",
    "put",
    "putMany",
    "delete",
    "deleteMany",
  ] as const;
  return Object.fromEntries(
    names.map((name) => [name, memory[name].bind(memory)]),
  ) as unknown as KeyValue;
}

/** A MemoryStore that can also be closed. */
class ClosableStore extends BaseWrapper {
  closed = 0;
  constructor() {
    super(new MemoryStore());
    this.close = async () => {
      this.closed++;
    };
  }
}

/** An in-memory destination that keeps each line written to it. */
function lines() {
  const written: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      written.push(...chunk.toString("utf8").split("\n").filter(Boolean));
      done();
    },
  });
  return {
    stream,
    written,
    json: () => written.map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}

describe("LoggingWrapper", () => {
  it("logs one record per call: message, operation, collection, key, duration and outcome", async () => {
    const { store, records } = setup();
    await store.put("u1", { name: "Ada" }, { collection: "users", ttl: 60 });
    await store.get("u1", { collection: "users" });
    await store.get("missing");
    expect(records()).toEqual([
      {
        message: "kv put",
        operation: "put",
        collection: "users",
        key: "u1",
        ttl: 60,
        durationMs: expect.any(Number),
        outcome: "ok",
      },
      {
        message: "kv get",
        operation: "get",
        collection: "users",
        key: "u1",
        durationMs: expect.any(Number),
        outcome: "ok",
        hit: true,
      },
      {
        message: "kv get",
        operation: "get",
        collection: "default_collection",
        key: "missing",
        durationMs: expect.any(Number),
        outcome: "ok",
        hit: false,
      },
    ]);
  });

  it("logs successes at info by default", async () => {
    const { store, logged } = setup();
    await store.get("k");
    expect(logged.map(({ level }) => level)).toEqual(["info"]);
  });

  it("measures the duration of the call in milliseconds", async () => {
    const { store, records } = setup({}, new SlowStore(new MemoryStore()));
    await store.get("k");
    const [record] = records();
    expect(record?.durationMs).toBeGreaterThanOrEqual(25);
    expect(record?.durationMs).toBeLessThan(1000);
  });

  it("logs the key count, not the keys, of bulk calls, with hits and deletions", async () => {
    const { store, records } = setup();
    await store.putMany(
      [
        ["a", { n: 1 }],
        ["b", { n: 2 }],
      ],
      { collection: "c" },
    );
    await store.getMany(["a", "b", "x"], { collection: "c" });
    await store.ttlMany(["a", "x"], { collection: "c" });
    await store.deleteMany(["a", "x"], { collection: "c" });
    await store.delete("b", { collection: "c" });
    const shown = records().map(({ operation, keyCount, key, hits, deleted }) => ({
      operation,
      keyCount,
      key,
      hits,
      deleted,
    }));
    expect(shown).toEqual([
      { operation: "putMany", keyCount: 2, key: undefined, hits: undefined, deleted: undefined },
      { operation: "getMany", keyCount: 3, key: undefined, hits: 2, deleted: undefined },
      { operation: "ttlMany", keyCount: 2, key: undefined, hits: 1, deleted: undefined },
      { operation: "deleteMany", keyCount: 2, key: undefined, hits: undefined, deleted: 1 },
      { operation: "delete", keyCount: undefined, key: "b", hits: undefined, deleted: true },
    ]);
  });

  it("logs the remaining TTL found by ttl", async () => {
    const { store, records } = setup();
    await store.put("k", { v: 1 }, { ttl: 100 });
    await store.ttl("k");
    expect(records()[1]).toMatchObject({
      operation: "ttl",
      hit: true,
      ttl: expect.closeTo(100, 0),
    });
  });

  it("never logs values unless logValues is true", async () => {
    const { store, records } = setup();
    await store.put("k", { secret: "s3cr3t" });
    await store.putMany([["m", { secret: "s3cr3t" }]]);
    await store.get("k");
    await store.getMany(["k", "m"]);
    await store.ttl("k");
    await store.ttlMany(["k"]);
    expect(JSON.stringify(records())).not.toContain("s3cr3t");
  });

  it("logs values with logValues, and the keys beside a bulk call's values", async () => {
    const { store, records } = setup({ logValues: true });
    await store.put("k", { v: 1 });
    await store.get("k");
    await store.getMany(["k", "x"]);
    await store.putMany([["a", { v: 2 }]]);
    const [put, get, getMany, putMany] = records();
    expect(put?.value).toEqual({ v: 1 });
    expect(get?.value).toEqual({ v: 1 });
    expect([getMany?.keys, getMany?.values]).toEqual([
      ["k", "x"],
      [{ v: 1 }, undefined],
    ]);
    expect([putMany?.keys, putMany?.values]).toEqual([["a"], [{ v: 2 }]]);
  });

  it("leaves keys out with logKeys false, in error messages too, and still counts them", async () => {
    const closed = new MemoryStore();
    const { store, records } = setup(
      { logKeys: false, logValues: true },
      new FailingStore(
        () =>
          new InvalidKeyError({
            key: "ada@example.com",
            operation: "get",
            message: "Key ada@example.com refused",
          }),
      ),
    );
    await expect(store.get("ada@example.com")).rejects.toThrow(InvalidKeyError);
    const visible = setup({ logKeys: false, logValues: true }, closed);
    await visible.store.getMany(["ada@example.com", "bob@example.com"]);
    await visible.store.put("ada@example.com", { v: 1 });
    const all = [...records(), ...visible.records()];
    expect(JSON.stringify(all)).not.toContain("example.com");
    expect(records()[0]?.errorMessage).toContain("[key]");
    expect(visible.records()[0]).toMatchObject({ keyCount: 2, values: [undefined, undefined] });
    expect(visible.records()[0]?.keys).toBeUndefined();
  });

  it("logs a failure at error with the error's name, code, message and cause, and rethrows it unchanged", async () => {
    const error = new StoreClosedError({ operation: "get", cause: new Error("socket closed") });
    const { store, logged } = setup({}, new FailingStore(() => error));
    await expect(store.get("k", { collection: "c" })).rejects.toBe(error);
    expect(logged).toEqual([
      {
        level: "error",
        record: {
          message: "kv get failed",
          operation: "get",
          collection: "c",
          key: "k",
          durationMs: expect.any(Number),
          outcome: "error",
          errorName: "StoreClosedError",
          errorCode: StoreClosedError.prototype.code,
          errorMessage: error.message,
          errorCause: "socket closed",
          transient: false,
        },
      },
    ]);
  });

  it("logs a transient failure at warn", async () => {
    const cause = new Error("connect ECONNREFUSED 127.0.0.1:6379");
    const { store, logged } = setup(
      {},
      new FailingStore(() => new StoreConnectionError({ cause })),
    );
    await expect(store.put("k", { v: 1 })).rejects.toThrow(StoreConnectionError);
    expect(logged[0]?.level).toBe("warn");
    expect(logged[0]?.record).toMatchObject({
      errorName: "StoreConnectionError",
      transient: true,
      errorCause: cause.message,
    });
  });

  it("logs errors that are not KeyValueErrors by name and message", async () => {
    const { store, records } = setup(
      {},
      new FailingStore(() => Object.assign(new TypeError("boom"), { code: "E_BOOM" })),
    );
    await expect(store.delete("k")).rejects.toThrow("boom");
    expect(records()[0]).toMatchObject({
      errorName: "TypeError",
      errorCode: "E_BOOM",
      errorMessage: "boom",
      transient: false,
    });
  });

  it("logs bad input refused by the inner store as a failure", async () => {
    const { store, logged } = setup();
    await expect(store.get("")).rejects.toThrow(InvalidKeyError);
    expect(logged[0]).toMatchObject({
      level: "error",
      record: { errorName: "InvalidKeyError", outcome: "error" },
    });
  });

  it("takes a level per outcome, and logs nothing at silent", async () => {
    const failing = setup(
      { levels: { ok: "debug", transient: "error", error: "silent" } },
      new FailingStore(() => new StoreConnectionError()),
    );
    await expect(failing.store.get("k")).rejects.toThrow();
    const quiet = setup({ levels: { ok: "silent", error: "warn" } });
    await quiet.store.get("k");
    await expect(quiet.store.get("")).rejects.toThrow();
    const debug = setup({ levels: { ok: "debug" } });
    await debug.store.get("k");
    expect(failing.logged.map(({ level }) => level)).toEqual(["error"]);
    expect(quiet.logged.map(({ level }) => level)).toEqual(["warn"]);
    expect(debug.logged.map(({ level }) => level)).toEqual(["debug"]);
  });

  it("builds no record for a level the logger has disabled", async () => {
    const { logger, logged } = recorder((level) => level !== "info");
    const store = new LoggingWrapper(new MemoryStore(), { logger });
    await store.get("k");
    await expect(store.get("")).rejects.toThrow();
    expect(logged.map(({ level }) => level)).toEqual(["error"]);
  });

  it("logs capability calls with what they returned", async () => {
    const { store, records } = setup();
    await store.put("k", { v: 1 }, { collection: "c" });
    await store.keys?.({ collection: "c" });
    await store.collections?.();
    await store.destroyCollection?.("c");
    await store.cull?.();
    await store.destroy?.();
    const shown = records()
      .slice(1)
      .map(({ operation, collection, count, deleted }) => ({
        operation,
        collection,
        count,
        deleted,
      }));
    expect(shown).toEqual([
      { operation: "keys", collection: "c", count: 1, deleted: undefined },
      { operation: "collections", collection: undefined, count: 1, deleted: undefined },
      { operation: "destroyCollection", collection: "c", count: undefined, deleted: true },
      { operation: "cull", collection: undefined, count: undefined, deleted: undefined },
      { operation: "destroy", collection: undefined, count: undefined, deleted: false },
    ]);
  });

  it("logs close, and the default collection of keys() without options", async () => {
    const inner = new ClosableStore();
    const { store, records } = setup({}, inner);
    await store.keys?.();
    await store.close?.();
    expect(inner.closed).toBe(1);
    expect(records().map(({ operation, collection }) => [operation, collection])).toEqual([
      ["keys", "default_collection"],
      ["close", undefined],
    ]);
  });

  it("logs a stream once, when it ends or is left early, with how many names it gave", async () => {
    const { store, records } = setup();
    await store.putMany(
      [
        ["a", {}],
        ["b", {}],
        ["c", {}],
      ],
      { collection: "s" },
    );
    const all: string[] = [];
    for await (const key of store.iterateKeys?.({ collection: "s" }) ?? []) all.push(key);
    for await (const _ of store.iterateKeys?.({ collection: "s" }) ?? []) break;
    for await (const _ of store.iterateCollections?.() ?? []) {
      // drain
    }
    expect(all.sort()).toEqual(["a", "b", "c"]);
    expect(
      records()
        .slice(1)
        .map(({ operation, collection, count, stream }) => ({
          operation,
          collection,
          count,
          stream,
        })),
    ).toEqual([
      { operation: "keys", collection: "s", count: 3, stream: true },
      { operation: "keys", collection: "s", count: 1, stream: true },
      { operation: "collections", collection: undefined, count: 1, stream: true },
    ]);
  });

  it("logs a stream that fails", async () => {
    const { store, records } = setup();
    await expect(async () => {
      for await (const _ of store.iterateKeys?.({ collection: "" }) ?? []) {
        // never reached
      }
    }).rejects.toThrow(InvalidKeyError);
    expect(records()).toMatchObject([
      { operation: "keys", outcome: "error", errorName: "InvalidKeyError" },
    ]);
  });

  it("keeps whole-entry access of the inner store, logged with key counts and hits", async () => {
    const { store, records } = setup();
    expect(supports(store, "entries")).toBe(true);
    const entry = { value: { v: 1 }, createdAt: Date.now() - 1000, expiresAt: undefined };
    await store.writeEntries?.([["a", entry]], { collection: "c" });
    const read = await store.readEntries?.(["a", "x"], { collection: "c" });
    expect(read).toEqual([entry, undefined]);
    expect(
      records().map(({ operation, collection, keyCount, hits }) => ({
        operation,
        collection,
        keyCount,
        hits,
      })),
    ).toEqual([
      { operation: "writeEntries", collection: "c", keyCount: 1, hits: undefined },
      { operation: "readEntries", collection: "c", keyCount: 2, hits: 1 },
    ]);
  });

  it("has exactly the capabilities of the inner store", () => {
    const memory = new LoggingWrapper(new MemoryStore(), { logger: recorder().logger });
    const offered = (store: KeyValue) => capabilityNames.filter((c) => supports(store, c));
    expect(offered(memory)).toEqual(capabilityNames.filter((c) => c !== "close"));
    const bare = new LoggingWrapper(bareStore(), { logger: recorder().logger });
    expect(offered(bare)).toEqual([]);
    expect(
      supports(new LoggingWrapper(new ClosableStore(), { logger: recorder().logger }), "close"),
    ).toBe(true);
  });

  it("never fails a call because the logger throws", async () => {
    const fail = () => {
      throw new Error("logger down");
    };
    const store = new LoggingWrapper(new MemoryStore(), {
      logger: { debug: fail, info: fail, warn: fail, error: fail },
    });
    await store.put("k", { v: 1 });
    expect(await store.get("k")).toEqual({ v: 1 });
    await expect(store.get("")).rejects.toThrow(InvalidKeyError);
  });

  it("writes structured JSON through a pino logger as it is, with messageKey msg as pino's message", async () => {
    const out = lines();
    const logger = pino({ level: "debug" }, out.stream);
    const store = new LoggingWrapper(new MemoryStore(), { logger, messageKey: "msg" });
    await store.put("k", { v: 1 }, { collection: "c" });
    await expect(
      new LoggingWrapper(
        new FailingStore(() => new StoreConnectionError({ cause: new Error("refused") })),
        { logger, messageKey: "msg" },
      ).get("k"),
    ).rejects.toThrow();
    await new Promise((resolve) => setImmediate(resolve));
    expect(out.json()).toMatchObject([
      { level: 30, msg: "kv put", operation: "put", collection: "c", key: "k", outcome: "ok" },
      {
        level: 40,
        msg: "kv get failed",
        operation: "get",
        errorName: "StoreConnectionError",
        errorCause: "refused",
        transient: true,
      },
    ]);
  });

  it("asks pino whether a level is enabled", async () => {
    const out = lines();
    const store = new LoggingWrapper(new MemoryStore(), {
      logger: pino({ level: "warn" }, out.stream),
    });
    await store.get("k");
    await expect(store.get("")).rejects.toThrow();
    await new Promise((resolve) => setImmediate(resolve));
    expect(out.json()).toMatchObject([{ level: 50, message: "kv get failed" }]);
  });

  it("writes structured JSON through a winston logger as it is", async () => {
    const out = lines();
    const logger = winston.createLogger({
      level: "debug",
      format: winston.format.json(),
      transports: [new winston.transports.Stream({ stream: out.stream })],
    });
    const store = new LoggingWrapper(new MemoryStore(), { logger, levels: { ok: "debug" } });
    await store.put("k", { v: 1 }, { collection: "c" });
    await expect(store.get("")).rejects.toThrow();
    await new Promise((resolve) => setImmediate(resolve));
    expect(out.json()).toMatchObject([
      {
        level: "debug",
        message: "kv put",
        operation: "put",
        collection: "c",
        key: "k",
        outcome: "ok",
      },
      {
        level: "error",
        message: "kv get failed",
        operation: "get",
        errorName: "InvalidKeyError",
        transient: false,
      },
    ]);
  });

  it("prints through a console as it is", async () => {
    const stdout = lines();
    const stderr = lines();
    const logger = new Console({ stdout: stdout.stream, stderr: stderr.stream });
    const store = new LoggingWrapper(new MemoryStore(), { logger });
    await store.put("k", { v: 1 });
    await expect(store.get("")).rejects.toThrow();
    expect(stdout.written.join("\n")).toMatch(/message: 'kv put'.*operation: 'put'/s);
    expect(stderr.written.join("\n")).toMatch(
      /message: 'kv get failed'.*errorName: 'InvalidKeyError'/s,
    );
  });

  it("checks its options when it is made", () => {
    const memory = new MemoryStore();
    const logger = recorder().logger;
    expect(
      () => new LoggingWrapper(memory, { logger, levels: { ok: "trace" as LogLevel } }),
    ).toThrow(RangeError);
    expect(
      () => new LoggingWrapper(memory, { logger: { info() {} } as unknown as Logger }),
    ).toThrow(/no warn\(\) method/);
    expect(
      () =>
        new LoggingWrapper(memory, {
          logger: { info() {} } as unknown as Logger,
          levels: { transient: "silent", error: "silent" },
        }),
    ).not.toThrow();
    expect(
      () => new LoggingWrapper(memory, { logger, logValues: "yes" as unknown as boolean }),
    ).toThrow(TypeError);
    expect(() => new LoggingWrapper(memory, { logger, messageKey: "" })).toThrow(TypeError);
  });

  it("uses console when given no logger", () => {
    expect(() => new LoggingWrapper(new MemoryStore())).not.toThrow();
  });
});
