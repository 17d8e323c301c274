import { existsSync } from "node:fs";
import { connect } from "node:net";
import { dirname } from "node:path";
import {
  expectOffers,
  expectRefusals,
  expectRefusedExactly,
  freeLoopbackPort,
  indexedEntries,
  inMemory,
  inTemporaryDirectory,
  RealStores,
  rejection,
  useStore,
  withoutCapabilities,
} from "@kv/conformance";
import {
  BaseStore,
  BaseWrapper,
  type KeyValue,
  type ManagedEntry,
  type Operation,
} from "@kv/protocol";
import { describe, expect, it } from "vitest";

/** Entries in a Map, with `destroy` and `close` recorded per instance. */
class MapStore extends BaseStore {
  readonly entries = new Map<string, ManagedEntry>();
  readonly location: string;
  destroyed = false;
  closed = false;

  constructor(location = "") {
    super();
    this.location = location;
  }

  protected async getEntry(collection: string, key: string): Promise<ManagedEntry | undefined> {
    return this.entries.get(JSON.stringify([collection, key]));
  }

  protected async putEntry(collection: string, key: string, entry: ManagedEntry): Promise<void> {
    this.entries.set(JSON.stringify([collection, key]), entry);
  }

  protected async deleteEntry(collection: string, key: string): Promise<boolean> {
    return this.entries.delete(JSON.stringify([collection, key]));
  }

