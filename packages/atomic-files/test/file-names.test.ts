import { decodeName, encodeName, hashName, isEncodedName } from "@kv/atomic-files";
import { hostileNames } from "@kv/conformance";
import { describe, expect, it } from "vitest";

describe("encodeName", () => {
  it("keeps a-z 0-9 _ - and writes every other character as %xx per UTF-8 byte, in lower case", () => {
    const encoded = ["app-config", "App Settings", "a.b", "ünï", "x_1!~*'()"].map(encodeName);
    expect(encoded).toEqual([
      "app-config",
      "%41pp%20%53ettings",
      "a%2eb",
      "%c3%bcn%c3%af",
      "x_1%21%7e%2a%27%28%29",
    ]);
  });

  it("escapes the last letter of a name Windows reserves for a device", () => {
    expect(["con", "nul", "com1", "lpt9", "console"].map(encodeName)).toEqual([
      "co%6e",
      "nu%6c",
      "com%31",
      "lpt%39",
      "console",
    ]);
  });

  it("gives hostile names distinct safe file names, even on a case-insensitive file system", () => {
    const encoded = hostileNames.map(encodeName);
    expect(new Set(encoded.map((name) => name.toLowerCase())).size).toBe(hostileNames.length);
    for (const name of encoded) {
      expect(name).toMatch(/^[a-z0-9_%+-]+$/);
      expect(Buffer.byteLength(name)).toBeLessThanOrEqual(200);
    }
  });

  it("writes a name encoded over 200 characters as its first 64 and the name's SHA-256", () => {
    const long = "Long name ".repeat(30);
    expect(encodeName(long)).toBe(`${encodeName("Long name ".repeat(4))}+${hashName(long)}`);
    expect(encodeName(`${long}!`)).not.toBe(encodeName(long));
  });

  it("never cuts a %xx escape when it shortens a long name", () => {
    const encoded = encodeName("é".repeat(100));
    expect(encoded.slice(0, encoded.indexOf("+"))).toMatch(/^(?:%[0-9a-f]{2})+$/);
  });
});

describe("decodeName", () => {
  it("gives back every name that encodes plainly", () => {
    for (const name of hostileNames) {
      const encoded = encodeName(name);
      if (!encoded.includes("+")) expect(decodeName(encoded)).toBe(name);
    }
  });

  it("gives undefined for a hashed name, whose name the file itself must record", () => {
    const encoded = encodeName("x".repeat(300));
    expect(decodeName(encoded)).toBeUndefined();
    expect(isEncodedName(encoded)).toBe(true);
  });

  it("refuses file names encodeName never produces", () => {
    for (const fileName of ["", "A", "a.b", "%2E", "%2e%zz", "con", "a+b", "%e9"]) {
      expect(decodeName(fileName)).toBeUndefined();
      expect(isEncodedName(fileName)).toBe(false);
    }
  });
});
