/**
 * The CBP TA's identity and command table (docs/cbp-protocol.md §4), shared by the TA itself
 * (bundled into it) and by its callers (the SDK's VosProvider, tests). No Node imports.
 */

export const CBP_TA_UUID = 'c0bb5e0e-7a11-4c2b-9f3e-0bea7ce0c0de';
export const CBP_TA_NAME = 'openvse-cbp';
export const CBP_TA_VERSION = '1.0.0';

export const CbpCommand = {
  ENROLL: 0x0001,
  PROCESS_MESSAGE: 0x0002,
  GPO_V: 0x0010,
  GENAC_M: 0x0011,
  STATUS: 0x0020,
  REPLENISH_REQUEST: 0x0021,
  CARD_INFO: 0x0022,
  WIPE: 0x0030,
  CDCVM: 0x0031,
} as const;
export type CbpCommand = (typeof CbpCommand)[keyof typeof CbpCommand];

/** The capabilities the CBP TA's manifest asks for (docs/writing-a-ta.md §5). */
export const CBP_TA_CAPABILITIES = [
  'keys',
  'crypto.tdes',
  'crypto.ec',
  'jose',
  'storage',
  'counter',
  'clock',
  'random',
  'attest',
] as const;

/** Deadline of one call into the TA (ms). */
export const CBP_TA_TIMEOUT_MS = 5000;

/** The manifest of the CBP TA (docs/ta-packages.md), without codeSha256 (packTa adds it). */
export function cbpTaManifest(version = CBP_TA_VERSION) {
  return {
    uuid: CBP_TA_UUID,
    name: CBP_TA_NAME,
    version,
    capabilities: [...CBP_TA_CAPABILITIES],
    commands: { ...CbpCommand },
    timeoutMs: CBP_TA_TIMEOUT_MS,
  };
}

/** Output capacities the callers should give (the TA answers TEE_ERROR_SHORT_BUFFER otherwise). */
export const CbpOutputSize = {
  ATTESTATION: 16 * 1024,
  MESSAGE_RESULT: 1024,
  ELEMENTS: 512,
  STATEMENT: 128 * 1024,
  CARD_INFO: 256 * 1024,
} as const;
