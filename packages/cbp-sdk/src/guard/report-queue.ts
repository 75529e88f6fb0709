/**
 * Where signed device reports wait while the server cannot be reached (docs/cbp-protocol.md §6:
 * "Reports made while offline are queued by the SDK and sent in `seq` order"). Shaped like the
 * WalletStore (load / save of one small JSON state). Nothing in it is secret: each entry is a
 * compact JWS that V-OS signed and that only the server it names can use, once (its `seq`).
 * `createMemoryReportQueue` for tests, `createFileReportQueue(path)` writes one JSON file
 * atomically (temp file, rename), next to the wallet store.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { DeviceReportKind } from '@openvse/protocol';

/** A signed device report waiting for the server. */
export interface QueuedDeviceReport {
  kind: DeviceReportKind;
  /** The V-OS sequence number inside the JWS (sent in this order). */
  seq: number;
  /** The compact JWS signed by the V-OS platform identity. */
  report: string;
  /** When it was queued (ms). */
  queuedAt: number;
}

/** Persistence of the unsent device reports (load / save of the whole list). */
export interface ReportQueueStore {
  load(): QueuedDeviceReport[];
  save(items: QueuedDeviceReport[]): void;
}

function valid(x: unknown): x is QueuedDeviceReport {
  if (typeof x !== 'object' || x === null) return false;
  const o = x as Record<string, unknown>;
  return (
    (o.kind === 'threat-report' || o.kind === 'heartbeat') &&
    typeof o.seq === 'number' &&
    Number.isSafeInteger(o.seq) &&
    o.seq > 0 &&
    typeof o.report === 'string' &&
    o.report.split('.').length === 3 &&
    typeof o.queuedAt === 'number'
  );
}

/** A report queue in memory (tests; reports are lost when the process ends). */
export function createMemoryReportQueue(initial: QueuedDeviceReport[] = []): ReportQueueStore {
  let items = structuredClone(initial);
  return {
    load: () => structuredClone(items),
    save: (next) => {
      items = structuredClone(next);
    },
  };
}

/** A report queue in one JSON file, written atomically (temp file, rename). */
export function createFileReportQueue(path: string): ReportQueueStore {
  return {
    load(): QueuedDeviceReport[] {
      try {
        const j = JSON.parse(readFileSync(path, 'utf8')) as { reports?: unknown };
        return Array.isArray(j.reports) ? j.reports.filter(valid) : [];
      } catch {
        return [];
      }
    },
    save(items: QueuedDeviceReport[]): void {
      mkdirSync(dirname(path), { recursive: true });
      const tmp = `${path}.tmp-${process.pid}`;
      writeFileSync(tmp, JSON.stringify({ reports: items }));
      renameSync(tmp, path);
    },
  };
}
