// Keeps every code example in the READMEs and docs true:
// - a ```ts block preceded by `<!-- example: NAME -->` must equal examples/NAME/src/main.ts, and one
//   preceded by `<!-- example: path/to/file.ts -->` must equal that file (CI type-checks and runs both);
// - every package README has a ```ts example; when it names no file, its first block is
//   type-checked and executed here, as written, against the local servers.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const problems: string[] = [];
const codeBlock = /(?:<!--\s*example:\s*(\S+)\s*-->\s*\n)?```ts\n([\s\S]*?)```/g;

function markdownFiles(): string[] {
  const files = ["README.md"];
  for (const dir of readdirSync("packages")) {
    if (existsSync(join("packages", dir, "package.json")))
      files.push(join("packages", dir, "README.md"));
  }
  const walk = (dir: string): void => {
    if (!existsSync(dir)) return;
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith(".md")) files.push(path);
    }
  };
  walk("docs");
  return files;
}

const toRun: { dir: string; code: string }[] = [];
for (const file of markdownFiles()) {
  if (!existsSync(file)) {
    problems.push(`${file} is missing`);
    continue;
  }
  const text = readFileSync(file, "utf8");
  const blocks = [...text.matchAll(codeBlock)];
  for (const [, source, code] of blocks) {
    if (source === undefined) continue;
    const path = source.includes("/") ? source : join("examples", source, "src", "main.ts");
    if (!existsSync(path)) problems.push(`${file}: names ${path}, which does not exist`);
    else if (readFileSync(path, "utf8").trim() !== (code ?? "").trim()) {
      problems.push(`${file}: the block marked "${source}" differs from ${path}`);
    }
  }
  const packageDir = /^packages\/([^/]+)\/README\.md$/.exec(file)?.[1];
  if (packageDir === undefined) continue;
  const [first] = blocks;
  if (first === undefined) problems.push(`${file}: has no \`\`\`ts example`);
  else if (first[1] === undefined) toRun.push({ dir: packageDir, code: first[2] ?? "" });
}

for (const { dir } of toRun)
  rmSync(join("packages", dir, ".readme"), { recursive: true, force: true });
for (const { dir, code } of toRun) {
  mkdirSync(join("packages", dir, ".readme"), { recursive: true });
  writeFileSync(join("packages", dir, ".readme", "example.ts"), code);
}
if (toRun.length > 0) {
  writeFileSync(
    ".readme-tsconfig.json",
    JSON.stringify({
      extends: "./tsconfig.base.json",
      compilerOptions: { isolatedDeclarations: false, declaration: false },
      include: toRun.map(({ dir }) => `packages/${dir}/.readme/example.ts`),
    }),
  );
  try {
    execFileSync("pnpm", ["exec", "tsc", "--noEmit", "-p", ".readme-tsconfig.json"], {
      stdio: "pipe",
    });
  } catch (error) {
    problems.push(
      `README examples do not type-check:\n${String((error as { stdout?: Buffer }).stdout)}`,
    );
  }
  for (const { dir } of toRun) {
    try {
      execFileSync(
        process.execPath,
        [
          "--conditions=@kv/source",
          "--import",
          "tsx",
          join("packages", dir, ".readme", "example.ts"),
        ],
        { stdio: "pipe", timeout: 120_000, env: { ...process.env, NODE_NO_WARNINGS: "1" } },
      );
    } catch (error) {
      const { stderr, stdout } = error as { stderr?: Buffer; stdout?: Buffer };
      problems.push(
        `packages/${dir}/README.md: the example failed:\n${String(stdout)}${String(stderr)}`,
      );
    }
  }
  rmSync(".readme-tsconfig.json", { force: true });
}

if (problems.length > 0) {
  for (const problem of problems) console.error(problem);
  process.exit(1);
}
console.log(
  `check-readmes: examples in ${markdownFiles().length} Markdown files are true (${toRun.length} run here)`,
);
