import { execFile } from "node:child_process";
import { promisify } from "node:util";

/** Runs Python 3 code with `argv[1:]`, returning what it printed. */
export async function python(code: string, ...args: string[]): Promise<string> {
  const { stdout } = await promisify(execFile)("python3", ["-c", code, ...args], {
    maxBuffer: 64 * 1024 * 1024,
  });
  return stdout;
}

/** What Python's zipfile reads from an archive: { name: utf-8 text } after checking every CRC. */
export async function readWithPython(path: string): Promise<Record<string, string>> {
  const code = `
import json, sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as archive:
    bad = archive.testzip()
    if bad is not None:
        raise SystemExit("bad CRC in " + bad)
    print(json.dumps({info.filename: archive.read(info).decode("utf-8", "replace") for info in archive.infolist()}))
`;
  return JSON.parse(await python(code, path)) as Record<string, string>;
}
