/**
 * Formats JSON exactly as Python's `json.dumps(value, sort_keys=True)` does (the form py-key-value
 * writes): keys sorted, `", "` and `": "` separators, non-ASCII characters escaped as `\uXXXX`,
 * and floats in Python's notation (`1e-05`, `1.5e+300`).
 */
export function toPythonJson(value: unknown): string {
  switch (typeof value) {
    case "string":
      return asciiString(value);
    case "number":
      return pythonNumber(value);
    case "boolean":
      return value ? "true" : "false";
    case "object": {
      if (value === null) return "null";
      if (Array.isArray(value)) return `[${value.map(toPythonJson).join(", ")}]`;
      const record = value as Record<string, unknown>;
      const names = Object.keys(record)
        .filter((name) => record[name] !== undefined)
        .sort();
      return `{${names.map((name) => `${asciiString(name)}: ${toPythonJson(record[name])}`).join(", ")}}`;
    }
    default:
      return "null";
  }
}

const nonAscii = /[\u0080-\uffff]/g;

function asciiString(text: string): string {
  return JSON.stringify(text).replace(
    nonAscii,
    (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

function pythonNumber(value: number): string {
  if (!Number.isFinite(value)) return "null";
  if (Number.isSafeInteger(value)) return Object.is(value, -0) ? "-0.0" : String(value);
  const [mantissa = "", exponentText = "0"] = value.toExponential().split("e");
  const exponent = Number(exponentText);
  if (exponent < -4 || exponent >= 16) {
    const sign = exponent < 0 ? "-" : "+";
    return `${mantissa}e${sign}${String(Math.abs(exponent)).padStart(2, "0")}`;
  }
  return Number.isInteger(value) ? `${value}.0` : String(value);
}
