import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { binary, kv } from "./kv.ts";
import { redisUrl } from "./servers.ts";

/** A failed run: its exit code, and its stderr as one line. */
async function failure(args: string[], options = {}) {
  const run = await kv(args, options);
  const lines = run.stderr.trim().split("\n");
  return { code: run.code, line: lines[0] ?? "", lines: lines.length, stdout: run.stdout };
}

describe("errors print one clear line and exit non-zero", () => {
  it("an unknown store scheme (exit 2)", async () => {
    const run = await failure(["get", "frobdb://localhost/1", "k"]);
    expect(run).toMatchObject({ code: 2, lines: 1, stdout: "" });
    expect(run.line).toMatch(/^kv: url: expected a URL scheme of a store .*found "frobdb:"$/);
  });

  it("a server that does not answer (exit 1)", async () => {
    const run = await failure(["get", "redis://127.0.0.1:1/0", "k"]);
    expect(run).toMatchObject({ code: 1, lines: 1 });
    expect(run.line).toMatch(/^kv: cannot reach the store: .*ECONNREFUSED 127\.0\.0\.1:1/);
  });

  it("a store without the capability a command needs (exit 1)", async () => {
    for (const command of ["keys", "stats"]) {
      const run = await failure([command, "null:"]);
      expect(run).toMatchObject({ code: 1, lines: 1 });
      expect(run.line).toMatch(
        new RegExp(
          `^kv: kv ${command} needs a store that can list keys \\(the "keys" capability\\); NullStore cannot$`,
        ),
      );
    }
    const collections = await failure(["collections", "null:"]);
    expect(collections.line).toMatch(/the "collections" capability\); NullStore cannot$/);
    const cull = await failure(["cull", redisUrl()]);
    expect(cull).toMatchObject({
      code: 1,
      line: expect.stringMatching(/"cull" capability\); RedisStore cannot$/),
    });
    const copy = await failure(["copy", "null:", "memory:", "--collection", "a"]);
    expect(copy).toMatchObject({
      code: 1,
      line: 'kv: copyStore needs the "keys" capability, which its source (NullStore) does not offer',
    });
  });

  it("shows the stack and causes only with --verbose", async () => {
    const plain = await kv(["get", "redis://127.0.0.1:1/0", "k"]);
    expect(plain.stderr).not.toMatch(/\n\s+at /);
    const verbose = await kv(["--verbose", "get", "redis://127.0.0.1:1/0", "k"]);
    expect(verbose.code).toBe(1);
    expect(verbose.stderr).toMatch(/StoreConnectionError.*\n\s+at /);
    expect(verbose.stderr).toMatch(/caused by: .*ECONNREFUSED/);
  });
});

describe("credentials in store URLs never appear in what kv prints", () => {
  it("in errors from the server, in messages about the URL, and with --verbose", async () => {
    const url = new URL(redisUrl());
    url.username = "admin";
    url.password = "s3cr3t-pw";
    for (const args of [
      ["get", url.toString(), "k"],
      ["--verbose", "get", url.toString(), "k"],
      ["get", "redis://admin:s3cr3t-pw@", "k"],
      ["get", "redis://admin:s3cr3t-pw@127.0.0.1:1/0", "k"],
      ["clear", url.toString(), "--collection", "a"],
    ]) {
      const run = await kv(args);
      expect(run.code).not.toBe(0);
      expect(run.stderr + run.stdout).not.toContain("s3cr3t-pw");
    }
    const clear = await kv(["clear", url.toString(), "--collection", "a"]);
    expect(clear.stderr).toMatch(
      /^kv: delete every entry of collection a in redis:\/\/\*\*\*@.*: pass --yes to confirm\n$/,
    );
  });
});

describe("a store package that is not installed", () => {
  let prefix: string;
  let globalBinary: string;
  const root = join(dirname(binary), "..", "..", "..");

  /**
   * Lays out a global install the way npm does: <prefix>/lib/node_modules/@kv/cli with its
   * dependencies beside it, without the store packages (as `npm i -g @kv/cli --omit=optional`).
   */
  beforeAll(() => {
    prefix = mkdtempSync(join(tmpdir(), "kv-cli-global-"));
    const modules = join(prefix, "lib", "node_modules");
    const cli = join(modules, "@kv", "cli");
    mkdirSync(cli, { recursive: true });
    cpSync(join(root, "packages", "cli", "dist"), join(cli, "dist"), { recursive: true });
    cpSync(join(root, "packages", "cli", "package.json"), join(cli, "package.json"));
    const linked = ["commander", "cli-progress", "cli-table3"];
    for (const name of linked) {
      symlinkSync(join(root, "packages", "cli", "node_modules", name), join(modules, name));
    }
    for (const name of ["config", "transfer", "protocol", "retry"]) {
      symlinkSync(join(root, "packages", name), join(modules, "@kv", name));
    }
    globalBinary = join(cli, "dist", "cli.mjs");
  });
  afterAll(() => rmSync(prefix, { recursive: true, force: true }));

  it("names the package to install in one line (exit 1)", async () => {
    const run = await failure(["get", redisUrl(), "k"], { bin: globalBinary, cwd: prefix });
    expect(run).toMatchObject({ code: 1, lines: 1 });
    expect(run.line).toBe(
      "kv: the package @kv/redis is not installed: run npm i -g @kv/redis (beside a global kv) or npm i @kv/redis (in a project)",
    );
  });

  it("is found once installed beside the global kv", async () => {
    symlinkSync(
      join(root, "packages", "redis"),
      join(prefix, "lib", "node_modules", "@kv", "redis"),
    );

    const run = await kv(["put", `${redisUrl()}?retry=2`, "beside", "{}"], {
      bin: globalBinary,
      cwd: prefix,
    });

    expect(run).toMatchObject({ code: 0, stderr: "" });
  });
});
