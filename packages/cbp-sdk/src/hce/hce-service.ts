/**
 * HCE card emulation as an APDU processor: the wallet's contactless card as a terminal sees it
 * (ISO/IEC 7816-4 commands; EMV Book 1 §11–12 PPSE/AID selection, EMV Contactless Book B §3.3
 * PPSE FCI, Book C-3 §5 qVSDC GPO for profile V, Book C-2 §5 GPO / READ RECORD / GENERATE AC
 * for profile M; docs/emv-cryptography.md §4.3, §5; docs/cbp-protocol.md §4 response elements).
 *
 * The service holds no key: each cryptogram is one provider call (gpoV / generateAcM). It is
 * a small state machine per field session (idle → selected → gpo-done → done) and answers a
 * status word for everything it does not accept, so that garbage never reaches the provider and
 * never consumes a credential: only a well-formed GPO (profile V) or GENERATE AC (profile M)
 * after a successful SELECT of that card's AID does. Commands are processed one at a time.
 */
import { randomBytes } from 'node:crypto';
import {
  bytesToHex,
  type DolEntry,
  dolLength,
  encodeTlv,
  hexToBytes,
  parseCommandApdu,
  parseDol,
  parseTlv,
  splitDolData,
  type TlvInput,
  tlv,
} from '@openvse/emv';
import { type CardProfileKind, ReasonCode } from '@openvse/protocol';
import {
  type CardOperationResult,
  type CredentialsProvider,
  type PublicCard,
  reasonName,
} from '../provider/credentials-provider.js';
import { SW, sw, withSw } from './status-words.js';

/** The PPSE's DF name (EMV Contactless Book B §3.3.2). */
export const PPSE_NAME = '2PAY.SYS.DDF01';
/** PDOL of profile V (Kernel 3): 9F66 9F02 9F03 9F1A 95 5F2A 9A 9C 9F37 = 33 bytes. */
export const PDOL_V = '9F66049F02069F03069F1A0295055F2A029A039C019F3704';
const PDOL_V_ENTRIES = parseDol(hexToBytes(PDOL_V));
const PDOL_V_LENGTH = dolLength(PDOL_V_ENTRIES);
const PPSE_HEX = bytesToHex(new TextEncoder().encode(PPSE_NAME));

/** The cryptogram a tap produced (CID 9F27 b8-b7), NONE when there was none. */
export type CryptogramType = 'ARQC' | 'TC' | 'AAC' | 'NONE';

/** What the card did in one tap (one GPO for V, one GENERATE AC for M). */
export interface TapEvent {
  cardId: string;
  profile: CardProfileKind;
  /** Minor units, from 9F02. */
  amount: number;
  /** ISO 4217 numeric, 4 hex digits as in 5F2A (e.g. '0978'). */
  currency: string;
  /** ATC of the cryptogram (or the card's ATC when none was made). */
  atc: number;
  cryptogramType: CryptogramType;
  reason: number;
  reasonName: string;
  /**
   * ARQC: an online cryptogram went to the terminal; DECLINED: the card answered an AAC
   * (reasonName says why); SEE_PHONE: verification on the phone needed, nothing consumed;
   * ERROR: the provider failed (nothing to rely on).
   */
  outcome: 'ARQC' | 'TC' | 'DECLINED' | 'SEE_PHONE' | 'ERROR';
  /** Unpredictable number 9F37 (hex). */
  un: string;
  time: number;
  error?: string;
}

/** Options of {@link createHceService}. */
export interface HceServiceOptions {
  provider: CredentialsProvider;
  /** The cards to offer (public data), read at each SELECT. */
  cards: readonly PublicCard[] | (() => readonly PublicCard[]);
  /** Default card id: listed first in the PPSE with priority 1. */
  defaultCardId?: () => string | undefined;
  /** Profile M cards with a mobile PIN: the PIN the user typed for this tap, if any. */
  mobilePin?: (cardId: string) => string | undefined;
  /** Told after each tap, after the R-APDU is built (errors in it are ignored). */
  onTap?: (event: TapEvent) => void;
  /** The card's current ATC for GET DATA 9F36, when the wallet knows it. */
  atcOf?: (cardId: string) => number | undefined;
  clock?: () => number;
  /**
   * Called when a SELECT PPSE arrives (the start of a tap), before it is answered; not awaited
   * (the wallet starts its pre-payment V-Guard scan here). Errors in it are ignored.
   */
  onSelectPpse?: () => void;
  /**
   * When it returns a status word, every C-APDU is answered with it and nothing reaches the
   * provider (the V-Guard `stop_app` reaction: 6985).
   */
  refuse?: () => number | undefined;
}

