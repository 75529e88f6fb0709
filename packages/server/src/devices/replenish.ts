/**
 * Replenishment (docs/cbp-protocol.md §3 `replenish`; docs/design.md "Profile V": the server
 * checks the proof against its own authorization log before it issues a new LUK).
 *
 * The TA-signed statement is verified (ta-statement.ts). Profile V: the API must name the card's
 * current (not retired) LUK; the proof MAC = ISO 9797-1 MAC algorithm 3, padding method 2, under
 * that outgoing LUK over BCD("0"‖API) ‖ firstATC ‖ lastATC ‖ Σ(ATC ‖ UN ‖ amount n12) must verify;
 * every ATC the server accepted under that API must be inside [firstATC, lastATC] and either in
 * the TA's log with the same UN and amount, or inside one of the `lost` ranges the TA declares
 * (ATCs reserved ahead of taps and lost in a crash, docs/cbp-protocol.md §3; signed with the
 * statement, at most 1000 ranges, each inside [firstATC, lastATC]). Profile M: SUKs the TA
 * reports USED or DISCARDED that the server still holds UNUSED are discarded server-side (they
 * can never be honoured). Only then is the statement accepted (replay and state-counter checks)
 * and new credentials issued; the outgoing LUK is claimed (retired if still current) in the
 * transaction that stores the new one, so that of two concurrent statements naming it, on any
 * server instances, one gets a new LUK and the other ERR_REPLENISH_STALE.
 */
import { equalBytes, hexToBytes } from '@openvse/emv/codec';
import { macIso9797Alg3 } from '@openvse/emv/crypto';
import { issuerDeriveAcKey, openvseProfileV } from '@openvse/emv/cvn';
import { ApiErrorCode, type LukLogEntry, type QueuedMessage, replenishMacData } from '@openvse/protocol';
import type { CardRow } from '../domain/cards.js';
import type { DeviceRow } from '../domain/devices.js';
import { ServerError } from '../errors.js';
import { gateReplenishment } from '../fraud/gate.js';
import type { Services } from '../services.js';
import { keyPan } from '../tokens/digitize.js';
import { requireDevice } from './enrollment.js';
import { issueCredentialsMessage, requireCard } from './provision.js';
import { acceptStatement, type Statement, verifyStatementSignature } from './ta-statement.js';

function invalid(message: string): ServerError {
  return new ServerError(ApiErrorCode.STATEMENT_INVALID, `replenish: ${message}`);
}

const isAtc = (v: unknown): v is number =>
  Number.isInteger(v) && (v as number) >= 0 && (v as number) <= 0xffff;

/** Most lost ATC ranges a statement may declare. */
const MAX_LOST_RANGES = 1000;

function readLog(st: Statement): {
  api: string;
  firstAtc: number;
  lastAtc: number;
  log: LukLogEntry[];
  lost: Array<[number, number]>;
  mac: string;
} {
  const { api, firstAtc, lastAtc, log, lost, mac } = st;
  if (typeof api !== 'string' || !/^[0-9]{7}$/.test(api)) throw invalid('api must be 7 digits');
  if (!isAtc(firstAtc) || !isAtc(lastAtc) || firstAtc > lastAtc) throw invalid('firstAtc/lastAtc invalid');
  if (!Array.isArray(log) || log.length > 1000) throw invalid('log must be an array');
  const entries: LukLogEntry[] = [];
  for (const e of log) {
    const x = e as Record<string, unknown>;
    if (
      typeof x !== 'object' ||
      x === null ||
      !isAtc(x.atc) ||
      typeof x.un !== 'string' ||
      !/^[0-9A-Fa-f]{8}$/.test(x.un) ||
      !Number.isInteger(x.amount) ||
      (x.amount as number) < 0 ||
      (x.amount as number) > 999_999_999_999
    )
      throw invalid('log entry invalid');
    entries.push({ atc: x.atc as number, un: (x.un as string).toUpperCase(), amount: x.amount as number });
  }
  if (typeof mac !== 'string' || !/^[0-9A-Fa-f]{16}$/.test(mac)) throw invalid('mac must be 8 bytes hex');
  const ranges: Array<[number, number]> = [];
  if (lost !== undefined) {
    if (!Array.isArray(lost) || lost.length > MAX_LOST_RANGES) throw invalid('lost must be an array');
    for (const r of lost) {
      const x = r as Record<string, unknown>;
      if (
        typeof x !== 'object' ||
        x === null ||
        !isAtc(x.from) ||
        !isAtc(x.to) ||
        (x.from as number) > (x.to as number) ||
        (x.from as number) < firstAtc ||
        (x.to as number) > lastAtc
      )
        throw invalid('lost range invalid');
      ranges.push([x.from as number, x.to as number]);
    }
  }
  return { api, firstAtc, lastAtc, log: entries, lost: ranges, mac };
}

