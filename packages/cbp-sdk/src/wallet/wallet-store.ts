/**
 * What the wallet keeps outside the TA (docs/cbp-sdk.md "WalletSdk", source of truth): the
 * enrolled device id, the default card, the transaction history and the offline replenishment
 * queue. None of it is secret and none of it
 * is authoritative for credentials: after a restart the card list, the ATCs and the credential
 * counts come back from the TA's signed status and CARD_INFO (the SDK's copy is a cache).
 * `createMemoryStore` for tests and benches, `createFileStore` writes one JSON file atomically
 * (write to a temp file, rename).
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { CardProfileKind } from '@openvse/protocol';

/** What the wallet keeps outside the TA (none of it secret, none of it authoritative). */
export interface WalletState {
  deviceId?: string;
  defaultCardId?: string;
  history: TransactionRecord[];
  /** Card ids whose replenishment is waiting for the server. */
  replenishQueue: string[];
  /**
   * Server messages the TA refused for good (content, expiry, audience): their seq, so the
   * outbox is not replayed at them forever. The TA only accepts seq above its lastSeq, so
   * skipping one never lets an older message in.
   */
  rejectedSeqs?: number[];
}

/** One tap in the wallet's history. */
export interface TransactionRecord {
  time: number;
  cardId: string;
  profile: CardProfileKind;
  amount: number;
  currency: string;
  atc: number;
  cryptogramType: 'ARQC' | 'TC' | 'AAC' | 'NONE';
  outcome: 'ARQC' | 'TC' | 'DECLINED' | 'SEE_PHONE' | 'ERROR';
  reason: number;
  reasonName: string;
}

/** Persistence of the {@link WalletState} (load / save of the whole state). */
export interface WalletStore {
  load(): WalletState;
  save(state: WalletState): void;
}

const empty = (): WalletState => ({ history: [], replenishQueue: [] });

/** A wallet store in memory (tests, benches). */
export function createMemoryStore(initial?: WalletState): WalletStore {
  let s: WalletState = initial ? structuredClone(initial) : empty();
  return {
    load: () => structuredClone(s),
    save: (next) => {
      s = structuredClone(next);
    },
  };
}

/** A wallet store in one JSON file, written atomically (temp file, rename). */
export function createFileStore(path: string): WalletStore {
  return {
    load(): WalletState {
      try {
        const j = JSON.parse(readFileSync(path, 'utf8')) as Partial<WalletState>;
        return {
          ...(typeof j.deviceId === 'string' ? { deviceId: j.deviceId } : {}),
          ...(typeof j.defaultCardId === 'string' ? { defaultCardId: j.defaultCardId } : {}),
          history: Array.isArray(j.history) ? j.history : [],
          replenishQueue: Array.isArray(j.replenishQueue) ? j.replenishQueue : [],
          ...(Array.isArray(j.rejectedSeqs) ? { rejectedSeqs: j.rejectedSeqs } : {}),
        };
      } catch {
        return empty();
      }
    },
    save(state: WalletState): void {
      mkdirSync(dirname(path), { recursive: true });
      const tmp = `${path}.tmp-${process.pid}`;
      writeFileSync(tmp, JSON.stringify(state));
      renameSync(tmp, path);
    },
  };
}
