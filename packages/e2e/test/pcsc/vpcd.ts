/**
 * Shared by the PC/SC suites of this folder (docs/pcsc.md §1–§5): vsmartcard's two vpcd readers,
 * attaching a vicc card (@openvse/cbp-sdk `attachViccCard`, docs/cbp-sdk.md) and connecting the
 * terminal (@openvse/terminal `connectPcsc`) once pcscd has seen it, the cross-process lock on the
 * two vpcd slots, reading opensc-tool's output, and the issuer-side check of a cryptogram with the
 * documented test issuer keys (docs/cbp-sdk.md "Test issuer").
 *
 * The lock: vpcd has exactly two slots (TCP 35963 / 35964) and node --test runs test files in
 * parallel, so every suite that attaches a card holds {@link VpcdSlots} while it does (a Linux
 * abstract-namespace socket: exclusive, released by the kernel when the holder exits, no file to
 * clean up). The suites then run one after the other and never take each other's card.
 */
import { createServer, type Server } from 'node:net';
import { attachViccCard } from '@openvse/cbp-sdk';
import {
  acTransactionDataFromTags,
  getCvnProfile,
  issuerVerifyCryptogram,
  parseTlv,
  parseTlvSingle,
  type TlvNode,
  tlvToMap,
} from '@openvse/emv';
import { connectPcsc, type Outcome, type PcscTransport, TerminalError } from '@openvse/terminal';

/** vpcd's first slot (TCP 35963, docs/pcsc.md §1). */
export const READER_0 = 'Virtual PCD 00 00';
/** vpcd's second slot (TCP 35964). */
export const READER_1 = 'Virtual PCD 00 01';
/** The vicc's address through the quickack loopback route (docs/pcsc.md §4). */
export const QUICKACK_HOST = '127.0.0.2';
/** The documented test issuer's master keys (docs/cbp-sdk.md "Test issuer"), written out on purpose. */
export const DOCUMENTED_IMK_AC = '0123456789ABCDEFFEDCBA9876543210';
export const DOCUMENTED_IMK_MD = 'FEDCBA98765432100123456789ABCDEF';

/** A vpcd port. */
export type VpcdPort = 35963 | 35964;
/** One C-APDU → one R-APDU. */
export type Processor = (capdu: Uint8Array) => Promise<Uint8Array>;

export const readerOf = (port: VpcdPort): string => (port === 35963 ? READER_0 : READER_1);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const LOCK_NAME = '\0openvse-vpcd-slots';

/** Exclusive use of the two vpcd slots across processes (see the file comment). */
export class VpcdSlots {
  private server: Server | undefined;

  /** Waits (up to `timeoutMs`) until no other process holds the slots; idempotent. */
  async hold(timeoutMs = 600_000): Promise<void> {
    if (this.server) return;
    const end = Date.now() + timeoutMs;
    for (;;) {
      const server = createServer();
      const error = await new Promise<NodeJS.ErrnoException | undefined>((resolve) => {
        server.once('error', resolve);
        server.listen(LOCK_NAME, () => resolve(undefined));
      });
      if (!error) {
        server.unref();
        this.server = server;
        return;
      }
      if (error.code !== 'EADDRINUSE') throw error;
      if (Date.now() > end)
        throw new Error(`another process has held the vpcd slots for ${timeoutMs} ms (a PC/SC suite?)`);
      await sleep(200);
    }
  }

  async release(): Promise<void> {
    const s = this.server;
    this.server = undefined;
    if (s) await new Promise<void>((resolve) => s.close(() => resolve()));
  }
}

/**
 * After a vicc leaves, wait until pcscd has seen the card go (it polls the ATR): a new vicc on
 * the same slot before that inherits a stale connection in vpcd and the first exchange fails
 * with SCARD_E_NOT_TRANSACTED.
 */
export async function waitAbsent(reader: string, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    try {
      await (await connectPcsc(reader)).close();
    } catch (e) {
      if (e instanceof TerminalError && e.details.pcsc === 'SCARD_E_NO_SMARTCARD') return;
    }
    await sleep(50);
  }
}

