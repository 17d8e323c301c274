import {
  batches,
  type CollectionEnumeration,
  type Entry,
  type KeyEnumeration,
  type KeyValue,
  StoreConfigurationError,
  supportsCollections,
  supportsKeys,
  type Value,
} from "@kv/protocol";

/** Options of `MirroringWrapper.repair()`. */
export interface RepairOptions {
  /** The collections to repair. @default every collection any child holds (needs collection enumeration) */
  collections?: readonly string[] | undefined;
  /** How many keys are read, compared and copied at a time. @default 100 */
  batchSize?: number | undefined;
}

/** What `repair()` did. */
export interface RepairResult {
  /** Collections repaired. */
  collections: number;
  /** Keys read from a child and looked up in the others. */
  checked: number;
  /** Entries written, in all. */
  copied: number;
  /** Entries written to each child, by its position. */
  copiedTo: number[];
}

/** Writes entries to one child: those without a TTL in one call, the others each with its own. */
async function write(
  child: KeyValue,
  collection: string,
  entries: readonly (readonly [key: string, value: Value, ttl: number | undefined])[],
): Promise<void> {
  const lasting: Entry[] = [];
  const expiring: Promise<void>[] = [];
  for (const [key, value, ttl] of entries) {
    if (ttl === undefined) lasting.push([key, value]);
    else expiring.push(child.put(key, value, { collection, ttl }));
  }
  if (lasting.length > 0) expiring.push(child.putMany(lasting, { collection }));
  await Promise.all(expiring);
}

/** The collection names of every child, each once. */
async function allCollections(children: readonly CollectionEnumeration[]): Promise<string[]> {
  const names = new Set<string>();
  for (const child of children)
    for await (const name of child.iterateCollections()) names.add(name);
  return [...names];
}

/**
 * Copies the entries some child holds into the children that lack them, one batch of one
 * child's keys at a time, so memory stays bounded by `batchSize` whatever the collection holds.
 * @throws StoreConfigurationError when a child cannot enumerate what is needed
 * @throws RangeError when `batchSize` is not a positive integer
 */
export async function repairChildren(
  children: readonly KeyValue[],
  options: RepairOptions,
): Promise<RepairResult> {
  const { batchSize = 100 } = options;
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new RangeError(`batchSize must be a positive integer, got ${String(batchSize)}`);
  }
  if (!children.every(supportsKeys)) {
    throw new StoreConfigurationError({ message: "repair() needs every child to enumerate keys" });
  }
  const sources = children as readonly (KeyValue & KeyEnumeration)[];
  let collections = options.collections;
  if (collections === undefined) {
    if (!children.every(supportsCollections)) {
      const message = "repair() without collections needs every child to enumerate collections";
      throw new StoreConfigurationError({ message });
    }
    collections = await allCollections(children as readonly CollectionEnumeration[]);
  }
  const result: RepairResult = {
    collections: collections.length,
    checked: 0,
    copied: 0,
    copiedTo: children.map(() => 0),
  };
  for (const collection of collections) {
    for (const [from, source] of sources.entries()) {
      for await (const keys of batches(source.iterateKeys({ collection }), batchSize)) {
        result.checked += keys.length;
        const entries = await source.ttlMany(keys, { collection });
        await Promise.all(
          children.map(async (target, to) => {
            if (to === from) return;
            const present = await target.getMany(keys, { collection });
            const missing = keys.flatMap((key, at) => {
              const [value, ttl] = entries[at] ?? [];
              // An entry that expired since it was listed is not copied.
              const live = value !== undefined && (ttl === undefined || ttl > 0);
              return present[at] === undefined && live ? [[key, value, ttl] as const] : [];
            });
            await write(target, collection, missing);
            result.copiedTo[to] = (result.copiedTo[to] ?? 0) + missing.length;
          }),
        );
      }
    }
  }
  result.copied = result.copiedTo.reduce((sum, count) => sum + count, 0);
  return result;
}
