// Keeps every code example in the READMEs and docs true:
// - a ```ts block preceded by `<!-- example: NAME -->` must equal examples/NAME/src/main.ts, and one
//   preceded by `<!-- example: path/to/file.ts -->` must equal that file (CI type-checks and runs both;
//   `--write` copies the files into such blocks instead of failing);
// - in docs/ and the root README every TypeScript or JavaScript block must be such a ```ts block;
// - every package README has a ```ts example; when it names no file, its first block is
//   type-checked and executed here, as written, against the local servers;
// - relative links in docs/ point at files that exist.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, normalize } from "node:path";

interface CodeBlock {
  /** The fence's info string: `ts`, `sh`, `json` ... */
  language: string;
  code: string;
  /** The file named by an `<!-- example: ... -->` comment on the line before the fence. */
  source: string | undefined;
  /** The 1-based line of the opening fence. */
  line: number;
  /** The 0-based line of the closing fence. */
  end: number;
}

const problems: string[] = [];
const write = process.argv.includes("--write");
const exampleMarker = /^<!--\s*example:\s*(\S+)\s*-->\s*$/;
const scriptLanguages = new Set("ts typescript tsx mts js javascript jsx mjs".split(" "));

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

/** The fenced code blocks of a Markdown text, with the example marker in front of each. */
function codeBlocks(text: string): CodeBlock[] {
  const lines = text.split("\n");
  const blocks: CodeBlock[] = [];
  let open: { language: string; start: number; fence: string } | undefined;
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index] ?? "";
    if (open === undefined) {
      const fence = /^\s*(`{3,}|~{3,})\s*([^\s`]*)/.exec(line);
      if (fence !== null) {
        open = { fence: fence[1] ?? "```", language: fence[2] ?? "", start: index };
      }
      continue;
    }
    if (line.trim() !== open.fence) continue;
    const previous = lines[open.start - 1] ?? "";
    blocks.push({
      language: open.language,
      code: lines.slice(open.start + 1, index).join("\n"),
      source: exampleMarker.exec(previous.trim())?.[1],
      line: open.start + 1,
      end: index,
    });
    open = undefined;
  }
  return blocks;
}

/** Relative links of a Markdown text (no URLs), outside code blocks: a path and an anchor. */
function localLinks(text: string): { path: string; anchor: string }[] {
  const prose = withoutCode(text);
  const links: { path: string; anchor: string }[] = [];
  for (const [, target] of prose.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) {
    if (target === undefined || /^[a-z][a-z0-9+.-]*:/i.test(target)) continue;
    const [path = "", anchor = ""] = target.split("#");
    links.push({ path: decodeURIComponent(path), anchor });
  }
  return links;
}

/** The anchors GitHub gives the headings of a Markdown text. */
function anchors(text: string): Set<string> {
  const headings = withoutCode(text).matchAll(/^#{1,6}\s+(.+?)\s*$/gm);
  return new Set(
    Array.from(headings, ([, heading = ""]) =>
      heading
        .toLowerCase()
        .replace(/[^\p{L}\p{N}\s_-]/gu, "")
        .replace(/\s/g, "-"),
    ),
  );
}

function withoutCode(text: string): string {
  return text.replace(/^\s*(`{3,}|~{3,})[^\n]*\n[\s\S]*?^\s*\1\s*$/gm, "");
}

const toRun: { dir: string; code: string }[] = [];
for (const file of markdownFiles()) {
  if (!existsSync(file)) {
    problems.push(`${file} is missing`);
    continue;
  }
  const text = readFileSync(file, "utf8");
  const blocks = codeBlocks(text);
  const isDoc = file === "README.md" || file.startsWith("docs/");
  const rewrites: { block: CodeBlock; code: string }[] = [];
  for (const block of blocks) {
    const { language, code, source, line } = block;
    if (source !== undefined) {
      const path = source.includes("/") ? source : join("examples", source, "src", "main.ts");
      if (language !== "ts") {
        problems.push(`${file}:${line}: a block marked "${source}" must be \`\`\`ts`);
      } else if (!existsSync(path)) {
        problems.push(`${file}:${line}: names ${path}, which does not exist`);
      } else if (readFileSync(path, "utf8").trim() !== code.trim()) {
        if (write) rewrites.push({ block, code: readFileSync(path, "utf8").trim() });
        else problems.push(`${file}:${line}: the block marked "${source}" differs from ${path}`);
      }
    } else if (isDoc && scriptLanguages.has(language)) {
      problems.push(
        `${file}:${line}: this \`\`\`${language} block is tied to no file: make it \`\`\`ts, preceded by <!-- example: path/to/file.ts --> naming a file CI type-checks`,
      );
    }
  }
  if (rewrites.length > 0) {
    const lines = text.split("\n");
    for (const { block, code } of rewrites.reverse()) {
      lines.splice(block.line, block.end - block.line, ...code.split("\n"));
    }
    writeFileSync(file, lines.join("\n"));
    console.log(`${file}: copied ${rewrites.length} example file(s) into its blocks`);
  }
  if (file.startsWith("docs/")) {
    for (const { path, anchor } of localLinks(text)) {
      const target = path === "" ? file : normalize(join(dirname(file), path));
      if (!existsSync(target)) problems.push(`${file}: links to ${path}, which does not exist`);
      else if (anchor !== "" && target.endsWith(".md")) {
        if (!anchors(readFileSync(target, "utf8")).has(anchor))
          problems.push(`${file}: links to ${path}#${anchor}, a heading that does not exist`);
      }
    }
  }
  const packageDir = /^packages\/([^/]+)\/README\.md$/.exec(file)?.[1];
  if (packageDir === undefined) continue;
  const first = blocks.find((block) => block.language === "ts");
  if (first === undefined) problems.push(`${file}: has no \`\`\`ts example`);
  else if (first.source === undefined) toRun.push({ dir: packageDir, code: first.code });
}

for (const { dir } of toRun)
  rmSync(join("packages", dir, ".readme"), { recursive: true, force: true });
for (const { dir, code } of toRun) {
  mkdirSync(join("packages", dir, ".readme"), { recursive: true });
  writeFileSync(join("packages", dir, ".readme", "example.ts"), `${code}\n`);
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
