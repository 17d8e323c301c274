/**
 * Keeps about `megabytes` of small objects alive, as an application's heap would: the garbage
 * collector's work grows with the heap, and with it the cost of what a call allocates.
 */
export function heapBallast(megabytes: number): unknown[] {
  const objects: unknown[] = [];
  // One { id, name, tags } object with its string and array takes about 150 bytes.
  for (let index = 0; index < megabytes * 7000; index++) {
    objects.push({ id: index, name: `object-${index}`, tags: [index] });
  }
  return objects;
}
