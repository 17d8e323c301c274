import { connect } from "node:net";
import { memcachedUrl } from "../../../scripts/services/require-service.ts";

/** The test server's `host:port`. */
export function serverAddress(): string {
  return new URL(memcachedUrl()).host;
}

/**
 * Sends one command line over a connection of its own and returns the first line of the answer
 * (meta commands answer in one line without `v`).
 */
export function commandLine(line: string): Promise<string> {
  const { hostname, port } = new URL(memcachedUrl());
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port) });
    let answer = "";
    socket.setEncoding("utf8");
    socket.once("error", reject);
    socket.on("data", (chunk: string) => {
      answer += chunk;
      const end = answer.indexOf("\r\n");
      if (end >= 0) {
        socket.end();
        resolve(answer.slice(0, end));
      }
    });
    socket.write(`${line}\r\n`);
  });
}

/**
 * memcached's own remaining TTL of an item, in seconds, from the meta command `mg <key> t`:
 * `-1` for an item that never expires, `undefined` for a missing one.
 */
export async function itemTtl(name: string): Promise<number | undefined> {
  const answer = await commandLine(`mg ${name} t`);
  if (answer === "EN") return undefined;
  const ttl = /^HD .*\bt(-?\d+)/.exec(answer)?.[1];
  if (ttl === undefined) throw new Error(`Unexpected answer to mg: ${answer}`);
  return Number(ttl);
}
