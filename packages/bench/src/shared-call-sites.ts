// What `@kv/memory` loses against its Map baseline when other store classes have run through the
// same code first, as in an application (or the harness's shared process) that holds many stores:
// `BaseStore`'s methods, and the caller's call sites, then see many classes instead of one, and
// V8 stops inlining their calls. Before measuring, `--other-stores N` classes on `BaseStore`
// (each a Map of entries) serve 20 000 calls each, called directly, or through `kvClient` (the
// harness's one caller of every `@kv` subject) with `--through-kv-client`. Each condition needs a
// fresh process, since what V8 has seen cannot be undone. `--heap-mb N` holds N MB of unrelated
// objects, as the shared process's heap does: the collector's work per allocated byte grows with
// it. Method: `paired-turns.ts`.
// Usage: node --import tsx --import ./src/build-first.ts src/shared-call-sites.ts
//   [--other-stores N] [--through-kv-client] [--pairs N] [--heap-mb N]
import { parseArgs } from "node:util";
import { MemoryStore } from "@kv/memory";
import { BaseStore, type ManagedEntry } from "@kv/protocol";
import { heapBallast } from "./heap-ballast.ts";
import { kvClient } from "./kv-client.ts";
import { formatRatios, loadAverages, type PairedCall, pairedRatios } from "./paired-turns.ts";
import { mapBaseline } from "./suites/memory.ts";
import type { Client } from "./types.ts";
import { SMALL_VALUE } from "./workloads.ts";

const { values: args } = parseArgs({
  args: process.argv.slice(2).filter((arg) => arg !== "--"),
  options: {
    "other-stores": { type: "string", default: "0" },
    "through-kv-client": { type: "boolean", default: false },
    pairs: { type: "string", default: "151" },
    "heap-mb": { type: "string", default: "0" },
  },
});
const OTHER_STORES = Number(args["other-stores"]);
const PAIRS = Number(args.pairs);
const ballast = heapBallast(Number(args["heap-mb"]));

const names = Array.from({ length: 1000 }, (_, index) => `sites:${index}`);
const withTtl = { ttl: 3600 };

/** A store class of its own on `BaseStore`, keeping entries in a Map. */
function otherStoreClass() {
  return class extends BaseStore {
    readonly entries = new Map<string, ManagedEntry>();
    protected async getEntry(collection: string, key: string) {
      return this.entries.get(`${collection}\u0000${key}`);
    }
    protected async putEntry(collection: string, key: string, entry: ManagedEntry) {
      this.entries.set(`${collection}\u0000${key}`, entry);
    }
    protected async deleteEntry(collection: string, key: string) {
      return this.entries.delete(`${collection}\u0000${key}`);
    }
  };
}

for (let count = 0; count < OTHER_STORES; count++) {
  const store = new (otherStoreClass())();
  const client = kvClient(store);
  for (let index = 0; index < 20_000; index++) {
    const key = names[index % names.length] ?? "";
    if (args["through-kv-client"]) {
      await (index % 2 === 0 ? client.put(key, SMALL_VALUE) : client.putTtl(key, SMALL_VALUE));
      await client.get(key);
    } else {
      await store.put(key, SMALL_VALUE, index % 2 === 0 ? undefined : withTtl);
      await store.get(key);
    }
  }
}

const WORKLOADS: Record<string, PairedCall<Client>> = {
  "put→get": async (client, index) => {
    const key = names[index % names.length] ?? "";
    await client.put(key, SMALL_VALUE);
    await client.get(key);
  },
  "put with TTL": (client, index) => client.putTtl(names[index % names.length] ?? "", SMALL_VALUE),
};

console.log(
  `load ${loadAverages()}; ${OTHER_STORES} other store classes, called ${args["through-kv-client"] ? "through kvClient" : "directly"}; ${PAIRS} pairs of turns; heap ${heapMegabytes()} MB (${ballast.length} objects held)`,
);
for (const [workload, call] of Object.entries(WORKLOADS)) {
  const { cpu, wall } = await pairedRatios(kvClient(new MemoryStore()), mapBaseline(), call, {
    pairs: PAIRS,
    turnMs: 10,
  });
  console.log(
    `@kv/memory ÷ Map baseline, ${workload}: CPU ${formatRatios(cpu)}, wall ${formatRatios(wall)}`,
  );
}
console.log(`load ${loadAverages()}`);

function heapMegabytes(): number {
  return Math.round(process.memoryUsage().heapUsed / 2 ** 20);
}
