/**
 * `openvse conformance <file.json...>`: runs every vector of files in schema `emv-vectors/1`
 * through packages/emv. Prints one line per failing vector naming the field that differs, ends
 * with `N passed, N failed`, and exits 0 only when every vector of every file passed.
 * Exit codes: 0 all passed, 1 a vector failed (or its category is unknown), 2 a file is
 * missing or malformed.
 */
import { readFileSync } from 'node:fs';
import { describeFailure, isEmvError, parseVectorFile, runConformance } from '@openvse/emv';
import type { Command } from 'commander';

export type ConformanceOutcome = { exitCode: 0 | 1 | 2; lines: string[] };

export function runConformanceFiles(paths: string[], opts: { verbose?: boolean } = {}): ConformanceOutcome {
  const lines: string[] = [];
  let passed = 0;
  let failed = 0;
  for (const path of paths) {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code ?? 'EIO';
      return { exitCode: 2, lines: [...lines, `error: cannot read ${path} (${code})`] };
    }
    let report: ReturnType<typeof runConformance>;
    try {
      report = runConformance(parseVectorFile(text));
    } catch (e) {
      if (!isEmvError(e)) throw e;
      return {
        exitCode: 2,
        lines: [...lines, `error: ${path} is not a valid emv-vectors/1 file: ${e.message}`],
      };
    }
    for (const r of report.results) {
      if (!r.ok || opts.verbose) lines.push(describeFailure(r));
    }
    passed += report.passed;
    failed += report.failed;
  }
  lines.push(`${passed} passed, ${failed} failed`);
  return { exitCode: failed === 0 ? 0 : 1, lines };
}

export function registerConformanceCommand(program: Command): void {
  program
    .command('conformance')
    .description('check packages/emv against EMV test vectors (schema emv-vectors/1)')
    .argument('<files...>', 'vector files')
    .option('-v, --verbose', 'print passing vectors too')
    .action((files: string[], opts: { verbose?: boolean }) => {
      const out = runConformanceFiles(files, opts);
      for (const line of out.lines) (out.exitCode === 2 ? console.error : console.log)(line);
      process.exitCode = out.exitCode;
    });
}