  async destroy(): Promise<boolean> {
    this.destroyed = true;
    return true;
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}

describe("rejection", () => {
  it("resolves with the error the promise rejects with", async () => {
    const error = new RangeError("no");
    expect(await rejection(Promise.reject(error))).toBe(error);
  });

  it("throws when the promise resolves", async () => {
    await expect(rejection(Promise.resolve(1))).rejects.toThrow("Expected the call to throw");
  });
});

describe("indexedEntries", () => {
  it("numbers the keys from 0 and gives each its index as value", () => {
    expect(indexedEntries("k", 3)).toEqual([
      ["k0", { index: 0 }],
      ["k1", { index: 1 }],
      ["k2", { index: 2 }],
    ]);
  });
});

describe("expectOffers", () => {
  it("passes when every named capability is offered as stated, and names the one that is not", () => {
    const store = withoutCapabilities(new MapStore(), "keys");
    expectOffers(store, { keys: false, destroy: true, close: true });
    expect(() => expectOffers(store, { destroy: true, keys: true })).toThrow(/keys/);
  });
});

/** Refuses the destroying operations with a RangeError before they reach the store. */
class NoDestroying extends BaseWrapper {
  protected override invoke<T>(
    operation: Operation,
    call: (store: KeyValue) => Promise<T>,
  ): Promise<T> {
    if (operation.startsWith("destroy")) {
      return Promise.reject(Object.assign(new RangeError(operation), { operation }));
    }
    return call(this.store);
  }
}

describe("expectRefusals", () => {
  const refusing = new NoDestroying(new MapStore());

  it("passes when every call is refused naming its operation", async () => {
    await expectRefusals(
      [
        ["destroy", async () => refusing.destroy?.()],
        ["destroy", async () => refusing.destroy?.(), "a row may carry more"],
      ],
      (error) => error instanceof RangeError,
    );
  });

  it("fails, naming the operation, when a call passes or names another operation", async () => {
    const isRefusal = (error: unknown) => error instanceof RangeError;
    await expect(expectRefusals([["put", () => refusing.put("k", {})]], isRefusal)).rejects.toThrow(
      /put/,
    );
    const misnamed = async () =>
      Promise.reject(Object.assign(new RangeError(), { operation: "x" }));
    await expect(expectRefusals([["get", misnamed]], isRefusal)).rejects.toThrow(/get/);
  });
});

describe("expectRefusedExactly", () => {
  const wrap = (inner: KeyValue) => new NoDestroying(inner);
  const isRefusal = (error: unknown) => error instanceof RangeError;
  /** A store that lists nothing (its listings are real async iterables). */
  const listing = () =>
    Object.assign(new MapStore(), {
      keys: async () => [],
      iterateKeys: async function* () {},
      collections: async () => [],
      iterateCollections: async function* () {},
    });

  it("passes when exactly the operations said are refused, before they reach the store", async () => {
    const destroying = (operation: Operation) => operation.startsWith("destroy");
    await expectRefusedExactly(wrap, listing, isRefusal, destroying);
  });

  it("fails when a refused operation was expected to pass, naming its method", async () => {
    const onlyDestroy = (operation: Operation) => operation === "destroy";
    await expect(expectRefusedExactly(wrap, listing, isRefusal, onlyDestroy)).rejects.toThrow(
      /destroyCollection/,
    );
  });
});

describe("freeLoopbackPort", () => {
  it("gives a port on which nothing listens", async () => {
    const port = await freeLoopbackPort();
    expect(port).toBeGreaterThan(0);
    const refused = await new Promise<unknown>((resolve) => {
      const socket = connect({ host: "127.0.0.1", port });
      socket.once("connect", () => {
        socket.destroy();
        resolve(undefined);
      });
      socket.once("error", resolve);
    });
    expect(refused).toMatchObject({ code: "ECONNREFUSED" });
  });
});

describe("inMemory and inTemporaryDirectory", () => {
  it("inMemory reopens the same store and leaves nothing to remove", async () => {
    const opened = await inMemory(() => new MapStore())();
    expect(opened.reopen()).toBe(opened.store);
    await opened.dispose();
  });

  it("inTemporaryDirectory reopens over the same directory and removes it on dispose", async () => {
    const opened = await inTemporaryDirectory((directory) => new MapStore(directory))();
    const { location } = opened.store as MapStore;
    expect(existsSync(location)).toBe(true);
    const reopened = opened.reopen() as MapStore;
    expect(reopened).not.toBe(opened.store);
    expect(reopened.location).toBe(location);
    await opened.dispose();
    expect(existsSync(location)).toBe(false);
  });
});

describe("useStore", () => {
  const opened: MapStore[] = [];
  const current = useStore(inMemory(() => new MapStore()));

  it("opens a fresh store before each test", async () => {
    opened.push(current().store as MapStore);
    await current().store.put("k", { n: 1 });
  });

  it("gives the next test another store", async () => {
    expect(current().store).not.toBe(opened[0]);
    expect(await current().store.get("k")).toBeUndefined();
  });
});

describe("RealStores", () => {
  it("opens stores in namespaces of this run and in temporary files, and disposes of them", async () => {
    const servers: MapStore[] = [];
    const real = new RealStores({
      name: "kv-helpers",
      inNamespace: (namespace) => {
        const store = new MapStore(namespace);
        servers.push(store);
        return store;
      },
      inFile: (path) => new MapStore(path),
    });
    const first = real.inNamespace("a");
    expect(first.location).toMatch(/^kv-helpers-[0-9a-f]{8}-a$/);
    expect(real.inNamespace("a").location).toBe(first.location);
    expect(real.inNamespace().location).toMatch(/-main$/);
    const files = [real.inFile(), real.inFile()].map(({ location }) => location);
    expect(files[0]).not.toBe(files[1]);
    const directory = dirname(files[0] ?? "");
    expect(existsSync(directory)).toBe(true);
    await real.dispose();
    const disposers = servers.slice(3);
    expect(disposers.map(({ location }) => location)).toEqual([
      first.location,
      servers[2]?.location,
    ]);
    expect(disposers.every(({ destroyed, closed }) => destroyed && closed)).toBe(true);
    expect(servers.slice(0, 3).some(({ destroyed }) => destroyed)).toBe(false);
    expect(existsSync(directory)).toBe(false);
  });
});