/** The emulated card: an APDU processor for the wallet's cards. */
export interface HceService {
  /** One C-APDU → one R-APDU (data ‖ SW1 SW2). Never rejects. */
  processApdu(capdu: Uint8Array): Promise<Uint8Array>;
  /** Field off / new tap: forget the selection. */
  reset(): void;
}

type Stage = 'idle' | 'selected' | 'gpo' | 'done';

function kernelId(card: PublicCard): string {
  return card.profile === 'V' ? '03' : '02';
}

function labelHex(card: PublicCard): string {
  return bytesToHex(new TextEncoder().encode(String(card.label ?? '').slice(0, 16)));
}

function bcdToNumber(b: Uint8Array | undefined): number {
  if (!b) return 0;
  const s = bytesToHex(b);
  return /^[0-9]+$/.test(s) ? Number(s) : 0;
}

function cidType(cid: number | undefined): CryptogramType {
  if (cid === undefined) return 'NONE';
  switch (cid & 0xc0) {
    case 0x80:
      return 'ARQC';
    case 0x40:
      return 'TC';
    case 0x00:
      return 'AAC';
    default:
      return 'NONE';
  }
}

function elementsOf(bytes: Uint8Array): Map<string, Uint8Array> {
  const m = new Map<string, Uint8Array>();
  try {
    for (const n of parseTlv(bytes)) if (n.value) m.set(n.tag, n.value);
  } catch {
    // A malformed answer from the provider: the event says NONE.
  }
  return m;
}

