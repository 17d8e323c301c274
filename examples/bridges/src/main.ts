// Runs the snippets of the bridges page one after the other; each asserts what the page says.
for (const snippet of ["keyv-on-kv", "kv-on-keyv", "unstorage-on-kv", "kv-on-unstorage"]) {
  await import(`./${snippet}.ts`);
  console.log(`${snippet}: ok`);
}
console.log("bridges: ok");
