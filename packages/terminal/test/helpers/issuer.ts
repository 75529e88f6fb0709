/**
 * Issuer-side check of a terminal outcome's chip data (EMV Book 2 §8.1): parse the field-55
 * TLV, pick the OpenVSE CVN profile from the IAD's CVN byte (0x43 profile V, 0x14 profile M),
 * derive the keys from the test issuer master keys and recompute the cryptogram. This is the
 * authorisation host's view: it only sees what the terminal sends.
 */
import {
  acTransactionDataFromTags,
  getCvnProfile,
  type IssuerVerifyResult,
  issuerVerifyCryptogram,
  parseTlv,
  tlvToMap,
} from '@openvse/emv';
import type { Outcome } from '../../src/index.js';
import { TEST_IMK_AC, TEST_IMK_MD } from '../fixtures/test-issuer.js';

export function chipDataMap(outcome: Outcome): Map<string, Uint8Array> {
  if (!outcome.chipData) throw new Error(`outcome ${outcome.type} has no chip data`);
  return tlvToMap(parseTlv(outcome.chipData));
}

export function verifyChipData(outcome: Outcome): IssuerVerifyResult & { profile: string } {
  const m = chipDataMap(outcome);
  const iad = m.get('9F10');
  if (!iad) throw new Error('chip data has no 9F10');
  const profileId = iad[1] === 0x43 ? 'openvse-v' : 'openvse-m';
  const profile = getCvnProfile(profileId);
  const tags: Record<string, Uint8Array> = {};
  for (const [k, v] of m) tags[k] = v;
  const result = issuerVerifyCryptogram(profile, {
    ...acTransactionDataFromTags(tags),
    imkAc: TEST_IMK_AC,
    imkMd: TEST_IMK_MD,
    pan: outcome.pan!,
    psn: outcome.panSequence,
    arqc: m.get('9F26')!,
  });
  return { ...result, profile: profileId };
}
