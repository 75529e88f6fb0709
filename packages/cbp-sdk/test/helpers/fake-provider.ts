/**
 * A scripted credentials provider for the HCE unit and property tests: no keys, no server,
 * only counters. Each gpoV / generateAcM call consumes one credential and steps the ATC, so a
 * test can prove that an APDU did (or did not) reach the provider.
 */
import { encodeTlv, tlv } from '@openvse/emv';
import type {
  CardOperationResult,
  CredentialsProvider,
  JsonWebKey,
  PublicCard,
} from '../../src/provider/credentials-provider.js';

export const CDOL1 = '9F02069F03069F1A0295055F2A029A039C019F37049F35019F45029F4C089F3403';

export function cardV(over: Partial<PublicCard> = {}): PublicCard {
  return {
    cardId: 'card-v',
    profile: 'V',
    pan: '4895370012345678',
    psn: '00',
    expiry: '2812',
    aid: 'A0000000031010',
    label: 'OPENVSE VISA',
    priority: 1,
    aip: '0080',
    cvmLimit: 5000,
    currency: '0978',
    country: '0250',
    cdcvmResetTimeoutSec: 300,
    kdi: '01',
    replenishBelow: 3,
    ...over,
  };
}

export function cardM(over: Partial<PublicCard> = {}): PublicCard {
  return {
    cardId: 'card-m',
    profile: 'M',
    pan: '5355800012345678',
    psn: '00',
    expiry: '2812',
    aid: 'A0000000041010',
    label: 'OPENVSE MASTERCARD',
    priority: 2,
    aip: '1980',
    cvmLimit: 5000,
    currency: '0978',
    country: '0250',
    cdcvmResetTimeoutSec: 300,
    kdi: '01',
    replenishBelow: 3,
    mobilePin: false,
    afl: '08010100',
    records: [{ sfi: 1, record: 1, data: '700A5A085355800012345678' }],
    cdol1: CDOL1,
    ...over,
  };
}

export class FakeProvider implements CredentialsProvider {
  readonly kind = 'fake';
  atc = new Map<string, number>();
  calls: { op: 'gpoV' | 'generateAcM'; cardId: string; data: Uint8Array; p1?: number }[] = [];
  /** Reason to answer next (default OK). */
  reason = 0;

  async enroll(): Promise<string> {
    return 'a.b.c';
  }
  async processServerMessage(_jwe: string): Promise<{ typ: string; seq: number }> {
    return { typ: 'provision', seq: 1 };
  }
  private step(cardId: string): number {
    const n = (this.atc.get(cardId) ?? 0) + 1;
    this.atc.set(cardId, n);
    return n;
  }
  async gpoV(cardId: string, pdolData: Uint8Array): Promise<CardOperationResult> {
    this.calls.push({ op: 'gpoV', cardId, data: pdolData });
    if (this.reason === 6) return { reason: 6, atc: this.atc.get(cardId) ?? 0, elements: new Uint8Array(0) };
    const atc = this.step(cardId);
    return {
      reason: this.reason,
      atc,
      elements: encodeTlv([
        tlv('82', '0080'),
        tlv('9F36', Uint8Array.of(atc >> 8, atc & 0xff)),
        tlv('9F27', this.reason === 0 ? '80' : '00'),
        tlv('9F26', '0102030405060708'),
      ]),
    };
  }
  async generateAcM(cardId: string, p1: number, cdol1Data: Uint8Array): Promise<CardOperationResult> {
    this.calls.push({ op: 'generateAcM', cardId, data: cdol1Data, p1 });
    if (this.reason === 6) return { reason: 6, atc: this.atc.get(cardId) ?? 0, elements: new Uint8Array(0) };
    const atc = this.step(cardId);
    return {
      reason: this.reason,
      atc,
      elements: encodeTlv([
        tlv('9F27', this.reason === 0 ? '80' : '00'),
        tlv('9F36', Uint8Array.of(atc >> 8, atc & 0xff)),
        tlv('9F26', '0102030405060708'),
      ]),
    };
  }
  async status(_nonce: string): Promise<string> {
    return 'a.e30.c';
  }
  async replenishRequest(): Promise<string> {
    return 'a.e30.c';
  }
  async cardInfo(): Promise<PublicCard[]> {
    return [cardV(), cardM()];
  }
  async wipe(): Promise<void> {}
  async verifyCardholder(): Promise<void> {}
  async forgetCardholderVerification(): Promise<void> {}
  async platformPublicJwk(): Promise<JsonWebKey> {
    return {};
  }
  async signDeviceRequest(method: string, target: string): Promise<string> {
    return `proof.${method}.${target}`;
  }
  async close(): Promise<void> {}
}
