import { redactCredentials } from "@kv/config";
import Table from "cli-table3";

/** A stream `kv` writes to; `isTTY` tells a terminal from a pipe or a file. */
export interface OutputStream {
  write(text: string): boolean;
  once(event: "drain", listener: () => void): unknown;
  isTTY?: boolean | undefined;
}

/** The streams a run of `kv` reads and writes. */
export interface CliIo {
  stdin: NodeJS.ReadableStream & { isTTY?: boolean | undefined };
  stdout: OutputStream;
  stderr: OutputStream;
}

/** A column of a table: its title and whether it is numeric (aligned right). */
export interface Column {
  title: string;
  numeric?: boolean;
}

const borderless = {
  top: "",
  "top-mid": "",
  "top-left": "",
  "top-right": "",
  bottom: "",
  "bottom-mid": "",
  "bottom-left": "",
  "bottom-right": "",
  left: "",
  "left-mid": "",
  mid: "",
  "mid-mid": "",
  right: "",
  "right-mid": "",
  middle: "  ",
};

/** Query parameters whose values are secrets, in store URLs. */
const secretParameter = /pass|secret|token|credential|auth|key/i;

/** The passwords and secret query parameters of the store URLs on a command line. */
export function secretsOf(args: readonly string[]): Set<string> {
  const secrets = new Set<string>();
  for (const arg of args) {
    const userinfo = /^[a-z][a-z0-9+.-]*:\/\/([^@/]*)@/i.exec(arg)?.[1];
    const password = userinfo?.split(/:(.*)/s)[1];
    if (password) {
      secrets.add(password);
      secrets.add(safeDecode(password));
    }
    const query = /^[a-z][a-z0-9+.-]*:[^?#]*\?([^#]*)/i.exec(arg)?.[1];
    for (const [name, value] of new URLSearchParams(query ?? "")) {
      if (secretParameter.test(name) && value.length > 2) secrets.add(value);
    }
  }
  return secrets;
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/**
 * Everything `kv` prints goes through here: results on stdout (a human table on a terminal,
 * JSON lines otherwise or with `--json`), notes and errors on stderr, all with the
 * credentials of store URLs replaced by `***`.
 */
export class Output {
  /** True when results are JSON lines. */
  readonly json: boolean;
  readonly #io: CliIo;
  readonly #secrets: ReadonlySet<string>;

  constructor(io: CliIo, options: { json: boolean; secrets: ReadonlySet<string> }) {
    this.#io = io;
    this.json = options.json || io.stdout.isTTY !== true;
    this.#secrets = options.secrets;
  }

  /** True when stderr is a terminal (progress bars, prompts). */
  get interactive(): boolean {
    return this.#io.stderr.isTTY === true;
  }

  /** Text with every known credential replaced by `***`. */
  redact(text: string): string {
    let redacted = redactCredentials(text);
    for (const secret of this.#secrets) redacted = redacted.split(secret).join("***");
    return redacted;
  }

  /** Writes a line of results to stdout; resolves once the stream can take more. */
  async line(text: string): Promise<void> {
    if (this.#io.stdout.write(`${this.redact(text)}\n`)) return;
    await new Promise<void>((resolve) => this.#io.stdout.once("drain", resolve));
  }

  /** Writes one result as a JSON line to stdout. */
  record(value: unknown): Promise<void> {
    return this.line(JSON.stringify(value));
  }

  /** Writes rows as a table without borders (numeric columns aligned right). */
  table(
    columns: readonly Column[],
    rows: readonly (readonly (string | number)[])[],
  ): Promise<void> {
    const table = new Table({
      head: columns.map((column) => column.title),
      chars: borderless,
      style: { head: [], border: [], "padding-left": 0, "padding-right": 0 },
      colAligns: columns.map((column) => (column.numeric ? "right" : "left")),
    });
    for (const row of rows) table.push(row.map(String));
    return this.line(table.toString());
  }

  /** Writes a note for people to stderr. */
  note(text: string): void {
    this.#io.stderr.write(`${this.redact(text)}\n`);
  }

  /** The stream progress bars and prompts write to. */
  get stderr(): OutputStream {
    return this.#io.stderr;
  }

  /** The stream values are read from. */
  get stdin(): CliIo["stdin"] {
    return this.#io.stdin;
  }
}

/** A byte count for people: `512 B`, `1.5 KB`, `12.3 MB`. */
export function formatBytes(bytes: number): string {
  const units = ["B", "KB", "MB", "GB", "TB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit += 1;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(1)} ${units[unit]}`;
}

/** A duration for people: `850 ms`, `12.4 s`, `3 min 5 s`. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const seconds = Math.round(ms / 1000);
  return `${Math.floor(seconds / 60)} min ${seconds % 60} s`;
}

/** A count for people, with thousands separated: `100 000`. */
export function formatCount(count: number): string {
  return Math.round(count)
    .toString()
    .replace(/\B(?=(\d{3})+(?!\d))/g, " ");
}
