import { StoreConfigurationError } from "@kv/protocol";
import type { ClusterNode, RedisOptions } from "ioredis";

/** The largest delay `setTimeout` keeps; beyond it a timer fires at once. */
const MAX_TIMER_MS = 2_147_483_647;
const redisScheme = /^rediss?:\/\//;
const digits = /^\d+$/;

function refuse(message: string): never {
  throw new StoreConfigurationError({ message });
}

/** The URL with its user and password replaced by `***`, so a message can show it. */
function redact(url: URL): string {
  const shown = new URL(url.href);
  if (shown.username !== "" || shown.password !== "") {
    shown.username = "***";
    shown.password = "";
  }
  return shown.href;
}

/**
 * Checks a `redis://` or `rediss://` URL: a host, a valid port, a non-negative integer database.
 * Messages never show its user or password.
 * @throws StoreConfigurationError naming what is wrong
 */
export function checkUrl(url: unknown): void {
  if (url === undefined) {
    refuse("url is undefined (an unset environment variable?); leave it out to use redisOptions");
  }
  if (typeof url !== "string") refuse(`url must be a string, got ${typeof url}`);
  if (url.trim() === "") refuse("url is empty");
  if (!redisScheme.test(url)) {
    const scheme = /^[a-z][a-z\d+.-]*:/i.exec(url)?.[0];
    const got = scheme === undefined ? "no scheme" : `"${scheme}"`;
    refuse(
      `url must start with redis:// or rediss://, got ${got} (for a Unix socket, pass redisOptions.path)`,
    );
  }
  const parsed = URL.canParse(url) ? new URL(url) : undefined;
  if (parsed === undefined) {
    refuse("url is not a valid URL (a host, a port up to 65535, a percent-encoded password)");
  }
  if (parsed.hostname === "") refuse(`url has no host: ${redact(parsed)}`);
  const path = parsed.pathname;
  if (path !== "" && path !== "/" && !digits.test(path.slice(1))) {
    refuse(`url's database must be a non-negative integer: ${redact(parsed)}`);
  }
  const db = parsed.searchParams.get("db");
  if (db !== null && !digits.test(db)) {
    refuse(`url's database (?db=) must be a non-negative integer: ${redact(parsed)}`);
  }
}

/**
 * Checks the connection options of ioredis that the store can check before connecting.
 * @throws StoreConfigurationError naming what is wrong
 */
export function checkRedisOptions(options: RedisOptions, name: string): void {
  const { db, port } = options;
  if (db !== undefined && !(Number.isInteger(db) && db >= 0)) {
    refuse(`${name}.db must be a non-negative integer, got ${String(db)}`);
  }
  if (port !== undefined && !(Number.isInteger(port) && port >= 1 && port <= 65_535)) {
    refuse(`${name}.port must be an integer from 1 to 65535, got ${String(port)}`);
  }
}

/**
 * Checks a Cluster's startup nodes and node options.
 * @throws StoreConfigurationError naming what is wrong
 */
export function checkCluster(nodes: unknown, redisOptions: RedisOptions | undefined): void {
  if (!Array.isArray(nodes) || nodes.length === 0) {
    refuse("nodes must be a non-empty array of startup nodes");
  }
  for (const node of nodes as ClusterNode[]) {
    if (typeof node === "string" && node.includes("://") && !redisScheme.test(node)) {
      refuse("a node given as a URL must start with redis:// or rediss://");
    }
  }
  if (redisOptions === undefined) return;
  checkRedisOptions(redisOptions, "clusterOptions.redisOptions");
  if ((redisOptions.db ?? 0) !== 0) refuse("a Redis Cluster has database 0 only");
}

/**
 * Checks that exactly one way of connecting is given: `client`, `url` or `nodes` (or none of
 * them, for `redisOptions` alone), and none of them as `undefined` in place of a value.
 * @throws StoreConfigurationError naming what is wrong
 */
export function checkShape(options: object): void {
  const record = options as Record<string, unknown>;
  const names = ["client", "url", "nodes"];
  const given = names.filter((name) => record[name] !== undefined);
  if (given.length > 1) refuse(`pass only one of client, url and nodes, got ${given.join(", ")}`);
  const blank = names.find((name) => Object.hasOwn(record, name) && record[name] === undefined);
  if (given.length === 0 && blank === "url") checkUrl(undefined);
  if (given.length === 0 && blank !== undefined) refuse(`${blank} is undefined`);
}

/**
 * A timeout option: its default when absent, else a positive number of milliseconds.
 * @throws StoreConfigurationError when it is not one
 */
export function checkTimeout(value: unknown, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !(value > 0 && value <= MAX_TIMER_MS)) {
    refuse(`${name} must be a positive number of milliseconds, got ${String(value)}`);
  }
  return value;
}