/** Checks the proof and the log; returns the outgoing API. */
async function checkProfileV(s: Services, card: CardRow, st: Statement): Promise<string> {
  const r = readLog(st);
  const luk = await s.store.getLuk(card.cardId, r.api);
  if (!luk || luk.retiredAt !== null)
    throw new ServerError(ApiErrorCode.REPLENISH_STALE, 'api does not name the current LUK of the card');
  const pan = keyPan(s, card);
  const key = s.keys.withIssuerKeys((k) =>
    issuerDeriveAcKey(openvseProfileV, { imkAc: k.imkAc, pan, psn: card.psn, api: r.api }),
  );
  let mac: Uint8Array | undefined;
  try {
    mac = macIso9797Alg3(key, replenishMacData(r.api, r.firstAtc, r.lastAtc, r.log), 2);
    if (!equalBytes(mac, hexToBytes(r.mac)))
      throw new ServerError(ApiErrorCode.REPLENISH_PROOF_INVALID, 'proof MAC does not verify under the LUK');
  } finally {
    key.fill(0);
    mac?.fill(0);
  }
  const taLog = new Map(r.log.map((e) => [e.atc, e]));
  const lost = (atc: number) => r.lost.some(([from, to]) => atc >= from && atc <= to);
  for (const row of await s.store.ledgerFor(card.cardId, r.api)) {
    const e = taLog.get(row.atc);
    if (
      row.atc < r.firstAtc ||
      row.atc > r.lastAtc ||
      (e ? e.un !== row.un.toUpperCase() || e.amount !== row.amount : !lost(row.atc))
    )
      throw new ServerError(
        ApiErrorCode.REPLENISH_LOG_MISMATCH,
        `the TA log does not match the server's authorization log (ATC ${row.atc})`,
      );
  }
  return r.api;
}

/** Profile M: the ATCs the TA no longer holds as UNUSED. */
function checkProfileM(st: Statement): number[] {
  const creds = st.credentials;
  if (!Array.isArray(creds) || creds.length > 1000) throw invalid('credentials must be an array');
  const gone: number[] = [];
  for (const c of creds) {
    const x = c as Record<string, unknown>;
    if (
      typeof x !== 'object' ||
      x === null ||
      !isAtc(x.atc) ||
      !['USED', 'UNUSED', 'DISCARDED'].includes(String(x.status))
    )
      throw invalid('credential entry invalid');
    if (x.status !== 'UNUSED') gone.push(x.atc as number);
  }
  return gone;
}

/** Checks a `replenish` statement and queues fresh credentials for its card. */
export async function replenish(s: Services, deviceId: string, statement: string): Promise<QueuedMessage> {
  const device = await requireDevice(s, deviceId);
  const st = await verifyStatementSignature(s, device, statement, 'replenish');
  if (typeof st.cardId !== 'string') throw invalid('cardId missing');
  return replenishCard(s, device, st.cardId, statement, st);
}

async function replenishCard(
  s: Services,
  device: DeviceRow,
  cardId: string,
  statement: string,
  st: Statement,
): Promise<QueuedMessage> {
  const card = await requireCard(s, cardId);
  if (card.deviceId !== device.deviceId)
    throw new ServerError(ApiErrorCode.CARD_NOT_FOUND, 'card is not provisioned to this device');
  if (card.status !== 'ACTIVE') throw new ServerError(ApiErrorCode.CARD_STATE, `card is ${card.status}`);
  let discard: number[] = [];
  let outgoing: string | undefined;
  if (card.profile === 'V') outgoing = await checkProfileV(s, card, st);
  else discard = checkProfileM(st);
  await gateReplenishment(s, device, card);
  await acceptStatement(s, device, statement, st);
  if (discard.length > 0) await s.store.discardSuks(card.cardId, discard);
  // Two statements for the same outgoing LUK, decided concurrently (on one instance or several),
  // both get here: the claim of the outgoing LUK in the issuing transaction lets one through.
  const issued = await issueCredentialsMessage(s, device, card, outgoing);
  if (issued) return issued;
  const current = await requireCard(s, cardId);
  if (current.deviceId !== device.deviceId)
    throw new ServerError(ApiErrorCode.CARD_NOT_FOUND, 'card is not provisioned to this device');
  if (current.status !== 'ACTIVE')
    throw new ServerError(ApiErrorCode.CARD_STATE, `card is ${current.status}`);
  throw new ServerError(ApiErrorCode.REPLENISH_STALE, 'api does not name the current LUK of the card');
}
