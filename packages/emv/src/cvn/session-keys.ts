/**
 * Key derivation per CVN profile: from the ICC MK_AC to the AC key (EMV Book 2 Annex A1.3;
 * Mastercard SKD; OpenVSE LUK), and from the issuer master keys to both (Annex A1.4).
 */

import { zeroize } from '../codec/bytes.js';
import { toBytes } from '../codec/hex.js';
import { EmvError, EmvErrorCode } from '../errors.js';
import { normalizeAtc } from '../keys/atc.js';
import { deriveIccMk } from '../keys/icc-master-key.js';
import { deriveLuk } from '../keys/luk.js';
import { atcDiversifier, deriveEmvCommonSessionKey } from '../keys/session-key-common.js';
import { deriveMastercardSkd } from '../keys/session-key-mastercard.js';
import type { Bytes, CvnProfile } from './types.js';

/**
 * Transaction values the AC key derivation may need, depending on the profile's `sessionKey`
 * method; a value that method needs and is missing is ERR_BAD_ARGUMENT.
 */
export interface AcKeyContext {
  /** 9F36 ATC (needed by 'emv-csk' and 'mastercard-skd'). */
  atc?: Bytes | number;
  /** 9F37 unpredictable number (needed by 'mastercard-skd'). */
  un?: Bytes;
  /** Account parameters index (needed by 'openvse-luk'). */
  api?: string;
}

/** The AC key for `profile` from the ICC master key (a fresh array; `mk` is not modified). */
export function deriveProfileAcKey(profile: CvnProfile, mk: Bytes, ctx: AcKeyContext): Uint8Array {
  switch (profile.sessionKey) {
    case 'none':
      return deriveNone(mk);
    case 'emv-csk': {
      const r = atcDiversifier(normalizeAtc(required(ctx.atc, 'atc')));
      try {
        return deriveEmvCommonSessionKey(mk, r);
      } finally {
        zeroize(r);
      }
    }
    case 'mastercard-skd':
      return deriveMastercardSkd(mk, required(ctx.atc, 'atc'), required(ctx.un, 'un'));
    case 'openvse-luk':
      return deriveLuk(mk, required(ctx.api, 'api'));
  }
}

/** 'none': the ICC MK is the AC key (a copy, length-checked). */
function deriveNone(mk: Bytes): Uint8Array {
  const k = toBytes(mk, 'mk');
  if (k.length !== 16) {
    k.fill(0);
    throw new EmvError(EmvErrorCode.KEY_LENGTH, `mk: expected a 16-byte key, got ${k.length}`);
  }
  return k;
}

function required<T>(v: T | undefined, what: string): T {
  if (v === undefined || v === null) throw new EmvError(EmvErrorCode.BAD_ARGUMENT, `${what}: missing`);
  return v;
}

/**
 * Issuer-side input of {@link issuerDeriveAcKey}: IMK_AC, PAN and PSN for the ICC master key
 * (EMV Book 2 Annex A1.4), and the {@link AcKeyContext} for the AC key.
 */
export interface IssuerKeyInput extends AcKeyContext {
  /** Issuer master key for application cryptograms (IMK_AC), 16 or 24 bytes (ERR_KEY_LENGTH). */
  imkAc: Bytes;
  /** 12 to 19 decimal digits (ERR_PAN_INVALID). */
  pan: string;
  /** PAN sequence number, two decimal digits (ERR_PSN_INVALID); null or absent means "00". */
  psn?: string | null;
}

/** Issuer side: ICC MK_AC (per the profile's Option A/B), then the AC key. */
export function issuerDeriveAcKey(profile: CvnProfile, input: IssuerKeyInput): Uint8Array {
  const mk = deriveIccMk(input.imkAc, input.pan, input.psn, profile.mkDerivation);
  try {
    return deriveProfileAcKey(profile, mk, input);
  } finally {
    zeroize(mk);
  }
}

/** Issuer side, profile M: SK_MD = CSK(MK_MD, ATC ‖ 00×6) with MK_MD by Option A from IMK_MD. */
export function issuerDeriveMdKey(
  profile: CvnProfile,
  input: { imkMd: Bytes; pan: string; psn?: string | null; atc: Bytes | number },
): Uint8Array {
  if (!profile.mdCryptogram)
    throw new EmvError(EmvErrorCode.UNSUPPORTED_CVN, `${profile.id} has no MD cryptogram`);
  const mk = deriveIccMk(input.imkMd, input.pan, input.psn, profile.mkDerivation);
  const r = atcDiversifier(normalizeAtc(input.atc));
  try {
    return deriveEmvCommonSessionKey(mk, r);
  } finally {
    zeroize(mk, r);
  }
}
