// Runs the snippets of docs/concepts.md one after the other; each asserts what the page says.
for (const snippet of [
  "collections",
  "ttl",
  "managed-entry",
  "capabilities",
  "atomic-operations",
  "errors",
  "any-store",
]) {
  await import(`./${snippet}.ts`);
  console.log(`${snippet}: ok`);
}
console.log("concepts: ok");
