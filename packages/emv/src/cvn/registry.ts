/**
 * The CVN profiles this library knows, indexed by id and by (scheme, CVN byte).
 */
import { EmvError, EmvErrorCode } from '../errors.js';
import { mastercardCvn16, mastercardCvn17, mastercardCvn20, mastercardCvn21 } from './mastercard.js';
import { openvseProfileM } from './openvse-m.js';
import { openvseProfileV } from './openvse-v.js';
import type { CvnProfile, CvnProfileId, CvnScheme } from './types.js';
import { visaCvn10, visaCvn18, visaCvn22 } from './visa.js';

/** All profiles by id (iterate with `Object.values(cvnProfiles)`). */
export const cvnProfiles: Readonly<Record<CvnProfileId, CvnProfile>> = Object.freeze({
  'visa-10': visaCvn10,
  'visa-18': visaCvn18,
  'visa-22': visaCvn22,
  'mc-16': mastercardCvn16,
  'mc-17': mastercardCvn17,
  'mc-20': mastercardCvn20,
  'mc-21': mastercardCvn21,
  'openvse-v': openvseProfileV,
  'openvse-m': openvseProfileM,
});

/** The profile with this id; ERR_UNSUPPORTED_CVN for unknown ids. */
export function getCvnProfile(id: string): CvnProfile {
  if (!Object.hasOwn(cvnProfiles, id))
    throw new EmvError(EmvErrorCode.UNSUPPORTED_CVN, `unknown CVN profile "${id}"`);
  return cvnProfiles[id as CvnProfileId];
}

/** The profile for a scheme and CVN byte, or undefined. */
export function findCvnProfile(scheme: CvnScheme, cvn: number): CvnProfile | undefined {
  return Object.values(cvnProfiles).find((p) => p.scheme === scheme && p.cvn === cvn);
}

/** As {@link findCvnProfile}, but throws ERR_UNSUPPORTED_CVN. */
export function getCvnProfileByCvn(scheme: CvnScheme, cvn: number): CvnProfile {
  const p = findCvnProfile(scheme, cvn);
  if (!p)
    throw new EmvError(EmvErrorCode.UNSUPPORTED_CVN, `no ${scheme} profile for CVN 0x${cvn.toString(16)}`);
  return p;
}
