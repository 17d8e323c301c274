// Measures node:zlib's codecs on JSON values of about 10 KB and 100 KB: compressed size and the
// time to compress and decompress, synchronously and on the thread pool. The README's numbers
// come from it. Run from packages/compression: node --import tsx test/measure-codecs.ts
import * as zlib from "node:zlib";

type Run = (input: Buffer) => Buffer | Promise<Buffer>;
type Async = (
  input: Buffer,
  options: zlib.ZlibOptions | zlib.BrotliOptions,
  done: (error: Error | null, result: Buffer) => void,
) => void;

const onPool =
  (run: Async, options: zlib.ZlibOptions | zlib.BrotliOptions = {}): Run =>
  (input) =>
    new Promise((resolve, reject) => {
      run(input, options, (error, result) => (error === null ? resolve(result) : reject(error)));
    });
const brotli = (quality: number) => ({
  params: { [zlib.constants.BROTLI_PARAM_QUALITY]: quality },
});

const codecs: Record<string, { compress: [Run, Run]; decompress: [Run, Run] }> = {
  "gzip level 1": {
    compress: [(b) => zlib.gzipSync(b, { level: 1 }), onPool(zlib.gzip, { level: 1 })],
    decompress: [(b) => zlib.gunzipSync(b), onPool(zlib.gunzip)],
  },
  "gzip level 6": {
    compress: [(b) => zlib.gzipSync(b), onPool(zlib.gzip)],
    decompress: [(b) => zlib.gunzipSync(b), onPool(zlib.gunzip)],
  },
  "deflate (zlib) level 1": {
    compress: [(b) => zlib.deflateSync(b, { level: 1 }), onPool(zlib.deflate, { level: 1 })],
    decompress: [(b) => zlib.inflateSync(b), onPool(zlib.inflate)],
  },
  "brotli quality 1": {
    compress: [
      (b) => zlib.brotliCompressSync(b, brotli(1)),
      onPool(zlib.brotliCompress, brotli(1)),
    ],
    decompress: [(b) => zlib.brotliDecompressSync(b), onPool(zlib.brotliDecompress)],
  },
  "brotli quality 4": {
    compress: [
      (b) => zlib.brotliCompressSync(b, brotli(4)),
      onPool(zlib.brotliCompress, brotli(4)),
    ],
    decompress: [(b) => zlib.brotliDecompressSync(b), onPool(zlib.brotliDecompress)],
  },
};

/** Rows of user records, as an API would cache them, until the JSON reaches `bytes`. */
function sampleJson(bytes: number): Buffer {
  const rows = [];
  const first = ["Ada", "Grace", "Alan", "Barbara", "Edsger"];
  const last = ["Lovelace", "Hopper", "Turing", "Liskov", "Dijkstra"];
  for (let index = 0; JSON.stringify({ rows }).length < bytes; index++) {
    const n = (salt: number) => ((index * 2_654_435_761 + salt * 40_503) >>> 0) % 1000;
    rows.push({
      id: `user-${index}`,
      name: `${first[index % 5]} ${last[n(1) % 5]}`,
      email: `u${index}@example.com`,
      age: 20 + (n(2) % 60),
      score: n(3) / 7,
      active: n(4) % 2 === 0,
      tags: ["admin", "beta", "ops", "dev"].slice(0, n(5) % 4),
      createdAt: new Date(1.7e12 + n(6) * 86_400_000).toISOString(),
    });
  }
  return Buffer.from(JSON.stringify({ rows }), "utf8");
}

async function microseconds(run: Run, input: Buffer, times: number): Promise<number> {
  const start = process.hrtime.bigint();
  for (let index = 0; index < times; index++) await run(input);
  return Number(process.hrtime.bigint() - start) / 1e3 / times;
}

const rounds = 25;
for (const size of [10_000, 100_000]) {
  const json = sampleJson(size);
  const times = size < 50_000 ? 150 : 20;
  const samples = new Map<string, number[]>();
  const cases: [string, Run, Buffer][] = [];
  for (const [name, { compress, decompress }] of Object.entries(codecs)) {
    const packed = await compress[0](json);
    cases.push(
      [`${name}|compress sync`, compress[0], json],
      [`${name}|compress pool`, compress[1], json],
      [`${name}|decompress sync`, decompress[0], packed],
      [`${name}|decompress pool`, decompress[1], packed],
    );
  }
  for (const [, run, input] of cases) await microseconds(run, input, 5);
  for (let round = 0; round < rounds; round++) {
    for (const [label, run, input] of cases) {
      const list = samples.get(label) ?? [];
      list.push(await microseconds(run, input, times));
      samples.set(label, list);
    }
  }
  const cell = (label: string) => {
    const sorted = [...(samples.get(label) ?? [])].sort((a, b) => a - b);
    return `${sorted[0]?.toFixed(0)} / ${sorted[Math.floor(rounds / 2)]?.toFixed(0)}`;
  };
  console.log(
    `\n${json.length} bytes of JSON; µs per call, best / median of ${rounds} interleaved rounds of ${times}`,
  );
  console.log(
    "| codec | size | compress sync | compress pool | decompress sync | decompress pool |",
  );
  console.log("| --- | --- | --- | --- | --- | --- |");
  for (const [name, { compress }] of Object.entries(codecs)) {
    const packed = (await compress[0](json)).length;
    const share = ((100 * packed) / json.length).toFixed(1);
    const ops = ["compress sync", "compress pool", "decompress sync", "decompress pool"];
    console.log(
      `| ${name} | ${packed} B (${share} %) | ${ops.map((op) => cell(`${name}|${op}`)).join(" | ")} |`,
    );
  }
}
