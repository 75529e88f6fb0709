/**
 * Card side of a CVN profile: build the IAD (tag 9F10) and compute the application cryptogram
 * (tag 9F26) as EMV Book 2 §8.1 and the profile describe, from keys the card already holds
 * (a session key / LUK / SUK, or the ICC MK from which the profile's session key is derived).
 * Profile M additionally computes the MD cryptogram under SK_MD and places its leftmost 5 bytes
 * in the IAD; with a mobile PIN the UMD key is SUK_UMD and the PIN is mixed back in
 * (docs/emv-cryptography.md §4.5); profile V with a mobile PIN claims CDCVM and puts the PIN MAC
 * in its IAD before the AC is computed over it (§4.6). Keys passed in are not modified; derived
 * keys are zeroed.
 */

import { zeroize } from '../codec/bytes.js';
import { toBytes } from '../codec/hex.js';
import { generateAc } from '../cryptogram/application-cryptogram.js';
import { EmvError, EmvErrorCode } from '../errors.js';
import { mixMobilePin } from '../keys/mobile-pin.js';
import { openvseVPinMac } from './openvse-v.js';
import { deriveProfileAcKey } from './session-keys.js';
import type { AcTransactionData, Bytes, CvnProfile, IadFields } from './types.js';

/**
 * Card-side input of {@link cardGenerateCryptogram}: the transaction data and either the AC key
 * itself (`key`) or the ICC MK_AC it is derived from (`iccMk`); giving neither is ERR_BAD_ARGUMENT.
 */
export interface CardCryptogramInput extends AcTransactionData {
  /** The AC key itself: session key, LUK (profile V) or SK_UMD / SUK_UMD (profile M). */
  key?: Bytes;
  /** Alternatively the ICC MK_AC, from which the profile's session key is derived. */
  iccMk?: Bytes;
  /** Profile M: SK_MD. */
  mdKey?: Bytes;
  /**
   * Profile M: `key` is SUK_UMD; mix this PIN in to get SK_UMD (ASCII bytes or text). Profile V:
   * the PIN of a CDCVM claim, for the PIN MAC in the IAD (needs `iadFields`; their CVR should
   * claim CDCVM).
   */
  mobilePin?: Uint8Array | string;
  /** Profile V: the API of the LUK (for key derivation from `iccMk`, and the IAD). */
  api?: string;
  /** When given, the card builds the IAD from these fields (else `iad` is used as given). */
  iadFields?: IadFields;
}

/**
 * What the card answers with: the application cryptogram for tag 9F26, the IAD for tag 9F10 when
 * built or given, and the unpadded data that was MACed.
 */
export interface CardCryptogram {
  /** 9F26 (8 bytes). */
  ac: Uint8Array;
  /** 9F10 as built or as given. */
  iad?: Uint8Array;
  /** Profile M: the full 8-byte MD cryptogram (the IAD carries its leftmost 5 bytes). */
  mdCryptogram?: Uint8Array;
  /** The unpadded data that was MACed. */
  acData: Uint8Array;
}

function acKey(profile: CvnProfile, input: CardCryptogramInput): Uint8Array {
  let k: Uint8Array;
  if (input.key !== undefined) k = toBytes(input.key, 'key');
  else if (input.iccMk !== undefined)
    k = deriveProfileAcKey(profile, input.iccMk, {
      atc: input.atc,
      un: input.unpredictableNumber,
      api: input.api ?? input.iadFields?.api,
    });
  else throw new EmvError(EmvErrorCode.BAD_ARGUMENT, 'key: missing (give key or iccMk)');
  if (input.mobilePin === undefined || profile.mobilePinMac) return k;
  if (!profile.mdCryptogram) {
    zeroize(k);
    throw new EmvError(EmvErrorCode.BAD_ARGUMENT, `mobilePin: ${profile.id} has no mobile PIN`);
  }
  try {
    return mixMobilePin(k, input.mobilePin);
  } finally {
    zeroize(k);
  }
}

/** Computes the card's cryptogram (and IAD) for `profile`. */
export function cardGenerateCryptogram(profile: CvnProfile, input: CardCryptogramInput): CardCryptogram {
  const fields = input.iadFields;
  const cvr = input.cvr ?? fields?.cvr;
  const key = acKey(profile, input);
  let mdKey: Uint8Array | undefined;
  try {
    if (profile.mdCryptogram) {
      if (input.mdKey === undefined)
        throw new EmvError(EmvErrorCode.BAD_ARGUMENT, `mdKey: required by ${profile.id}`);
      mdKey = toBytes(input.mdKey, 'mdKey');
      const acData = profile.buildAcData({ ...input, cvr });
      const ac = generateAc({ key, data: acData, paddingMethod: profile.paddingMethod });
      const md = generateAc({ key: mdKey, data: acData, paddingMethod: profile.paddingMethod });
      const iad = fields
        ? profile.buildIad({ ...fields, mdCryptogram: md })
        : input.iad !== undefined
          ? toBytes(input.iad, 'iad')
          : undefined;
      return { ac, iad, mdCryptogram: md, acData };
    }
    let iad = fields
      ? profile.buildIad(fields)
      : input.iad !== undefined
        ? toBytes(input.iad, 'iad')
        : undefined;
    if (profile.mobilePinMac && input.mobilePin !== undefined) {
      if (!fields) throw new EmvError(EmvErrorCode.BAD_ARGUMENT, 'mobilePin: needs iadFields');
      const pinMac = openvseVPinMac(key, input.mobilePin, profile.buildAcData({ ...input, cvr, iad }));
      iad = profile.buildIad({ ...fields, mobilePinMac: pinMac });
    }
    const acData = profile.buildAcData({ ...input, cvr, iad });
    const ac = generateAc({ key, data: acData, paddingMethod: profile.paddingMethod });
    return { ac, iad, acData };
  } finally {
    zeroize(key, mdKey);
  }
}
