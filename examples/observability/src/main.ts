// Runs the snippets of docs/observability.md one after the other; each asserts what the page says.
for (const snippet of ["opentelemetry", "diagnostics-channel"]) {
  await import(`./${snippet}.ts`);
  console.log(`${snippet}: ok`);
}
console.log("observability: ok");
