import type { Subject, Suite } from "../types.ts";

/** A driver client that the bench closes when it is done with it. */
interface Closing {
  close(): Promise<unknown>;
}

/** Runs `use` with a client opened for it alone, and closes the client afterwards either way. */
export async function withClient<C extends Closing, T>(
  client: C,
  use: (client: C) => Promise<T>,
): Promise<T> {
  try {
    return await use(client);
  } finally {
    await client.close();
  }
}

/** A server a suite runs against. */
export interface Server {
  /** How the report names it, e.g. `MongoDB server`. */
  name: string;
  /** Where it is. */
  url: string;
  /** Its name in `scripts/services/start-all.sh`, which starts it. */
  service: string;
}

/** Why a suite cannot run when its server does not answer, with the command that starts it. */
export function notAnswering({ name, url, service }: Server): string {
  return `no ${name} answers at ${url}; start it with: bash scripts/services/start-all.sh ${service}`;
}

/**
 * A suite's `unavailable` check: `undefined` once `answer` resolves, else why the suite cannot
 * run (any error of `answer` counts as the server not answering).
 */
export function unlessAnswering(
  server: Server,
  answer: () => Promise<unknown>,
): () => Promise<string | undefined> {
  return async () => {
    try {
      await answer();
      return undefined;
    } catch {
      return notAnswering(server);
    }
  };
}

/** A suite's `environment`: the server's version and address; none when `version` fails. */
export function versionFacts(
  { name, url }: Server,
  version: () => Promise<string>,
): () => Promise<Record<string, string>> {
  return async () => {
    try {
      return { [name]: `${await version()} at ${url}` };
    } catch {
      return {};
    }
  };
}

/** The description of a subject of a server suite; the suite gives it its role. */
export type SubjectOfServer = Omit<Subject, "role">;

/** What a suite of a raw driver against one @kv store on a server needs. */
export interface ServerSuite {
  /** The suite's id. */
  id: string;
  /** The suite's title. */
  title: string;
  /** The server. */
  server: Server;
  /** Resolves once the server answered (and what an earlier run left is removed); rejects else. */
  answer(): Promise<unknown>;
  /** The server's version, for the report. */
  version(): Promise<string>;
  /** Removes what the run left on the server. */
  cleanup?: (() => Promise<void>) | undefined;
  /** The raw driver: the baseline. */
  raw: SubjectOfServer;
  /** The @kv store measured against it. */
  store: SubjectOfServer;
}

/**
 * A suite of a server's raw driver (the baseline) against one @kv store, skipped when the server
 * does not answer, with the server's version in the report.
 */
export function serverSuite({ server, answer, version, raw, store, ...suite }: ServerSuite): Suite {
  return {
    ...suite,
    baseline: raw.name,
    unavailable: unlessAnswering(server, answer),
    environment: versionFacts(server, version),
    subjects: [
      { ...raw, role: "baseline" },
      { ...store, role: "kv" },
    ],
  };
}
