// Fails when a package that must run in every JavaScript runtime (Bun, Deno, browsers, Workers)
// reaches Node: from each portable entry it follows the value imports (type-only ones vanish at
// build time) through its own sources and the workspace packages they use, and reports any
// import of a Node built-in (`node:fs`, bare `fs` ...) and any reference to Node's globals
// (`Buffer`, `process`, `__dirname`, `__filename`, `require`). A guarded lookup such as
// `globalThis.process?.getBuiltinModule?.("node:zlib")` is a property read, not a reference.
// Prints "N portable packages reach no Node-only code" or each finding.
import { readFileSync } from "node:fs";
import { builtinModules } from "node:module";
import { dirname, join, relative, resolve } from "node:path";
import ts from "typescript";

/** The portable packages and their entries (directory under packages/ → exports subpaths). */
const portable: Record<string, string[]> = {
  protocol: ["."],
  conformance: ["./key-value"],
  memory: ["."],
  null: ["."],
  zod: ["."],
  "standard-schema": ["."],
  "raise-on-missing": ["."],
  compression: ["."],
  "default-value": ["."],
  encryption: ["."],
  fallback: ["."],
  "hash-prefix": ["."],
  "key-validation": ["."],
  "limit-size": ["."],
  logging: ["."],
  mirroring: ["."],
  notifying: ["."],
  opentelemetry: ["."],
  "passthrough-cache": ["."],
  "prefix-collections": ["."],
  "prefix-keys": ["."],
  "read-only": ["."],
  retry: ["."],
  routing: ["."],
  "single-collection": ["."],
  "sqlite-core": ["."],
  statistics: ["."],
  timeout: ["."],
  "ttl-clamp": ["."],
  "write-only": ["."],
};

const nodeGlobals = new Set(["Buffer", "process", "__dirname", "__filename", "require"]);
const builtins = new Set(builtinModules.filter((name) => !name.startsWith("_")));
const root = resolve(dirname(new URL(import.meta.url).pathname), "..");

interface Manifest {
  name: string;
  exports?: Record<string, string | Record<string, string>>;
}

const manifests = new Map<string, { directory: string; manifest: Manifest }>();
function workspacePackage(name: string): { directory: string; manifest: Manifest } | undefined {
  if (!name.startsWith("@kv/")) return undefined;
  if (!manifests.has(name)) {
    const directory = join(root, "packages", name.slice(4));
    const manifest = JSON.parse(readFileSync(join(directory, "package.json"), "utf8")) as Manifest;
    manifests.set(name, { directory, manifest });
  }
  return manifests.get(name);
}

function sourceEntry(directory: string, manifest: Manifest, subpath: string): string {
  const target = manifest.exports?.[subpath];
  const source = typeof target === "object" ? target["@kv/source"] : undefined;
  if (source === undefined) throw new Error(`${manifest.name} exports no ${subpath} source`);
  return join(directory, source);
}

/** The modules a file imports values from (static imports, re-exports and dynamic imports). */
function valueImports(source: ts.SourceFile): string[] {
  const found: string[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      const clause = node.importClause;
      const typeOnly =
        clause?.isTypeOnly === true ||
        (clause !== undefined &&
          clause.name === undefined &&
          clause.namedBindings !== undefined &&
          ts.isNamedImports(clause.namedBindings) &&
          clause.namedBindings.elements.length > 0 &&
          clause.namedBindings.elements.every((element) => element.isTypeOnly));
      if (!typeOnly) found.push(node.moduleSpecifier.text);
    } else if (
      ts.isExportDeclaration(node) &&
      !node.isTypeOnly &&
      node.moduleSpecifier !== undefined &&
      ts.isStringLiteral(node.moduleSpecifier)
    ) {
      found.push(node.moduleSpecifier.text);
    } else if (
      ts.isCallExpression(node) &&
      node.expression.kind === ts.SyntaxKind.ImportKeyword &&
      node.arguments[0] !== undefined &&
      ts.isStringLiteral(node.arguments[0])
    ) {
      found.push(node.arguments[0].text);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

/** References to Node's globals: identifiers in expressions, not names of properties or types. */
function globalReferences(source: ts.SourceFile): { name: string; line: number }[] {
  const found: { name: string; line: number }[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isTypeNode(node) || ts.isInterfaceDeclaration(node) || ts.isTypeAliasDeclaration(node)) {
      return;
    }
    if (ts.isIdentifier(node) && nodeGlobals.has(node.text) && isReference(node)) {
      const { line } = source.getLineAndCharacterOfPosition(node.getStart(source));
      found.push({ name: node.text, line: line + 1 });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

function isReference(node: ts.Identifier): boolean {
  const parent = node.parent;
  if (ts.isPropertyAccessExpression(parent) && parent.name === node) return false;
  if (
    (ts.isPropertyAssignment(parent) ||
      ts.isPropertyDeclaration(parent) ||
      ts.isMethodDeclaration(parent) ||
      ts.isPropertySignature(parent) ||
      ts.isParameter(parent) ||
      ts.isVariableDeclaration(parent) ||
      ts.isBindingElement(parent)) &&
    parent.name === node
  ) {
    return false;
  }
  return true;
}

const problems: string[] = [];
const seen = new Set<string>();

function check(file: string, owner: string): void {
  if (seen.has(file)) return;
  seen.add(file);
  const text = readFileSync(file, "utf8");
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const where = relative(root, file);
  for (const { name, line } of globalReferences(source)) {
    problems.push(`${owner}: ${where}:${line} uses Node's global ${name}`);
  }
  for (const specifier of valueImports(source)) {
    if (specifier.startsWith(".")) {
      check(resolve(dirname(file), specifier), owner);
    } else if (specifier.startsWith("node:") || builtins.has(specifier.split("/")[0] ?? "")) {
      problems.push(`${owner}: ${where} imports ${specifier}`);
    } else if (specifier.startsWith("@kv/")) {
      const [scope, name, ...rest] = specifier.split("/");
      const imported = workspacePackage(`${scope}/${name}`);
      if (imported === undefined) continue;
      const subpath = rest.length === 0 ? "." : `./${rest.join("/")}`;
      const entry = sourceEntry(imported.directory, imported.manifest, subpath);
      if (!Object.hasOwn(portable, `${name}`)) {
        problems.push(`${owner}: ${where} imports ${specifier}, which is not a portable package`);
      } else check(entry, owner);
    }
  }
}

for (const [directory, subpaths] of Object.entries(portable)) {
  const found = workspacePackage(`@kv/${directory}`);
  if (found === undefined) continue;
  for (const subpath of subpaths) {
    check(sourceEntry(found.directory, found.manifest, subpath), found.manifest.name);
  }
}

for (const problem of problems) console.log(`  ${problem}`);
const count = Object.keys(portable).length;
if (problems.length > 0) {
  console.log(`${problems.length} Node-only uses in the ${count} portable packages`);
  process.exit(1);
}
console.log(`${count} portable packages reach no Node-only code (${seen.size} files checked)`);
