/**
 * The fixed vocabulary of TA capabilities. A TA's signed manifest lists the capabilities it needs;
 * the V-OS runtime builds the TA's SES Compartment globals only from those (docs/design.md "TA compartments",
 * in the spirit of GP TEE Internal Core API §4 property sets and OP-TEE `user_ta_header_defines.h`).
 * A manifest naming anything outside this list is refused at load, so a new power can never be
 * granted by a typo or by a TA author inventing a name.
 */

/** The capability names a TA manifest may list, as a frozen array. */
export const TA_CAPABILITIES = Object.freeze([
  'keys',
  'crypto.tdes',
  'crypto.aes',
  'crypto.ec',
  'crypto.ed25519',
  'crypto.hkdf',
  'crypto.sha',
  'random',
  'clock',
  'storage',
  'counter',
  'attest',
  'log',
  'jose',
] as const);

/** One name of {@link TA_CAPABILITIES}; a manifest listing any other string is refused. */
export type TaCapability = (typeof TA_CAPABILITIES)[number];

const KNOWN: ReadonlySet<string> = new Set(TA_CAPABILITIES);

export function isTaCapability(value: unknown): value is TaCapability {
  return typeof value === 'string' && KNOWN.has(value);
}