/** pcscd polls the ATR, so a freshly attached card shows up after a moment. */
export async function connectWhenPresent(reader: string, timeoutMs: number): Promise<PcscTransport> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await connectPcsc(reader);
    } catch (e) {
      const name = e instanceof TerminalError ? e.details.pcsc : undefined;
      const retry =
        name === 'SCARD_E_NO_SMARTCARD' ||
        name === 'SCARD_W_REMOVED_CARD' ||
        name === 'SCARD_E_READER_UNAVAILABLE';
      if (!retry || Date.now() > end) throw e;
      await sleep(100);
    }
  }
}

/** Options of {@link withCard}. */
export interface CardOptions {
  host?: string;
  atr?: Uint8Array;
  /** Called when vpcd powers the card off / resets it or the connection drops (a new field). */
  onFieldReset?: () => void;
}

/** Attaches a vicc card, waits until pcscd sees it, connects the terminal; cleans up after. */
export async function withCard<T>(
  port: VpcdPort,
  processApdu: Processor,
  body: (t: PcscTransport) => Promise<T>,
  o: CardOptions = {},
): Promise<T> {
  const reader = readerOf(port);
  const card = attachViccCard({
    host: o.host ?? QUICKACK_HOST,
    port,
    processApdu,
    ...(o.atr ? { atr: o.atr } : {}),
    onEvent: (e) => {
      if (e.type === 'power-off' || e.type === 'reset' || e.type === 'disconnected') o.onFieldReset?.();
    },
  });
  try {
    await card.waitConnected(5000);
    const t = await connectWhenPresent(reader, 5000);
    try {
      return await body(t);
    } finally {
      await t.close();
    }
  } finally {
    await card.close();
    await waitAbsent(reader, 5000);
  }
}

/** opensc-tool's `Received (SW1=0x90, SW2=0x00)` lines, as "9000". */
export function openscStatusWords(stdout: string): string[] {
  return [...stdout.matchAll(/Received \(SW1=0x([0-9A-Fa-f]{2}), SW2=0x([0-9A-Fa-f]{2})\)/g)].map((m) =>
    `${m[1]}${m[2]}`.toUpperCase(),
  );
}

/** The data of opensc-tool's last answer (the hex dump lines after the last "Received"). */
export function openscLastAnswer(stdout: string): Uint8Array {
  const tail = stdout.slice(stdout.lastIndexOf('Received'));
  const bytes: number[] = [];
  for (const line of tail.split('\n').slice(1)) {
    for (const tok of line.trim().split(' ')) {
      if (!/^[0-9A-F]{2}$/.test(tok)) break;
      bytes.push(Number.parseInt(tok, 16));
    }
  }
  return Uint8Array.from(bytes);
}

/** The answer's template 77 and its data objects. */
export function template77(answer: Uint8Array): { tag: string; objects: Map<string, Uint8Array> } {
  const t: TlvNode = parseTlvSingle(answer);
  return { tag: t.tag, objects: tlvToMap(t.children ?? []) };
}

/**
 * The cryptograms of a terminal outcome checked issuer-side with the documented test issuer keys
 * (EMV Book 2 §8.1 key derivation and AC; the profile's CVN from the IAD): the ARQC and, for the
 * M/Chip profile, the MD cryptogram. Independent of the server's own check (POST
 * /v1/authorizations).
 */
export function verifyWithDocumentedKeys(o: Outcome) {
  if (!o.chipData || !o.pan) throw new Error('the outcome carries no chip data / PAN');
  const m = tlvToMap(parseTlv(o.chipData));
  const iad = m.get('9F10');
  const arqc = m.get('9F26');
  if (!iad || !arqc) throw new Error('chip data without 9F10 / 9F26');
  const profile = getCvnProfile(iad[1] === 0x43 ? 'openvse-v' : 'openvse-m');
  const tags: Record<string, Uint8Array> = {};
  for (const [k, v] of m) tags[k] = v;
  return issuerVerifyCryptogram(profile, {
    ...acTransactionDataFromTags(tags),
    imkAc: DOCUMENTED_IMK_AC,
    imkMd: DOCUMENTED_IMK_MD,
    pan: o.pan,
    psn: o.panSequence ?? null,
    arqc,
  });
}
