/**
 * APDU trace: every command the terminal sent and every answer it got, in order, named for a
 * human (ISO/IEC 7816-4 §5 APDUs; EMV Book 3 §6.5 command names; ISO/IEC 7816-4 §5.6 status
 * words; EMV Book 3 Annex A / Books C-2, C-3 tag names). The names come from the emv library's
 * describeCommand / describeSw / describeTlv; a response that is not valid BER-TLV is kept as
 * raw bytes with the parse error.
 */
import { describeCommand, describeSw } from '@openvse/emv/apdu';
import { bytesToHex } from '@openvse/emv/codec';
import { describeTlv, parseTlv } from '@openvse/emv/tlv';

/** One C-APDU / R-APDU exchange of a transaction. */
export interface TraceEntry {
  /** What the kernel was doing: 'SELECT PPSE', 'GPO', 'READ RECORD', 'GENERATE AC', … */
  readonly step: string;
  readonly capdu: Uint8Array;
  /** describeCommand(capdu). */
  readonly command: string;
  /** Absent when the transport failed. */
  readonly rapdu?: Uint8Array;
  readonly sw?: number;
  /** describeSw(sw). */
  readonly swText?: string;
  /** describeTlv of the response data (tag names), when it parses. */
  readonly responseTlv?: string;
  /** Why the response data did not parse as BER-TLV. */
  readonly responseTlvError?: string;
  /** Transport failure message. */
  readonly transportError?: string;
  /** Round trip in milliseconds (transmit call to answer). */
  readonly ms: number;
  /** Kernel 2 tags differ in name from Kernel 3 ones for a few tags. */
  readonly kernel?: 2 | 3;
}

/** The APDU exchanges of a transaction, in order. */
export class ApduTrace {
  readonly entries: TraceEntry[] = [];

  /** Records an exchange; returns the entry. */
  add(
    step: string,
    capdu: Uint8Array,
    result: { rapdu?: Uint8Array; error?: unknown; ms: number; kernel?: 2 | 3 },
  ): TraceEntry {
    const base = {
      step,
      capdu: new Uint8Array(capdu),
      command: describeCommand(capdu),
      ms: result.ms,
      kernel: result.kernel,
    };
    let entry: TraceEntry;
    if (!result.rapdu) {
      entry = {
        ...base,
        transportError: result.error instanceof Error ? result.error.message : String(result.error),
      };
    } else {
      const r = result.rapdu;
      const sw = r.length >= 2 ? (r[r.length - 2]! << 8) | r[r.length - 1]! : undefined;
      const data = r.length >= 2 ? r.subarray(0, r.length - 2) : r;
      let responseTlv: string | undefined;
      let responseTlvError: string | undefined;
      if (data.length > 0) {
        try {
          responseTlv = describeTlv(parseTlv(data), 0, result.kernel ? { kernel: result.kernel } : undefined);
        } catch (e) {
          responseTlvError = e instanceof Error ? e.message : String(e);
        }
      }
      entry = {
        ...base,
        rapdu: new Uint8Array(r),
        sw,
        swText: sw === undefined ? `response of ${r.length} byte(s): no status word` : describeSw(sw),
        responseTlv,
        responseTlvError,
      };
    }
    this.entries.push(entry);
    return entry;
  }

  /** Readable multi-line text of the whole exchange. */
  render(): string {
    return renderTrace(this.entries);
  }

  toJSON(): unknown {
    return this.entries.map((e) => ({
      ...e,
      capdu: bytesToHex(e.capdu),
      rapdu: e.rapdu ? bytesToHex(e.rapdu) : undefined,
    }));
  }
}

function indent(s: string, pad: string): string {
  return s
    .split('\n')
    .map((l) => pad + l)
    .join('\n');
}

/** `→`/`←` lines per exchange, with command name, SW meaning and the response's tags. */
export function renderTrace(entries: readonly TraceEntry[]): string {
  const out: string[] = [];
  entries.forEach((e, i) => {
    out.push(`#${i + 1} ${e.step}`);
    out.push(`  → ${bytesToHex(e.capdu)}`);
    out.push(`    ${e.command}`);
    if (e.transportError !== undefined) {
      out.push(`  ✗ transport error after ${e.ms.toFixed(2)} ms: ${e.transportError}`);
      return;
    }
    out.push(`  ← ${bytesToHex(e.rapdu!)}  (${e.ms.toFixed(2)} ms)`);
    out.push(`    SW ${e.swText}`);
    if (e.responseTlv) out.push(indent(e.responseTlv, '    '));
    if (e.responseTlvError) out.push(`    data is not BER-TLV: ${e.responseTlvError}`);
  });
  return out.join('\n');
}