/** HCE card emulation over a credentials provider (see the module comment). */
export function createHceService(opts: HceServiceOptions): HceService {
  const { provider } = opts;
  const clock = opts.clock ?? Date.now;
  const listCards = (): readonly PublicCard[] =>
    typeof opts.cards === 'function' ? opts.cards() : opts.cards;
  const lastAtc = new Map<string, number>();

  let stage: Stage = 'idle';
  let current: PublicCard | undefined;
  let chain: Promise<unknown> = Promise.resolve();

  const ordered = (): { card: PublicCard; priority: number }[] => {
    // Suspended cards stay listed: the TA answers their taps with an AAC (reason CARD_SUSPENDED).
    const cards = [...listCards()];
    const def = opts.defaultCardId?.();
    cards.sort((a, b) => {
      if (a.cardId === def) return -1;
      if (b.cardId === def) return 1;
      return (a.priority ?? 99) - (b.priority ?? 99);
    });
    return cards.map((card, i) => ({ card, priority: Math.min(15, i + 1) }));
  };

  const emit = (e: TapEvent): void => {
    if (e.atc >= 0) lastAtc.set(e.cardId, e.atc);
    try {
      opts.onTap?.(e);
    } catch {
      // The wallet's observer must not break the card.
    }
  };

  const selectPpse = (): Uint8Array => {
    stage = 'idle';
    current = undefined;
    const entries = ordered();
    if (entries.length === 0) return sw(SW.FILE_NOT_FOUND);
    return withSw(
      encodeTlv(
        tlv('6F', [
          tlv('84', PPSE_HEX),
          tlv('A5', [
            tlv(
              'BF0C',
              entries.map(({ card, priority }) =>
                tlv('61', [
                  tlv('4F', card.aid),
                  tlv('50', labelHex(card)),
                  tlv('87', Uint8Array.of(priority)),
                  tlv('9F2A', kernelId(card)),
                ]),
              ),
            ),
          ]),
        ]),
      ),
    );
  };

  const selectAid = (aidHex: string): Uint8Array => {
    stage = 'idle';
    current = undefined;
    const match = ordered().find(({ card }) => card.aid.toUpperCase() === aidHex);
    if (!match) return sw(SW.FILE_NOT_FOUND);
    current = match.card;
    stage = 'selected';
    const a5: TlvInput[] = [tlv('50', labelHex(match.card)), tlv('87', Uint8Array.of(match.priority))];
    if (match.card.profile === 'V') a5.push(tlv('9F38', PDOL_V));
    return withSw(encodeTlv(tlv('6F', [tlv('84', match.card.aid), tlv('A5', a5)])));
  };

  /** Command data of a GPO must be template 83 with the PDOL-related data. */
  const gpoData = (data: Uint8Array | undefined, expected: number): Uint8Array | number => {
    if (!data || data.length < 2 || data[0] !== 0x83) return SW.WRONG_DATA;
    const len = data[1]!;
    if (len >= 0x80 || data.length !== 2 + len) return SW.WRONG_LENGTH;
    if (len !== expected) return SW.WRONG_LENGTH;
    return data.subarray(2);
  };

  type TapBase = Pick<TapEvent, 'cardId' | 'profile' | 'amount' | 'currency' | 'un' | 'time'>;

  /** What every tap event of one cryptogram request shares, read from the terminal's DOL data. */
  const tapBase = (card: PublicCard, parts: Map<string, Uint8Array>): TapBase => ({
    cardId: card.cardId,
    profile: card.profile,
    amount: bcdToNumber(parts.get('9F02')),
    currency: bytesToHex(parts.get('5F2A') ?? new Uint8Array(0)),
    un: bytesToHex(parts.get('9F37') ?? new Uint8Array(0)),
    time: clock(),
  });

  /** The provider failed: nothing to rely on, the terminal gets 6F00. */
  const providerFailed = (base: TapBase, e: unknown): Uint8Array => {
    emit({
      ...base,
      atc: -1,
      cryptogramType: 'NONE',
      reason: -1,
      reasonName: 'PROVIDER_ERROR',
      outcome: 'ERROR',
      error: e instanceof Error ? `${(e as { code?: string }).code ?? e.name}: ${e.message}` : String(e),
    });
    return sw(SW.NO_PRECISE_DIAGNOSIS);
  };

  /** The TA made a cryptogram (ARQC, TC or AAC): report it and answer 77{elements}. */
  const cryptogramAnswer = (base: TapBase, r: CardOperationResult): Uint8Array => {
    const type = cidType(elementsOf(r.elements).get('9F27')?.[0]);
    emit({
      ...base,
      atc: r.atc,
      cryptogramType: type,
      reason: r.reason,
      reasonName: reasonName(r.reason),
      outcome: type === 'ARQC' ? 'ARQC' : type === 'TC' ? 'TC' : 'DECLINED',
    });
    return wrap77(r.elements);
  };

  const gpo = async (p1: number, p2: number, data: Uint8Array | undefined): Promise<Uint8Array> => {
    if (p1 !== 0 || p2 !== 0) return sw(SW.WRONG_P1P2);
    if (stage !== 'selected' || !current) return sw(SW.CONDITIONS_NOT_SATISFIED);
    const card = current;
    if (card.profile === 'M') {
      const v = gpoData(data, 0);
      if (typeof v === 'number') return sw(v);
      stage = 'gpo';
      return withSw(encodeTlv(tlv('77', [tlv('82', card.aip), tlv('94', card.afl ?? '')])));
    }
    const v = gpoData(data, PDOL_V_LENGTH);
    if (typeof v === 'number') return sw(v);
    const pdol = new Uint8Array(v);
    stage = 'done';
    const parts = splitDolData(PDOL_V_ENTRIES, pdol);
    const base = tapBase(card, parts);
    let r: CardOperationResult;
    try {
      r = await provider.gpoV(card.cardId, pdol);
    } catch (e) {
      return providerFailed(base, e);
    }
    if (r.reason === ReasonCode.CDCVM_REQUIRED) {
      stage = 'selected';
      emit({
        ...base,
        atc: r.atc,
        cryptogramType: 'NONE',
        reason: r.reason,
        reasonName: reasonName(r.reason),
        outcome: 'SEE_PHONE',
      });
      return sw(SW.SEE_PHONE);
    }
    return cryptogramAnswer(base, r);
  };

  const readRecord = (p1: number, p2: number): Uint8Array => {
    if (p1 === 0 || (p2 & 0x07) !== 0x04 || p2 >> 3 === 0) return sw(SW.WRONG_P1P2);
    if ((stage !== 'gpo' && stage !== 'done') || !current) return sw(SW.CONDITIONS_NOT_SATISFIED);
    const sfi = p2 >> 3;
    const rec = (current.records ?? []).find((r) => r.sfi === sfi && r.record === p1);
    if (!rec) return sw(SW.RECORD_NOT_FOUND);
    return withSw(hexToBytes(rec.data));
  };

  const cdolOf = (card: PublicCard): DolEntry[] => parseDol(hexToBytes(card.cdol1 ?? ''));

  const generateAc = async (p1: number, p2: number, data: Uint8Array | undefined): Promise<Uint8Array> => {
    if (p2 !== 0 || (p1 & 0xc0) === 0xc0 || (p1 & 0x2f) !== 0) return sw(SW.WRONG_P1P2);
    if (stage !== 'gpo' || !current || current.profile !== 'M') return sw(SW.CONDITIONS_NOT_SATISFIED);
    const card = current;
    const cdol = cdolOf(card);
    if (!data || data.length !== dolLength(cdol)) return sw(SW.WRONG_LENGTH);
    const cdata = new Uint8Array(data);
    stage = 'done';
    const parts = splitDolData(cdol, cdata);
    const base = tapBase(card, parts);
    let r: CardOperationResult;
    try {
      const pin = card.mobilePin ? opts.mobilePin?.(card.cardId) : undefined;
      r = await provider.generateAcM(card.cardId, p1, cdata, pin);
    } catch (e) {
      return providerFailed(base, e);
    }
    if (r.reason === ReasonCode.CDCVM_REQUIRED) {
      emit({
        ...base,
        atc: r.atc,
        cryptogramType: 'NONE',
        reason: r.reason,
        reasonName: reasonName(r.reason),
        outcome: 'SEE_PHONE',
      });
      // Kernel 2 has no "see phone" status word (a 6986 to GENERATE AC ends the application):
      // M/Chip says it with an AAC whose POSCII (DF4B) asks to see the phone. The TA made no
      // cryptogram, so this AAC is random bytes: it proves nothing and leaks nothing.
      return wrap77(seePhoneAacM(card, r.atc));
    }
    return cryptogramAnswer(base, r);
  };

  const getData = (p1: number, p2: number): Uint8Array => {
    if (stage === 'idle' || !current) return sw(SW.CONDITIONS_NOT_SATISFIED);
    const tag = ((p1 << 8) | p2).toString(16).toUpperCase().padStart(4, '0');
    if (tag === '9F36') {
      const atc = opts.atcOf?.(current.cardId) ?? lastAtc.get(current.cardId);
      if (atc === undefined || atc < 0) return sw(SW.REFERENCED_DATA_NOT_FOUND);
      return withSw(encodeTlv(tlv('9F36', Uint8Array.of((atc >> 8) & 0xff, atc & 0xff))));
    }
    if (tag === '9F6E' && current.profile === 'V') return withSw(encodeTlv(tlv('9F6E', '20700000')));
    return sw(SW.REFERENCED_DATA_NOT_FOUND);
  };

  const handle = async (capdu: Uint8Array): Promise<Uint8Array> => {
    const refused = opts.refuse?.();
    if (refused !== undefined) {
      stage = 'idle';
      current = undefined;
      return sw(refused);
    }
    if (!(capdu instanceof Uint8Array) || capdu.length < 4) return sw(SW.WRONG_LENGTH);
    const cla = capdu[0]!;
    const ins = capdu[1]!;
    if (cla !== 0x00 && cla !== 0x80) return sw(SW.CLA_NOT_SUPPORTED);
    const wantCla: Record<number, number> = { 164: 0x00, 178: 0x00, 168: 0x80, 174: 0x80, 202: 0x80 };
    const need = wantCla[ins];
    if (need === undefined) return sw(SW.INS_NOT_SUPPORTED);
    if (need !== cla) return sw(SW.CLA_NOT_SUPPORTED);
    // A SELECT that is not accepted leaves no application selected (no half-selected state).
    if (ins === 0xa4) {
      stage = 'idle';
      current = undefined;
    }
    let c: ReturnType<typeof parseCommandApdu>;
    try {
      c = parseCommandApdu(capdu);
    } catch {
      return sw(SW.WRONG_LENGTH);
    }
    switch (ins) {
      case 0xa4: {
        if (c.p1 !== 0x04 || c.p2 !== 0x00) return sw(SW.WRONG_P1P2);
        if (!c.data || c.data.length < 5 || c.data.length > 16) {
          return sw(c.data && c.data.length > 0 ? SW.FILE_NOT_FOUND : SW.WRONG_LENGTH);
        }
        const name = bytesToHex(c.data);
        if (name === PPSE_HEX && opts.onSelectPpse) {
          try {
            opts.onSelectPpse();
          } catch {
            // The wallet's hook must not break the card.
          }
        }
        return name === PPSE_HEX ? selectPpse() : selectAid(name);
      }
      case 0xa8:
        return gpo(c.p1, c.p2, c.data);
      case 0xb2:
        return readRecord(c.p1, c.p2);
      case 0xae:
        return generateAc(c.p1, c.p2, c.data);
      case 0xca:
        return getData(c.p1, c.p2);
      default:
        return sw(SW.INS_NOT_SUPPORTED);
    }
  };

  return {
    processApdu(capdu: Uint8Array): Promise<Uint8Array> {
      const run = chain.then(
        () => handle(capdu),
        () => handle(capdu),
      );
      chain = run.catch(() => {});
      return run.catch(() => sw(SW.NO_PRECISE_DIAGNOSIS));
    },
    reset(): void {
      stage = 'idle';
      current = undefined;
    },
  };
}

