/** The median of a list of numbers; `NaN` for an empty list. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  const upper = sorted[middle] ?? Number.NaN;
  if (sorted.length % 2 === 1) return upper;
  return ((sorted[middle - 1] ?? Number.NaN) + upper) / 2;
}

/** The smallest and largest of a list of numbers; `[NaN, NaN]` for an empty list. */
export function range(values: readonly number[]): [min: number, max: number] {
  if (values.length === 0) return [Number.NaN, Number.NaN];
  return [Math.min(...values), Math.max(...values)];
}

/** The per-round ratios `subject[i] / baseline[i]`, skipping rounds where either is missing. */
export function pairedRatios(subject: readonly number[], baseline: readonly number[]): number[] {
  const ratios: number[] = [];
  for (let index = 0; index < Math.min(subject.length, baseline.length); index++) {
    const top = subject[index];
    const bottom = baseline[index];
    if (top === undefined || bottom === undefined || !(bottom > 0)) continue;
    ratios.push(top / bottom);
  }
  return ratios;
}

/** The same list rotated left by `by` places, so each round starts with another subject. */
export function rotate<T>(items: readonly T[], by: number): T[] {
  if (items.length === 0) return [];
  const shift = ((by % items.length) + items.length) % items.length;
  return [...items.slice(shift), ...items.slice(0, shift)];
}
