#!/usr/bin/env node
// Public-surface report: for every workspace package, each subpath export's entry module, every
// name it exports, and whether that name's declaration carries a TSDoc comment. `export *` is
// reported too (surfaces must name what they export). Exit 1 when anything is missing.
// Usage: node scripts/api-report.mjs [package-name-substring ...]
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';

const root = new URL('..', import.meta.url).pathname;

function entries(pkgDir) {
  const pkg = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8'));
  const out = [];
  for (const [sub, target] of Object.entries(pkg.exports ?? {})) {
    const js = typeof target === 'string' ? target : target.default;
    const src = join(pkgDir, js.replace(/^\.\/dist\//, '').replace(/\.js$/, '.ts'));
    if (existsSync(src)) out.push({ name: `${pkg.name}${sub === '.' ? '' : sub.slice(1)}`, src });
  }
  return { name: pkg.name, entries: out };
}

function hasDoc(decl) {
  const sf = decl.getSourceFile();
  let node = decl;
  // A variable's comment sits on its statement.
  if (ts.isVariableDeclaration(node)) node = node.parent?.parent ?? node;
  const ranges = ts.getLeadingCommentRanges(sf.text, node.getFullStart()) ?? [];
  return ranges.some((r) => sf.text.slice(r.pos, r.pos + 3) === '/**');
}

/** `{ report, problems }` for the packages whose name contains one of `filters` (all if none). */
export function apiReport(filters = []) {
  const problems = [];
  const report = [];
  for (const dir of readdirSync(join(root, 'packages')).sort()) {
    const pkgDir = join(root, 'packages', dir);
    if (!existsSync(join(pkgDir, 'package.json'))) continue;
    const { name, entries: es } = entries(pkgDir);
    if (filters.length && !filters.some((f) => name.includes(f))) continue;
    const program = ts.createProgram(
      es.map((e) => e.src),
      {
        module: ts.ModuleKind.NodeNext,
        moduleResolution: ts.ModuleResolutionKind.NodeNext,
        target: ts.ScriptTarget.ES2022,
        allowJs: false,
        noEmit: true,
        skipLibCheck: true,
      },
    );
    const checker = program.getTypeChecker();
    let total = 0;
    let documented = 0;
    for (const e of es) {
      const sf = program.getSourceFile(e.src);
      if (!sf) continue;
      for (const st of sf.statements)
        if (ts.isExportDeclaration(st) && !st.exportClause)
          problems.push(`${e.name}: export * from ${st.moduleSpecifier.getText()}`);
      const sym = checker.getSymbolAtLocation(sf);
      for (const ex of sym ? checker.getExportsOfModule(sym) : []) {
        const target = ex.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(ex) : ex;
        const decl = target.declarations?.[0];
        if (!decl) continue;
        total++;
        if (hasDoc(decl)) documented++;
        else
          problems.push(
            `${e.name}: ${ex.name} (${decl.getSourceFile().fileName.replace(root, '')}) has no TSDoc`,
          );
      }
    }
    report.push(`${name}: ${documented}/${total} exports documented`);
  }
  return { report, problems };
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/^.*\/scripts\//, '/scripts/'))) {
  const { report, problems } = apiReport(process.argv.slice(2));
  console.log(report.join('\n'));
  if (problems.length) {
    console.log(`\n${problems.length} problem(s):\n${problems.join('\n')}`);
    process.exit(1);
  }
}
