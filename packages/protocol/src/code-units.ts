/**
 * `text.charCodeAt(index)`, called through a fixed reference rather than looked up on
 * `String.prototype`: the UTF-16 code unit at `index`, or NaN past either end.
 *
 * Once any class extends `String` (ioredis 6 defines one), V8 keeps `String.prototype` as a
 * dictionary object for the rest of the process, and every `text.charCodeAt(…)` in optimized
 * code then pays a dictionary lookup: five to seven times the cost of the character read on
 * Node 20. Code that reads text character by character uses this instead, and costs the same
 * whatever else the application has loaded.
 */
export const codeUnitAt: (text: string, index: number) => number = Function.prototype.call.bind(
  String.prototype.charCodeAt,
);
