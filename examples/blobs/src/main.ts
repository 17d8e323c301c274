// Runs the snippets of docs/blobs.md one after the other; each asserts what the page says.
for (const snippet of ["uploads", "writing-a-blob-store"]) {
  await import(`./${snippet}.ts`);
  console.log(`${snippet}: ok`);
}
console.log("blobs: ok");
