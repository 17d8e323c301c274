/** Sub-buckets per power of two: quantiles are exact to within 1/16 (about 6%). */
const subBuckets = 16;
const exactBelow = 2 * subBuckets;
const largest = 2 ** 31 - 1;
const bucketCount = exactBelow + (31 - 5) * subBuckets;

/**
 * A log-linear histogram of non-negative durations in whole microseconds, in a fixed 3.5 KB:
 * values below 32 µs are exact, larger ones fall in 16 buckets per power of two, up to about
 * 35 minutes (longer values count in the last bucket). The mean and maximum are exact.
 */
export class LatencyHistogram {
  private readonly buckets = new Float64Array(bucketCount);
  /** How many values were recorded. */
  count = 0;
  private sum = 0;
  private min = Number.POSITIVE_INFINITY;
  private max = 0;

  /** Records one duration in microseconds. */
  record(micros: number): void {
    const value = Math.min(largest, Math.max(0, Math.round(micros)));
    const index = indexOf(value);
    this.buckets[index] = (this.buckets[index] ?? 0) + 1;
    this.count += 1;
    this.sum += value;
    if (value < this.min) this.min = value;
    if (value > this.max) this.max = value;
  }

  /** The arithmetic mean in microseconds (0 when empty). */
  mean(): number {
    return this.count === 0 ? 0 : this.sum / this.count;
  }

  /** The largest recorded value in microseconds (0 when empty). */
  maximum(): number {
    return this.max;
  }

  /** The value below which a fraction `q` (0..1) of the recorded values fall, in microseconds. */
  quantile(q: number): number {
    if (this.count === 0) return 0;
    const rank = Math.max(1, Math.ceil(q * this.count));
    let seen = 0;
    for (let index = 0; index < bucketCount; index++) {
      seen += this.buckets[index] ?? 0;
      if (seen >= rank) return Math.min(this.max, Math.max(this.min, middleOf(index)));
    }
    return this.max;
  }
}

function indexOf(value: number): number {
  if (value < exactBelow) return value;
  const exponent = 31 - Math.clz32(value);
  const shift = exponent - 4;
  return exactBelow + (exponent - 5) * subBuckets + ((value >>> shift) - subBuckets);
}

function middleOf(index: number): number {
  if (index < exactBelow) return index;
  const exponent = Math.floor((index - exactBelow) / subBuckets) + 5;
  const shift = exponent - 4;
  const lower = (subBuckets + ((index - exactBelow) % subBuckets)) * 2 ** shift;
  return lower + (2 ** shift - 1) / 2;
}
