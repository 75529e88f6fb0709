/** Shared helpers of the V-Guard link tests. */
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import type { QueuedMessage as ServerMessage } from '@openvse/protocol';

/** PDOL data of profile V (33 bytes, docs/cbp-sdk.md): amount in BCD, EUR, a random UN. */
export function pdolV(amount: number): Uint8Array {
  const hex =
    '36000000' + // 9F66 TTQ
    amount.toString().padStart(12, '0') + // 9F02
    '000000000000' + // 9F03
    '0250' + // 9F1A
    '0000000000' + // 95
    '0978' + // 5F2A
    '261128' + // 9A
    '00' + // 9C
    'A1B2C3D4'; // 9F37
  return Uint8Array.from(Buffer.from(hex, 'hex'));
}

/** SELECT PPSE as a terminal sends it. */
export const SELECT_PPSE = Uint8Array.from(Buffer.from('00A404000E325041592E5359532E444446303100', 'hex'));

export const swOf = (r: Uint8Array): string =>
  Buffer.from(r.subarray(r.length - 2))
    .toString('hex')
    .toUpperCase();

export const policyMessages = (ms: readonly ServerMessage[]): ServerMessage[] =>
  ms.filter((m) => m.typ === 'policy');

/**
 * The tests host the CBP server in the wallet's process, which maps better-sqlite3's native addon:
 * V-Guard rightly reports it (UNEXPECTED_SHARED_OBJECT) unless allowed. A real wallet process
 * does not load it; the demo, which also hosts the server in process, needs the same allowance.
 */
export function inProcessServerLibraries(): string[] {
  const pkg = createRequire(import.meta.url).resolve('better-sqlite3/package.json');
  return [`${dirname(pkg)}/build/Release/`];
}

/**
 * Node 24's test runner starts each test file's process with every option at its default value in
 * execArgv, and on that version `--report-signal=SIGUSR2` alone arms the diagnostic report on
 * SIGUSR2 (`process.report.reportOnSignal` becomes true: a SIGUSR2 really writes a report). V-Guard
 * rightly reports that (DIAGNOSTIC_REPORT_ENABLED). A wallet process started by `node app.js` does
 * not have it, so the clean-run tests put the process back the way such a wallet starts.
 */
export function disarmTestRunnerReportSignal(): void {
  if (process.report?.reportOnSignal) process.report.reportOnSignal = false;
}
