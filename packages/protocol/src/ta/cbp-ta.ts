/**
 * The CBP Trusted Application's header, in the manner of an OP-TEE TA's `ta/include/*_ta.h`
 * shared by the TA and its client (docs/cbp-protocol.md §4): UUID, name, version, command ids,
 * the exact GP parameter layout of every command, the capabilities its manifest asks for, its
 * deadline and the output capacities callers should give.
 */
import { ParamType, packParamTypes } from '../gp/param-types.js';

/** UUID of the CBP TA (what V-OS installs it under and the attestation names). */
export const CBP_TA_UUID = 'c0bb5e0e-7a11-4c2b-9f3e-0bea7ce0c0de';
/** Name in the CBP TA's manifest. */
export const CBP_TA_NAME = 'openvse-cbp';
/** Version of the CBP TA built from this tree. */
export const CBP_TA_VERSION = '1.0.0';

/** Command ids of TA_InvokeCommandEntryPoint. */
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
/** One of the {@link CbpCommand} ids. */
export type CbpCommand = (typeof CbpCommand)[keyof typeof CbpCommand];

const { VALUE_OUTPUT, VALUE_INOUT, MEMREF_INPUT, MEMREF_OUTPUT } = ParamType;

/**
 * The parameter types each command accepts, exactly (anything else is TEE_ERROR_BAD_PARAMETERS):
 *
 * | command | p0 | p1 | p2 | p3 |
 * |---|---|---|---|---|
 * | ENROLL | memref in JSON `{nonce, serverSigningJwk}` | memref out attestation JWS | | |
 * | PROCESS_MESSAGE | memref in compact JWE | memref out JSON `{typ, cardId?, seq}` | | |
 * | GPO_V | memref in JSON `{cardId}` | memref in PDOL data (33) | value out a=reason b=ATC | memref out elements |
 * | GENAC_M | memref in JSON `{cardId, mobilePin?}` | memref in CDOL1 data | value inout a=P1 → a=reason b=ATC | memref out elements |
 * | STATUS | memref in nonce | memref out status JWS | | |
 * | REPLENISH_REQUEST | memref in cardId | memref out replenish JWS | | |
 * | CARD_INFO | memref out JSON `PublicCard[]` | | | |
 * | WIPE | memref in cardId or `*` | | | |
 * | CDCVM | memref in JSON `{cardId, mobilePin}` (verify) or `{forget: true}` | | | |
 */
export const CbpParamTypes: Readonly<Record<keyof typeof CbpCommand, number>> = Object.freeze({
  ENROLL: packParamTypes(MEMREF_INPUT, MEMREF_OUTPUT),
  PROCESS_MESSAGE: packParamTypes(MEMREF_INPUT, MEMREF_OUTPUT),
  GPO_V: packParamTypes(MEMREF_INPUT, MEMREF_INPUT, VALUE_OUTPUT, MEMREF_OUTPUT),
  GENAC_M: packParamTypes(MEMREF_INPUT, MEMREF_INPUT, VALUE_INOUT, MEMREF_OUTPUT),
  STATUS: packParamTypes(MEMREF_INPUT, MEMREF_OUTPUT),
  REPLENISH_REQUEST: packParamTypes(MEMREF_INPUT, MEMREF_OUTPUT),
  CARD_INFO: packParamTypes(MEMREF_OUTPUT),
  WIPE: packParamTypes(MEMREF_INPUT),
  CDCVM: packParamTypes(MEMREF_INPUT),
});

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

/** Deadline of one call into the CBP TA (ms). */
export const CBP_TA_TIMEOUT_MS = 5000;

/** The CBP TA's manifest as its author writes it (packing adds codeSha256; docs/ta-packages.md). */
export interface CbpTaManifest {
  uuid: string;
  name: string;
  version: string;
  capabilities: string[];
  commands: Record<string, number>;
  timeoutMs: number;
}

/** The manifest of the CBP TA at `version` (default {@link CBP_TA_VERSION}). */
export function cbpTaManifest(version: string = CBP_TA_VERSION): CbpTaManifest {
  return {
    uuid: CBP_TA_UUID,
    name: CBP_TA_NAME,
    version,
    capabilities: [...CBP_TA_CAPABILITIES],
    commands: { ...CbpCommand },
    timeoutMs: CBP_TA_TIMEOUT_MS,
  };
}

/** Output capacities callers should give (the TA answers TEE_ERROR_SHORT_BUFFER otherwise). */
export const CbpOutputSize = {
  ATTESTATION: 16 * 1024,
  MESSAGE_RESULT: 1024,
  ELEMENTS: 512,
  STATEMENT: 128 * 1024,
  CARD_INFO: 256 * 1024,
} as const;
