/**
 * Tap fast path (docs/cbp-protocol.md §4 "Crash safety", §5): what a cryptogram consumes (the
 * ATC; profile V's LUK use and amount; profile M's next SUK) is taken from a reservation that
 * was committed durably *ahead* of the tap, so no tap waits for an fsynced commit. The sealed
 * card object carries the reservation's ceilings (`resv`): whatever a crash interrupts, the
 * next TA instance treats every reserved credential as consumed (recoverCard), so none is ever
 * used twice:
 *  - ATCs above the sealed `atc` up to `resv.atc` are skipped, and under a LUK declared lost
 *    (the replenish statement's `lost` ranges, which the server accepts in place of log entries);
 *  - the LUK's use count and cumulative amount jump to the reserved ceilings (fail safe: the card
 *    may decline earlier, never later);
 *  - the unused SUKs up to `resv.atc` are DISCARDED (profile M).
 * A clean close (TA_DestroyEntryPoint) commits the exact state without a reservation, so a
 * restart without a crash loses nothing.
 *
 * Sizes: at most `atcs` ATCs (default 16) ahead, and of the LUK's uses, its amount and the
 * unused SUKs at most a quarter of what is left (at least what the tap at hand needs): a crash
 * costs that much and no more.
 */
import { CbpError, CbpErrorCode } from '@openvse/protocol';
import type { CardState, LukState, Reservation, SukState } from './state.js';
import { HISTORY_MAX } from './state.js';

/** Highest ATC (2 bytes). */
export const ATC_MAX = 0xffff;
/** Most lost ATC ranges a LUK keeps (the oldest ones merge beyond it). */
export const LOST_RANGES_MAX = 256;
/** The share of what is left (uses, amount, SUKs) one reservation takes: a quarter. */
const LEFT_SHARE = 4;

/** How far ahead the core reserves (createCbpCore's `reserve` option). */
export interface ReserveSizes {
  /** ATCs reserved ahead of the current one (1..1000; default 16). */
  atcs: number;
}

/** The default reservation of the TA in V-OS. */
export const DEFAULT_RESERVE: ReserveSizes = { atcs: 16 };

/** What a tap needs from the reservation. */
export interface TapNeed {
  /** The tap approves (profile V: uses a LUK transaction and `amount`). */
  approve: boolean;
  /** Minor units (profile V approvals). */
  amount: number;
}

const share = (left: number): number => Math.max(1, Math.ceil(left / LEFT_SHARE));

/** The next SUK (lowest ATC) and the ones after it that a reservation covers. */
function reservedSuks(suks: SukState[], atcs: number): SukState | undefined {
  if (suks.length === 0) return undefined;
  const n = Math.min(suks.length, atcs, share(suks.length));
  return suks[n - 1];
}

/**
 * The reservation to seal with `c` now: at least `prev` (ceilings never go down while a tap may
 * still be using the previous ones), topped up to the sizes, covering `need` when given.
 */
export function plannedReservation(
  c: CardState,
  prev: Reservation | undefined,
  sizes: ReserveSizes,
  need?: TapNeed,
): Reservation {
  if (c.card.profile === 'M') {
    const last = reservedSuks(c.suks, sizes.atcs);
    return { atc: Math.max(prev?.atc ?? c.atc, last?.atc ?? c.atc, c.atc) };
  }
  const r: Reservation = {
    atc: Math.min(ATC_MAX, Math.max(prev?.atc ?? c.atc, c.atc + sizes.atcs)),
  };
  const l = c.luk;
  if (l) {
    const same = prev?.api === l.api;
    const usesLeft = Math.max(0, l.maxTransactions - l.used);
    const amountLeft = Math.max(0, l.maxAmount - l.usedAmount);
    const wantUses = usesLeft > 0 ? Math.min(sizes.atcs, share(usesLeft)) : 0;
    const wantAmount = Math.min(amountLeft, Math.max(need?.approve ? need.amount : 0, share(amountLeft)));
    r.api = l.api;
    r.uses = Math.max(same ? (prev?.uses ?? 0) : 0, l.used + wantUses);
    r.amount = Math.max(same ? (prev?.amount ?? 0) : 0, l.usedAmount + wantAmount);
  }
  return r;
}