/**
 * Profile M "see phone" answer (EMV Contactless Book C-2, POS Cardholder Interaction
 * Information): CID AAC, the card's ATC, a random 8-byte AC, an IAD in the CVN 0x14 layout of
 * docs/cbp-protocol.md §4 (CVR byte 1 `80` AAC, byte 5 = reason 6, random MD bytes) and
 * DF4B `00 01 00` ("see phone"). Made by the SDK without any key.
 */
export function seePhoneAacM(card: PublicCard, atc: number): Uint8Array {
  const iad = new Uint8Array(18);
  iad[0] = Number.parseInt(card.kdi ?? '01', 16) & 0xff;
  iad[1] = 0x14;
  iad[2] = 0x80;
  iad[6] = ReasonCode.CDCVM_REQUIRED;
  iad.set(randomBytes(5), 11);
  return encodeTlv([
    tlv('9F27', '00'),
    tlv('9F36', Uint8Array.of((atc >> 8) & 0xff, atc & 0xff)),
    tlv('9F26', new Uint8Array(randomBytes(8))),
    tlv('9F10', iad),
    tlv('DF4B', '000100'),
  ]);
}

function wrap77(elements: Uint8Array): Uint8Array {
  // 77 is constructed: its value is the elements as they are.
  const lenBytes =
    elements.length < 0x80
      ? Uint8Array.of(elements.length)
      : elements.length < 0x100
        ? Uint8Array.of(0x81, elements.length)
        : Uint8Array.of(0x82, elements.length >> 8, elements.length & 0xff);
  const out = new Uint8Array(1 + lenBytes.length + elements.length + 2);
  out[0] = 0x77;
  out.set(lenBytes, 1);
  out.set(elements, 1 + lenBytes.length);
  out[out.length - 2] = 0x90;
  out[out.length - 1] = 0x00;
  return out;
}
