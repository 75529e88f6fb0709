/**
 * One-line descriptions of command APDUs for traces: the EMV command name (EMV Book 3 §6.5,
 * Book C-2 for Kernel 2 commands, ISO/IEC 7816-4 for the others) and what its parameters mean,
 * then the header bytes. E.g. `SELECT 325041592E5359532E4444463031 "2PAY.SYS.DDF01"
 * [00 A4 04 00 Lc=14 Le=256]`. Never throws: undecodable bytes are described as such.
 */

import { bytesToHex } from '../codec/hex.js';
import { EmvError } from '../errors.js';
import { tagInfo } from '../tlv/tags.js';
import { type CommandApdu, parseCommandApdu } from './command.js';

const NAMES: ReadonlyMap<number, string> = new Map([
  [0x16, 'CARD BLOCK'],
  [0x18, 'APPLICATION UNBLOCK'],
  [0x1e, 'APPLICATION BLOCK'],
  [0x20, 'VERIFY'],
  [0x24, 'PIN CHANGE/UNBLOCK'],
  [0x2a, 'PERFORM SECURITY OPERATION'],
  [0x70, 'MANAGE CHANNEL'],
  [0x82, 'EXTERNAL AUTHENTICATE'],
  [0x84, 'GET CHALLENGE'],
  [0x88, 'INTERNAL AUTHENTICATE'],
  [0xa4, 'SELECT'],
  [0xa8, 'GET PROCESSING OPTIONS'],
  [0xae, 'GENERATE AC'],
  [0xb0, 'READ BINARY'],
  [0xb2, 'READ RECORD'],
  [0xc0, 'GET RESPONSE'],
  [0xca, 'GET DATA'],
  [0xda, 'PUT DATA'],
  [0xdc, 'UPDATE RECORD'],
  [0xea, 'EXCHANGE RELAY RESISTANCE DATA'],
]);

const hx = (b: number) => b.toString(16).toUpperCase().padStart(2, '0');

function text(d: Uint8Array): string | undefined {
  for (const c of d) if (c < 0x20 || c > 0x7e) return undefined;
  return String.fromCharCode(...d); // printable ASCII only, checked above
}

function detail(c: CommandApdu, data: Uint8Array): string {
  switch (c.ins) {
    case 0xa4: {
      const how = c.p1 === 0x04 ? '' : ` P1=${hx(c.p1)}`;
      const next = c.p2 === 0x02 ? ' (next)' : '';
      const t = data.length > 0 ? text(data) : undefined;
      return `${how}${data.length > 0 ? ` ${bytesToHex(data)}` : ''}${t ? ` "${t}"` : ''}${next}`;
    }
    case 0xb2:
      return (c.p2 & 0x07) === 0x04
        ? ` record ${c.p1} of SFI ${c.p2 >> 3}`
        : ` P1=${hx(c.p1)} P2=${hx(c.p2)}`;
    case 0xa8: {
      const header = data[0] !== 0x83 ? 0 : data[1] === 0x81 ? 3 : data[1] === 0x82 ? 4 : 2;
      return header > 0 ? ` PDOL data ${Math.max(0, data.length - header)} bytes` : '';
    }
    case 0xae: {
      const type = ['AAC', 'TC', 'ARQC', 'RFU'][c.p1 >> 6]!;
      return ` ${type}${c.p1 & 0x10 ? '+CDA' : ''}, CDOL data ${data.length} bytes`;
    }
    case 0xca: {
      const tag = c.p1 === 0 ? hx(c.p2) : hx(c.p1) + hx(c.p2);
      const name = tagInfo(tag)?.name;
      return ` ${tag}${name ? ` (${name})` : ''}`;
    }
    default:
      return '';
  }
}

function name(c: CommandApdu): string {
  if (c.ins === 0x2a && (c.cla & 0x80) !== 0) return 'COMPUTE CRYPTOGRAPHIC CHECKSUM';
  return NAMES.get(c.ins) ?? `UNKNOWN INS ${hx(c.ins)}`;
}

/** Names the command and its parameters, e.g. for APDU traces. */
export function describeCommand(c: CommandApdu | Uint8Array): string {
  let cmd: CommandApdu;
  if (c instanceof Uint8Array) {
    try {
      cmd = parseCommandApdu(c);
    } catch (e) {
      const code = e instanceof EmvError ? e.code : 'error';
      return `INVALID APDU (${code}) ${bytesToHex(c)}`;
    }
  } else cmd = c;
  const data = cmd.data ?? new Uint8Array(0);
  const header = [cmd.cla, cmd.ins, cmd.p1, cmd.p2].map(hx).join(' ');
  const lc = data.length > 0 ? ` Lc=${data.length}` : '';
  const le = cmd.le !== undefined ? ` Le=${cmd.le}` : '';
  return `${name(cmd)}${detail(cmd, data)} [${header}${lc}${le}]`;
}
