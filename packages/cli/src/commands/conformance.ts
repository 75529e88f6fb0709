/**
 * `openvse conformance <file.json...>`: runs every vector of files in schema `emv-vectors/1`
 * through packages/emv. Prints one line per failing vector naming the field that differs, ends
 * with `N passed, N failed`, and exits 0 only when every vector of every file passed.
 * Exit codes (docs/cli.md): 0 all passed, 1 a vector failed (or its category is unknown), 2 a file
 * is missing or malformed; a failure ends with one line `openvse conformance: ERR_…: …` on stderr.
 */
import { readFileSync } from 'node:fs';
import { describeFailure, isEmvError, parseVectorFile, runConformance } from '@openvse/emv';
import type { Command } from 'commander';
import { CliError, EXIT } from '../cli-error.js';

/**
 * What a run gives: the exit code, the report lines (stdout) and, when it is not 0, the error the
 * command reports (its code and one-line message).
 */
export type ConformanceOutcome = {
  exitCode: 0 | 1 | 2;
  lines: string[];
  error?: { code: string; message: string };
};

/** Runs every vector of every file in `paths` (schema emv-vectors/1) through packages/emv. */
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
      return {
        exitCode: 2,
        lines,
        error: { code: 'ERR_FILE_UNREADABLE', message: `cannot read ${path} (${code})` },
      };
    }
    let report: ReturnType<typeof runConformance>;
    try {
      report = runConformance(parseVectorFile(text));
    } catch (e) {
      if (!isEmvError(e)) throw e;
      return {
        exitCode: 2,
        lines,
        error: {
          code: 'ERR_FILE_MALFORMED',
          message: `${path} is not a valid emv-vectors/1 file: ${e.message.split('\n')[0]}`,
        },
      };
    }
    for (const r of report.results) {
      if (!r.ok || opts.verbose) lines.push(describeFailure(r));
    }
    passed += report.passed;
    failed += report.failed;
  }
  lines.push(`${passed} passed, ${failed} failed`);
  if (failed === 0) return { exitCode: 0, lines };
  return {
    exitCode: 1,
    lines,
    error: { code: 'ERR_VECTORS_FAILED', message: `${failed} of ${passed + failed} vectors failed` },
  };
}

/** Registers `openvse conformance`; a failure is thrown to main.ts (docs/cli.md). */
export function registerConformanceCommand(program: Command): void {
  program
    .command('conformance')
    .description('check packages/emv against EMV test vectors (schema emv-vectors/1)')
    .argument('<files...>', 'vector files')
    .option('-v, --verbose', 'print passing vectors too')
    .action((files: string[], opts: { verbose?: boolean }) => {
      const out = runConformanceFiles(files, opts);
      for (const line of out.lines) console.log(line);
      if (out.error)
        throw new CliError(out.error.code, out.error.message, {
          exitCode: out.exitCode === 1 ? EXIT.FAILED : EXIT.USAGE,
        });
    });
}
