/**
 * Transports without hardware: the in-process transport (copies, failures as
 * ERR_TRANSPORT_FAILED), T=0 response chaining (ISO/IEC 7816-4 §5.3.4: 61xx / 6Cxx), PC/SC
 * error naming and multi-string parsing (pcsc-lite).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  createInProcessTransport,
  pcscErrorName,
  TerminalError,
  TerminalErrorCode,
  transmitWithResponseChaining,
} from '../../src/index.js';
import { parseMultiString } from '../../src/transport/pcsc/client.js';
import { pcscError } from '../../src/transport/pcsc/pcsc-errors.js';

describe('in-process transport', () => {
  it('passes copies both ways', async () => {
    let seen: Uint8Array | undefined;
    const reply = Uint8Array.of(1, 2, 0x90, 0);
    const t = createInProcessTransport(async (c) => {
      seen = c;
      c[0] = 0xff;
      return reply;
    });
    const cmd = Uint8Array.of(0, 0xa4, 4, 0);
    const r = await t.transmit(cmd);
    assert.equal(cmd[0], 0);
    assert.ok(seen);
    r[0] = 9;
    assert.equal(reply[0], 1);
  });

  it('a throwing processor is ERR_TRANSPORT_FAILED; closed is ERR_TRANSPORT_CLOSED', async () => {
    const t = createInProcessTransport(() => {
      throw new Error('x');
    });
    await assert.rejects(
      t.transmit(Uint8Array.of(0, 0, 0, 0)),
      (e: unknown) => e instanceof TerminalError && e.code === TerminalErrorCode.TRANSPORT_FAILED,
    );
    await t.close?.();
    await assert.rejects(
      t.transmit(Uint8Array.of(0, 0, 0, 0)),
      (e: unknown) => e instanceof TerminalError && e.code === TerminalErrorCode.TRANSPORT_CLOSED,
    );
  });
});

describe('T=0 response chaining', () => {
  it('follows 61xx with GET RESPONSE and 6Cxx with the right Le', async () => {
    const sent: string[] = [];
    const card = async (c: Uint8Array): Promise<Uint8Array> => {
      const h = Buffer.from(c).toString('hex').toUpperCase();
      sent.push(h);
      if (h === '00B2010C00') return Uint8Array.of(0x6c, 0x04);
      if (h === '00B2010C04') return Uint8Array.of(0x61, 0x02);
      if (h === '00C0000002') return Uint8Array.of(0xaa, 0xbb, 0x61, 0x01);
      if (h === '00C0000001') return Uint8Array.of(0xcc, 0x90, 0x00);
      return Uint8Array.of(0x6d, 0x00);
    };
    const r = await transmitWithResponseChaining(card, Uint8Array.of(0x00, 0xb2, 0x01, 0x0c, 0x00));
    assert.equal(Buffer.from(r).toString('hex'), 'aabbcc9000');
    assert.deepEqual(sent, ['00B2010C00', '00B2010C04', '00C0000002', '00C0000001']);
  });
});

describe('PC/SC errors', () => {
  it('names pcsc-lite codes, also sign-extended', () => {
    assert.equal(pcscErrorName(0x8010000c), 'SCARD_E_NO_SMARTCARD');
    assert.equal(pcscErrorName(-2146435060), 'SCARD_E_NO_SMARTCARD');
    assert.equal(pcscErrorName(0x80100069), 'SCARD_W_REMOVED_CARD');
    assert.equal(pcscErrorName(0x80109999), 'SCARD_UNKNOWN_0x80109999');
    const e = pcscError('SCardConnect', 0x8010001d);
    assert.equal(e.code, TerminalErrorCode.PCSC_UNAVAILABLE);
    assert.match(e.message, /SCardConnect: SCARD_E_NO_SERVICE \(0x8010001D\)/);
    assert.equal(e.details.pcsc, 'SCARD_E_NO_SERVICE');
  });

  it('splits reader multi-strings', () => {
    const b = Buffer.from('Virtual PCD 00 00\0Virtual PCD 00 01\0\0');
    assert.deepEqual(parseMultiString(b), ['Virtual PCD 00 00', 'Virtual PCD 00 01']);
    assert.deepEqual(parseMultiString(Buffer.from('\0')), []);
  });
});
