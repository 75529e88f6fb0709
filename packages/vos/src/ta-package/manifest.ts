/**
 * The TA manifest: what a TA is (uuid, name, version), what it may do (capabilities), and the
 * SHA-256 of its code. It plays the role of OP-TEE's signed sub-header `shdr_bootstrap_ta{uuid,
 * ta_version}` plus the GP TA properties (`gpd.ta.*`, GP TEE Internal Core API §4.5), and it is
 * covered by the bundle signature.
 *
 * Schema checks are exact: unknown members are refused, every member has a fixed type and format,
 * and the encoding is canonical (fixed member order, no whitespace, capabilities sorted, command
 * names sorted), so one manifest has exactly one byte string and a verifier can refuse anything
 * else by re-encoding and comparing.
 */
import { isTaUuid, isTaVersion, VosError } from '@openvse/protocol';
import { isTaCapability } from './capabilities.js';

/**
 * A TA's signed manifest (docs/ta-packages.md "Manifest"): identity, capabilities, code hash,
 * command ids and deadline. Verification refuses unknown members and non-canonical encodings with
 * TEE_ERROR_BAD_FORMAT.
 */
export type TaManifest = {
  /** RFC 4122 UUID, lowercase, e.g. `6e1c2c8a-7b5e-4d1f-9a53-0c1d2e3f4a5b`. */
  uuid: string;
  /** Human-readable name: printable ASCII, 1..64 characters. */
  name: string;
  /** Strict semver MAJOR.MINOR.PATCH. */
  version: string;
  /** Sorted, unique members of TA_CAPABILITIES. */
  capabilities: string[];
  /** Lowercase hex SHA-256 of the code's UTF-8 bytes. */
  codeSha256: string;
  /** Command name → GP command id (u32); names and ids unique. */
  commands?: Record<string, number>;
  /** Per-invoke deadline in milliseconds, 1..600000. */
  timeoutMs?: number;
};

/** The manifest as an author writes it: everything but the code hash, which packing computes. */
export type TaManifestInput = Omit<TaManifest, 'codeSha256'>;

export const MAX_COMMANDS = 256;
export const MAX_TIMEOUT_MS = 600_000;

const NAME = /^[\x21-\x7e][\x20-\x7e]{0,62}[\x21-\x7e]$|^[\x21-\x7e]$/;
const SHA256_HEX = /^[0-9a-f]{64}$/;
const COMMAND_NAME = /^[A-Za-z][A-Za-z0-9_]{0,63}$/;
const MEMBERS = ['uuid', 'name', 'version', 'capabilities', 'codeSha256', 'commands', 'timeoutMs'] as const;
const OPTIONAL: ReadonlySet<string> = new Set(['commands', 'timeoutMs']);

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function isU32(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= 0xffffffff;
}

/**
 * Returns a description of the first schema violation, or undefined when `value` is a valid
 * manifest. `withHash` false checks the author's input form (no codeSha256 allowed).
 */
export function manifestProblem(value: unknown, withHash: boolean): string | undefined {
  if (!isPlainObject(value)) return 'manifest must be a JSON object';
  const allowed = new Set<string>(MEMBERS.filter((m) => withHash || m !== 'codeSha256'));
  for (const key of Object.keys(value)) {
    if (!allowed.has(key)) return `manifest member "${key.slice(0, 40)}" is not allowed`;
  }
  for (const key of allowed) {
    if (!OPTIONAL.has(key) && !Object.hasOwn(value, key)) return `manifest member "${key}" is missing`;
  }
  if (!isTaUuid(value.uuid)) return 'manifest uuid must be a lowercase RFC 4122 UUID';
  if (typeof value.name !== 'string' || !NAME.test(value.name)) {
    return 'manifest name must be 1..64 printable ASCII characters without leading or trailing spaces';
  }
  if (!isTaVersion(value.version)) return 'manifest version must be MAJOR.MINOR.PATCH';
  const caps = value.capabilities;
  if (!Array.isArray(caps)) return 'manifest capabilities must be an array';
  const seen = new Set<string>();
  for (const c of caps) {
    if (!isTaCapability(c)) return `manifest capability ${JSON.stringify(String(c).slice(0, 40))} is unknown`;
    if (seen.has(c)) return `manifest capability "${c}" is listed twice`;
    seen.add(c);
  }
  if (withHash && (typeof value.codeSha256 !== 'string' || !SHA256_HEX.test(value.codeSha256))) {
    return 'manifest codeSha256 must be 64 lowercase hex digits';
  }
  if (Object.hasOwn(value, 'commands')) {
    const cmds = value.commands;
    if (!isPlainObject(cmds)) return 'manifest commands must be an object';
    const names = Object.keys(cmds);
    if (names.length > MAX_COMMANDS) return `manifest commands must have at most ${MAX_COMMANDS} entries`;
    const ids = new Set<number>();
    for (const name of names) {
      if (!COMMAND_NAME.test(name))
        return `manifest command name ${JSON.stringify(name.slice(0, 40))} is invalid`;
      const id = cmds[name];
      if (!isU32(id)) return `manifest command "${name}" must map to a u32 command id`;
      if (ids.has(id)) return `manifest command id ${id} is used twice`;
      ids.add(id);
    }
  }
  if (Object.hasOwn(value, 'timeoutMs')) {
    const t = value.timeoutMs;
    if (typeof t !== 'number' || !Number.isInteger(t) || t < 1 || t > MAX_TIMEOUT_MS) {
      return `manifest timeoutMs must be an integer in 1..${MAX_TIMEOUT_MS}`;
    }
  }
  return undefined;
}

/**
 * A fresh, frozen, normalised copy (capabilities sorted, commands sorted by name) of a manifest
 * that already passed `manifestProblem(value, true)`.
 */
export function normaliseManifest(value: TaManifest): TaManifest {
  const out: TaManifest = {
    uuid: value.uuid,
    name: value.name,
    version: value.version,
    capabilities: Object.freeze([...value.capabilities].sort()) as string[],
    codeSha256: value.codeSha256,
  };
  if (value.commands !== undefined) {
    const entries = Object.entries(value.commands).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    // Object.fromEntries defines own data properties, so no name can reach a prototype setter.
    out.commands = Object.freeze(Object.fromEntries(entries));
  }
  if (value.timeoutMs !== undefined) out.timeoutMs = value.timeoutMs;
  return Object.freeze(out);
}

/** The one canonical byte string of a valid manifest (UTF-8 JSON, fixed order, no whitespace). */
export function encodeManifest(value: TaManifest): Uint8Array {
  // normaliseManifest fixes member order, so JSON.stringify output is canonical.
  return new TextEncoder().encode(JSON.stringify(normaliseManifest(value)));
}

/** Throws VosError with `result` when `value` is not a valid manifest; returns it typed otherwise. */
export function assertManifest(value: unknown, result: number): TaManifest {
  const problem = manifestProblem(value, true);
  if (problem) throw new VosError(result, problem);
  return value as TaManifest;
}
