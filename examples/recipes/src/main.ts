// Runs the snippets of the recipes, the migration page and the timeouts page one after the
// other; each asserts what its page says.
for (const snippet of [
  "get-or-compute-usage",
  "counters-usage",
  "rate-limit-usage",
  "idempotent-webhook-usage",
  "update-with-retry",
  "migrating",
  "define-error",
  "timeouts",
]) {
  await import(`./${snippet}.ts`);
  console.log(`${snippet}: ok`);
}
console.log("recipes: ok");
