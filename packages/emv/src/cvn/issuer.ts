/**
 * Issuer side of a CVN profile: derive the keys from the issuer master keys, recompute the
 * ARQC over the data the profile selects, compare in constant time (EMV Book 2 §8.1), and when
 * it is valid produce the ARPC the profile calls for (§8.2). Profile M also checks the MD
 * cryptogram carried in the IAD, so "device OK, wrong mobile PIN" (UMD bad, MD good) can be told
 * apart from a counterfeit (both bad); profile V, given the cardholder's mobile PIN, checks the
 * PIN MAC a CDCVM claim carries in its IAD (AC good, PIN MAC bad: wrong PIN; docs/emv-cryptography.md
 * §4.6). Every derived key is zeroed before returning.
 */

import { equalBytes, zeroize } from '../codec/bytes.js';
import { toBytes } from '../codec/hex.js';
import { generateAc } from '../cryptogram/application-cryptogram.js';
import { generateArpcMethod1, generateArpcMethod2 } from '../cryptogram/arpc.js';
import { EmvError, EmvErrorCode } from '../errors.js';
import { deriveIccMk } from '../keys/icc-master-key.js';
import { openvseVPinMac } from './openvse-v.js';
import { deriveProfileAcKey, issuerDeriveMdKey } from './session-keys.js';
import type { AcTransactionData, Bytes, CvnProfile } from './types.js';

/**
 * Issuer-side input of {@link issuerVerifyCryptogram}: the transaction data as received, the issuer
 * master keys, PAN and PSN, the ARQC, and what the ARPC needs (`arc` for method 1, `csu` for
 * method 2).
 */
export interface IssuerVerifyInput extends AcTransactionData {
  /** IMK_AC. */
  imkAc: Bytes;
  /** IMK_MD (profile M only, where it and `iad` are required: ERR_BAD_ARGUMENT otherwise). */
  imkMd?: Bytes;
  /** 12 to 19 decimal digits (ERR_PAN_INVALID). */
  pan: string;
  /** PAN sequence number, two decimal digits (ERR_PSN_INVALID); null or absent means "00". */
  psn?: string | null;
  /** The cryptogram received in 9F26, 8 bytes (ERR_DATA_LENGTH otherwise). */
  arqc: Bytes;
  /** Profile V: the API; read from the IAD when absent (and must match it when both are given). */
  api?: string;
  /** ARPC method 1: authorisation response code (2 bytes). */
  arc?: Bytes;
  /** ARPC method 2: card status update (4 bytes). */
  csu?: Bytes;
  /** ARPC method 2: proprietary authentication data (0–8 bytes). */
  proprietaryAuthData?: Bytes;
  /**
   * Profile V: the cardholder's mobile PIN, to check the PIN MAC of a CDCVM claim (sets
   * `mobilePinValid`). Ignored by profiles without a PIN MAC.
   */
  mobilePin?: Uint8Array | string;
}

/**
 * Outcome of {@link issuerVerifyCryptogram}: the cryptogram checks and, when all of them pass, the
 * ARPC of EMV Book 2 §8.2 (8 bytes for method 1, 4 for method 2).
 */
export interface IssuerVerifyResult {
  /** True when every cryptogram the profile defines is correct. */
  valid: boolean;
  /** The ARQC/9F26 check alone. */
  acValid: boolean;
  /** Profile M: the MD cryptogram check. */
  mdValid?: boolean;
  /** Profile V with `mobilePin` given: the PIN MAC check (not part of `valid`). */
  mobilePinValid?: boolean;
  /** The ARPC, when the cryptogram is valid and arc (method 1) / csu (method 2) was given. */
  arpc?: Uint8Array;
}

function apiFor(profile: CvnProfile, input: IssuerVerifyInput): { api?: string; mismatch: boolean } {
  if (profile.sessionKey !== 'openvse-luk') return { api: input.api, mismatch: false };
  if (input.iad === undefined) {
    if (input.api === undefined)
      throw new EmvError(EmvErrorCode.BAD_ARGUMENT, 'api: missing (give api or iad)');
    return { api: input.api, mismatch: false };
  }
  const fromIad = profile.parseIad(input.iad).api;
  return { api: fromIad, mismatch: input.api !== undefined && input.api !== fromIad };
}

function requiredIadOf(input: IssuerVerifyInput): Bytes {
  if (input.iad === undefined) throw new EmvError(EmvErrorCode.BAD_ARGUMENT, 'iad: required with mobilePin');
  return input.iad;
}

/** Verifies the ARQC of a transaction under `profile` and computes the ARPC. */
export function issuerVerifyCryptogram(profile: CvnProfile, input: IssuerVerifyInput): IssuerVerifyResult {
  const arqc = toBytes(input.arqc, 'arqc');
  if (arqc.length !== 8) throw new EmvError(EmvErrorCode.DATA_LENGTH, 'arqc: expected 8 bytes');
  if (profile.mdCryptogram && (input.imkMd === undefined || input.iad === undefined))
    throw new EmvError(EmvErrorCode.BAD_ARGUMENT, `${profile.id}: imkMd and iad are required`);
  const { api, mismatch } = apiFor(profile, input);
  const data = profile.buildAcData(input);
  const mk = deriveIccMk(input.imkAc, input.pan, input.psn, profile.mkDerivation);
  let sk: Uint8Array | undefined;
  let skMd: Uint8Array | undefined;
  let expected: Uint8Array | undefined;
  let expectedMd: Uint8Array | undefined;
  try {
    sk = deriveProfileAcKey(profile, mk, { atc: input.atc, un: input.unpredictableNumber, api });
    expected = generateAc({ key: sk, data, paddingMethod: profile.paddingMethod });
    const acValid = equalBytes(expected, arqc) && !mismatch;
    const result: IssuerVerifyResult = { valid: acValid, acValid };
    if (profile.mdCryptogram) {
      skMd = issuerDeriveMdKey(profile, {
        imkMd: input.imkMd!,
        pan: input.pan,
        psn: input.psn,
        atc: input.atc,
      });
      expectedMd = generateAc({ key: skMd, data, paddingMethod: profile.paddingMethod });
      const carried = profile.parseIad(input.iad!).mdCryptogram!;
      result.mdValid = equalBytes(expectedMd.subarray(0, carried.length), carried);
      result.valid = acValid && result.mdValid;
    }
    if (profile.mobilePinMac && input.mobilePin !== undefined) {
      const carried = profile.parseIad(requiredIadOf(input)).mobilePinMac!;
      const pinMac = openvseVPinMac(sk, input.mobilePin, data);
      result.mobilePinValid = equalBytes(pinMac, carried);
      zeroize(pinMac);
    }
    if (result.valid) {
      const arpcKey = profile.arpc.key === 'icc-mk' ? mk : sk;
      if (profile.arpc.method === 1 && input.arc !== undefined)
        result.arpc = generateArpcMethod1(arpcKey, arqc, input.arc);
      if (profile.arpc.method === 2 && input.csu !== undefined)
        result.arpc = generateArpcMethod2(arpcKey, arqc, input.csu, input.proprietaryAuthData);
    }
    return result;
  } finally {
    zeroize(mk, sk, skMd, expected, expectedMd, data);
  }
}
