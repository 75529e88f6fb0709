/**
 * The claims of an attestation statement (docs/attestation.md "Statement format": V-OS version,
 * TA uuid and code hash, device id, protection level, V-Guard verdict, the TA's public keys, the
 * server's nonce and the monotonic state counter). Checked exactly, on creation and on
 * verification, including the honesty rule: a statement cannot claim a level its own evidence
 * does not support (L1/L2 need V-OS in its own process, a confined app and no threat flag; L2
 * also V-OS under an OS user of its own). The root of trust is reported beside the level.
 */
import type { JsonWebKey } from 'node:crypto';
import { isProtectionLevel, isTaUuid, isTaVersion, type ProtectionLevel } from '@openvse/protocol';

/**
 * How the secure world is isolated from the app, as V-OS measured it from outside the app
 * (docs/process-boundary.md "Levels"): `embedded` is a worker inside the app's own process;
 * `process` is V-OS in its own OS process. `appConfined`: the app process runs under Node's
 * permission model with no worker, child-process, addon or WASI grant, no inspector and no read
 * or write access to /proc, and no tracer. `separateUser`: V-OS runs under an OS user other than
 * the app's (and the app is not root), so the kernel refuses ptrace and /proc/<pid>/mem to the app.
 */
export type Isolation = {
  mode: 'embedded' | 'process';
  appConfined: boolean;
  separateUser: boolean;
};

/** The claims of an attestation statement (docs/attestation.md "Statement format"). */
export type AttestationClaims = {
  vosVersion: string;
  deviceId: string;
  ta: { uuid: string; codeSha256: string; version: string };
  protectionLevel: ProtectionLevel;
  /** The measured isolation the level stands on. */
  isolation: Isolation;
  rootOfTrust: { kind: string; hardwareBacked: boolean; anchor: boolean };
  threatFlags: string[];
  guardVerdict?: unknown;
  taPublicKeys?: Record<string, JsonWebKey>;
  nonce: string;
  /** Monotonic V-OS state counter, decimal u64. */
  stateCounter: string;
};

const CLAIMS = new Set([
  'vosVersion',
  'deviceId',
  'ta',
  'protectionLevel',
  'isolation',
  'rootOfTrust',
  'threatFlags',
  'guardVerdict',
  'taPublicKeys',
  'nonce',
  'stateCounter',
]);
const OPTIONAL = new Set(['guardVerdict', 'taPublicKeys']);
const PRIVATE_JWK_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k', 'priv'];
const U64_MAX = 0xffffffffffffffffn;

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isText(v: unknown, max: number): v is string {
  return typeof v === 'string' && v.length > 0 && v.length <= max;
}

function exactKeys(v: Record<string, unknown>, keys: string[]): boolean {
  const own = Object.keys(v);
  return own.length === keys.length && keys.every((k) => Object.hasOwn(v, k));
}

/**
 * The first problem with `value` as attestation claims, or undefined. `extra` names members the
 * caller allows besides the claims (the JWT `iat` when verifying).
 */
export function claimsProblem(value: unknown, extra: readonly string[] = []): string | undefined {
  if (!isObject(value)) return 'claims must be an object';
  for (const k of Object.keys(value)) {
    if (!CLAIMS.has(k) && !extra.includes(k)) return `claim "${k.slice(0, 40)}" is not allowed`;
  }
  for (const k of CLAIMS) if (!OPTIONAL.has(k) && !Object.hasOwn(value, k)) return `claim "${k}" is missing`;
  if (!isText(value.vosVersion, 64)) return 'vosVersion must be a non-empty string';
  if (!isText(value.deviceId, 256)) return 'deviceId must be a non-empty string';
  const ta = value.ta;
  if (!isObject(ta) || !exactKeys(ta, ['uuid', 'codeSha256', 'version']))
    return 'ta must be { uuid, codeSha256, version }';
  if (!isTaUuid(ta.uuid)) return 'ta.uuid must be a lowercase RFC 4122 UUID';
  if (typeof ta.codeSha256 !== 'string' || !/^[0-9a-f]{64}$/.test(ta.codeSha256))
    return 'ta.codeSha256 must be 64 lowercase hex digits';
  if (!isTaVersion(ta.version)) return 'ta.version must be MAJOR.MINOR.PATCH';
  if (!isProtectionLevel(value.protectionLevel)) return 'protectionLevel must be L0, L1 or L2';
  const iso = value.isolation;
  if (
    !isObject(iso) ||
    !exactKeys(iso, ['mode', 'appConfined', 'separateUser']) ||
    (iso.mode !== 'embedded' && iso.mode !== 'process') ||
    typeof iso.appConfined !== 'boolean' ||
    typeof iso.separateUser !== 'boolean'
  )
    return 'isolation must be { mode: embedded | process, appConfined, separateUser }';
  const rot = value.rootOfTrust;
  if (!isObject(rot) || !exactKeys(rot, ['kind', 'hardwareBacked', 'anchor'])) {
    return 'rootOfTrust must be { kind, hardwareBacked, anchor }';
  }
  if (!isText(rot.kind, 64) || typeof rot.hardwareBacked !== 'boolean' || typeof rot.anchor !== 'boolean') {
    return 'rootOfTrust members have the wrong types';
  }
  const flags = value.threatFlags;
  if (!Array.isArray(flags) || flags.length > 256 || !flags.every((f) => isText(f, 128))) {
    return 'threatFlags must be an array of non-empty strings';
  }
  if (Object.hasOwn(value, 'taPublicKeys')) {
    const keys = value.taPublicKeys;
    if (!isObject(keys)) return 'taPublicKeys must be an object';
    for (const [name, jwk] of Object.entries(keys)) {
      if (!isText(name, 64)) return 'taPublicKeys names must be non-empty strings';
      if (!isObject(jwk) || typeof jwk.kty !== 'string') return `taPublicKeys.${name} must be a JWK`;
      if (PRIVATE_JWK_MEMBERS.some((m) => Object.hasOwn(jwk, m)))
        return `taPublicKeys.${name} holds private key material`;
    }
  }
  if (!isText(value.nonce, 512)) return 'nonce must be a non-empty string of at most 512 characters';
  const sc = value.stateCounter;
  if (typeof sc !== 'string' || !/^(0|[1-9][0-9]{0,19})$/.test(sc) || BigInt(sc) > U64_MAX) {
    return 'stateCounter must be a decimal u64 string';
  }
  // Honesty rule (docs/attestation.md "Statement format"; docs/threat-model.md "Protection levels").
  if (value.protectionLevel !== 'L0') {
    if (iso.mode !== 'process') return `${value.protectionLevel} claimed for an embedded secure world`;
    if (iso.appConfined !== true) return `${value.protectionLevel} claimed for an app that is not confined`;
    if (flags.length > 0) return `${value.protectionLevel} claimed with threats flagged`;
  }
  if (value.protectionLevel === 'L2' && iso.separateUser !== true)
    return 'L2 claimed without V-OS under an OS user of its own';
  return undefined;
}
