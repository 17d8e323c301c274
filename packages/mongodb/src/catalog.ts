import type { Collection, Db } from "mongodb";
import { isIndexConflict, isNamespaceNotFound } from "./errors.ts";
import { hasLayoutIndexes, hasUniqueKeyIndex, INDEXES, liveAt } from "./layout.ts";
import { fromMongoName, isHashedName, toMongoName } from "./names.ts";

/** Documents (or collection names) per cursor batch when enumerating. */
export const PAGE_SIZE = 1000;

/** Names in the database that `toMongoName` can have made. */
async function* candidateNames(db: Db, maxNameBytes: number): AsyncIterable<string> {
  const listing = db.listCollections({}, { nameOnly: true, batchSize: PAGE_SIZE });
  for await (const { name, type } of listing) {
    if (type !== undefined && type !== "collection") continue;
    if (isHashedName(name) || fromMongoName(name, maxNameBytes) !== undefined) yield name;
  }
}

/** The collections of the database with this layout's names and indexes. */
export async function* layoutCollections(db: Db, maxNameBytes: number): AsyncIterable<Collection> {
  for await (const name of candidateNames(db, maxNameBytes)) {
    const handle = db.collection(name);
    const indexes = await handle.listIndexes().toArray();
    if (hasLayoutIndexes(indexes)) yield handle;
  }
}

/**
 * The collections (by their own names) whose MongoDB collection holds a live entry of this
 * layout: one `findOne` per candidate name.
 */
export async function* liveCollections(
  db: Db,
  maxNameBytes: number,
  now: () => number,
): AsyncIterable<string> {
  for await (const name of candidateNames(db, maxNameBytes)) {
    const collection = fromMongoName(name, maxNameBytes);
    const filter = {
      ...liveAt(now()),
      key: { $type: "string" },
      collection: collection ?? { $type: "string" },
    };
    const document = await db
      .collection(name)
      .findOne(filter, { projection: { _id: 0, collection: 1 } });
    const found: unknown = document?.collection;
    if (typeof found === "string" && toMongoName(found, maxNameBytes) === name) yield found;
  }
}

/**
 * Creates the layout's indexes. A collection py-key-value made has a non-unique `key_1`: it is
 * kept, and the indexes that are missing are added.
 * @returns whether `key` has a unique index, which creating an entry atomically needs
 */
export async function createLayoutIndexes(handle: Collection): Promise<boolean> {
  try {
    await handle.createIndexes(INDEXES);
    return true;
  } catch (error) {
    if (!isIndexConflict(error)) throw error;
  }
  for (const index of INDEXES) {
    await handle.createIndexes([index]).catch((conflict: unknown) => {
      if (!isIndexConflict(conflict)) throw conflict;
    });
  }
  return hasUniqueKeyIndex(await handle.listIndexes().toArray());
}

/** True when the collection holds any document. */
export async function holdsAny(handle: Collection): Promise<boolean> {
  return (await handle.findOne({}, { projection: { _id: 1 } })) !== null;
}

/** Drops a collection; one that is already gone is fine. */
export async function drop(handle: Collection): Promise<void> {
  try {
    await handle.drop();
  } catch (error) {
    if (!isNamespaceNotFound(error)) throw error;
  }
}
