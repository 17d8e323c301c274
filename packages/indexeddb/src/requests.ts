/** Resolves with the request's result, or rejects with its error. */
export function completed<T>(request: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

/** Resolves when the transaction commits; rejects when it aborts or fails. */
export function committed(transaction: IDBTransaction): Promise<void> {
  return new Promise((resolve, reject) => {
    transaction.oncomplete = () => resolve();
    transaction.onabort = () =>
      reject(transaction.error ?? new DOMException("Aborted", "AbortError"));
    transaction.onerror = () => reject(transaction.error);
  });
}

/** Opens (creating or upgrading when needed) a database with one object store of entries. */
export function openEntriesDatabase(
  factory: IDBFactory,
  name: string,
  storeName: string,
): Promise<IDBDatabase> {
  const request = factory.open(name, 1);
  request.onupgradeneeded = () => {
    const entries = request.result.createObjectStore(storeName, { keyPath: ["collection", "key"] });
    entries.createIndex("expiresAt", "expiresAt");
  };
  return completed(request);
}