/** True when the sealed reservation `r` covers the next tap of `c` (and `suk` for profile M). */
export function covers(c: CardState, r: Reservation | undefined, need: TapNeed, suk?: SukState): boolean {
  if (!r) return false;
  if (c.card.profile === 'M') return suk === undefined || suk.atc <= r.atc;
  if (c.atc + 1 > r.atc) return false;
  if (!need.approve) return true;
  const l = c.luk;
  if (!l) return true;
  return (
    r.api === l.api &&
    r.uses !== undefined &&
    r.amount !== undefined &&
    l.used + 1 <= r.uses &&
    l.usedAmount + need.amount <= r.amount
  );
}

/** `ranges` with [from, to] added (merged with a touching last range; the oldest merge beyond the cap). */
export function addLostRange(
  ranges: Array<[number, number]>,
  from: number,
  to: number,
): Array<[number, number]> {
  const out = ranges.map((r) => [r[0], r[1]] as [number, number]);
  const last = out[out.length - 1];
  if (last && from <= last[1] + 1) last[1] = Math.max(last[1], to);
  else out.push([from, to]);
  while (out.length > LOST_RANGES_MAX) {
    const [a, b] = [out[0]!, out[1]!];
    out.splice(0, 2, [a[0], b[1]]);
  }
  return out;
}

/** What recovery made of a sealed card that still carried a reservation. */
export interface Recovered {
  card: CardState;
  /** Credential keys of the SUKs discarded (delete them). */
  dropKeys: string[];
  /** The ceilings the sealed copy still holds (nothing left above them). */
  sealed: Reservation | undefined;
}

/**
 * A card as sealed, after a crash if it carries a reservation: everything reserved counts as
 * consumed (see the module comment). Pure and idempotent: the same sealed card always recovers
 * to the same state, whether or not the recovered state was committed before the next crash.
 */
export function recoverCard(sealed: CardState): Recovered {
  const { resv, ...rest } = sealed;
  const c: CardState = rest;
  if (!resv) return { card: c, dropKeys: [], sealed: undefined };
  if (c.card.profile === 'M') {
    const gone = c.suks.filter((s) => s.atc <= resv.atc);
    const history = [...c.history, ...gone.map((s) => ({ atc: s.atc, status: 'DISCARDED' as const }))];
    if (history.length > HISTORY_MAX) history.splice(0, history.length - HISTORY_MAX);
    return {
      card: { ...c, atc: Math.max(c.atc, resv.atc), suks: c.suks.filter((s) => s.atc > resv.atc), history },
      dropKeys: gone.flatMap((s) => [s.umdKeyId, s.mdKeyId]),
      sealed: resv,
    };
  }
  const atc = Math.max(c.atc, resv.atc);
  let luk: LukState | null = c.luk;
  if (luk) {
    const same = resv.api === luk.api;
    luk = {
      ...luk,
      used: same ? Math.max(luk.used, resv.uses ?? 0) : luk.used,
      usedAmount: same ? Math.max(luk.usedAmount, resv.amount ?? 0) : luk.usedAmount,
    };
    if (atc > c.atc) {
      luk.lost = addLostRange(luk.lost ?? [], c.atc + 1, atc);
      luk.firstAtc = luk.firstAtc ?? c.atc + 1;
    }
  }
  return { card: { ...c, atc, luk }, dropKeys: [], sealed: resv };
}

/** ERR_ATC_EXHAUSTED when the card has no ATC left. */
export function checkAtcLeft(c: CardState): void {
  if (c.atc >= ATC_MAX) throw new CbpError(CbpErrorCode.ATC_EXHAUSTED, 'ATC exhausted');
}
