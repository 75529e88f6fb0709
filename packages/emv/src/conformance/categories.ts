/**
 * Per-category computations for conformance vectors in schema `emv-vectors/1`
 * (test/fixtures/vectors/emv-public.json; docs/emv-cryptography.md §6). Each function takes a
 * vector's `inputs` (plus `__id` and `__description` from the runner) and returns every output
 * field the category defines, as uppercase hex; fields that need an optional input (e.g. an ARPC
 * needs `arc` or `csu`) are returned only when that input is present. The runner compares them with
 * `expected`.
 *
 * Everything is computed with this library's public functions (crypto/, keys/, cryptogram/,
 * cvn/), so a passing vector checks the real code path.
 */

import { latin1Bytes, zeroize } from '../codec/bytes.js';
import { bytesToHex, hexToBytes } from '../codec/hex.js';
import { aesCmac } from '../crypto/cmac.js';
import { keyCheckValue } from '../crypto/kcv.js';
import { macIso9797Alg3 } from '../crypto/mac-iso9797.js';
import type { PaddingMethod } from '../crypto/padding.js';
import { generateAc } from '../cryptogram/application-cryptogram.js';
import { generateArpcMethod1, generateArpcMethod2 } from '../cryptogram/arpc.js';
import { getCvnProfile } from '../cvn/registry.js';
import { deriveProfileAcKey } from '../cvn/session-keys.js';
import { acTransactionDataFromTags } from '../cvn/transaction-data.js';
import type { CvnProfile, CvnProfileId } from '../cvn/types.js';
import { EmvError, EmvErrorCode } from '../errors.js';
import { deriveIccMk, type MkDerivationOption } from '../keys/icc-master-key.js';
import { mixMobilePin } from '../keys/mobile-pin.js';
import { deriveEmvCommonSessionKey } from '../keys/session-key-common.js';
import { deriveMastercardSkd } from '../keys/session-key-mastercard.js';
import { deriveVisaSmSessionKey } from '../keys/session-key-visa-sm.js';

type Inputs = Record<string, unknown>;

/** An input that names an EMV tag (`tag_9f02`, `9F02`) or the CVR / counters of an IAD. */
const TAG_INPUT = /^(?:tag_)?(?:[0-9a-f]{2}|[0-9a-f]{4}|cvr|counters)$/i;
type Outputs = Record<string, string>;

function invalid(message: string): EmvError {
  return new EmvError(EmvErrorCode.VECTOR_FILE_INVALID, message);
}

function has(inputs: Inputs, name: string): boolean {
  return inputs[name] !== undefined && inputs[name] !== null;
}

function str(inputs: Inputs, name: string): string {
  const v = inputs[name];
  if (typeof v !== 'string') throw invalid(`inputs.${name}: expected a string`);
  return v;
}

function optStr(inputs: Inputs, ...names: string[]): string | undefined {
  for (const n of names) if (has(inputs, n)) return str(inputs, n);
  return undefined;
}

function firstStr(inputs: Inputs, ...names: string[]): string {
  const v = optStr(inputs, ...names);
  if (v === undefined) throw invalid(`inputs.${names.join(' | ')}: missing`);
  return v;
}

function psnOf(inputs: Inputs): string | null {
  const v = inputs.psn;
  if (v === undefined || v === null || v === 'none') return null;
  if (typeof v !== 'string') throw invalid('inputs.psn: expected a string or null');
  return v;
}

function paddingOf(inputs: Inputs, fallback?: PaddingMethod): PaddingMethod {
  const v = inputs.padding_method ?? fallback;
  if (v === undefined) throw invalid('inputs.padding_method: missing');
  // Numbers and "1"/"2" are accepted; anything else reaches the MAC and fails there with
  // ERR_PADDING_METHOD.
  return (typeof v === 'string' && /^[12]$/.test(v) ? Number(v) : v) as PaddingMethod;
}

function mkOption(inputs: Inputs, fallback: MkDerivationOption): MkDerivationOption {
  const v = inputs.mk_derivation;
  if (v === undefined || v === null) return fallback;
  if (typeof v !== 'string') throw invalid('inputs.mk_derivation: expected a string');
  const m = /^(?:option[_ -]?)?([ab])$/i.exec(v.trim());
  if (!m) throw invalid(`inputs.mk_derivation: expected option_a or option_b`);
  return m[1]!.toUpperCase() as MkDerivationOption;
}

const kcv = (key: Uint8Array, length: number) => bytesToHex(keyCheckValue(key, { length }));

/** Adds kcv3 / kcv2_hsm (with an optional suffix such as "_mk") for a TDES key. */
function addKcvs(out: Outputs, key: Uint8Array, suffix = ''): void {
  out[`kcv3${suffix}`] = kcv(key, 3);
  out[`kcv2_hsm${suffix}`] = kcv(key, 2);
}

function iccMasterKey(option: MkDerivationOption) {
  return (inputs: Inputs): Outputs => {
    const mk = deriveIccMk(str(inputs, 'imk'), str(inputs, 'pan'), psnOf(inputs), option);
    try {
      const out: Outputs = { icc_mk: bytesToHex(mk) };
      addKcvs(out, mk);
      return out;
    } finally {
      zeroize(mk);
    }
  };
}

function sessionKeyOutputs(sk: Uint8Array, raw: Uint8Array | undefined): Outputs {
  const out: Outputs = { session_key: bytesToHex(sk) };
  if (raw) out.session_key_no_parity_adjust = bytesToHex(raw);
  addKcvs(out, sk);
  return out;
}

function sessionKeyCsk(inputs: Inputs): Outputs {
  const mk = firstStr(inputs, 'icc_mk', 'mk');
  const r = str(inputs, 'r');
  const algorithm = inputs.algorithm === 'aes' ? 'aes' : 'tdes';
  const sk = deriveEmvCommonSessionKey(mk, r, algorithm);
  if (algorithm === 'aes') {
    const out: Outputs = { session_key: bytesToHex(sk) };
    out.kcv3 = bytesToHex(keyCheckValue(sk, { algorithm: 'aes', length: 3 }));
    zeroize(sk);
    return out;
  }
  const raw = deriveEmvCommonSessionKey(mk, r, { parity: 'none' });
  try {
    return sessionKeyOutputs(sk, raw);
  } finally {
    zeroize(sk, raw);
  }
}

function sessionKeyMastercard(inputs: Inputs): Outputs {
  const mk = firstStr(inputs, 'icc_mk', 'mk');
  let atc = optStr(inputs, 'atc');
  let un = optStr(inputs, 'un');
  if (atc === undefined || un === undefined) {
    // R = ATC ‖ 0000 ‖ UN: recover the parts from r when only r is given.
    const r = str(inputs, 'r');
    if (r.length !== 16) throw invalid('inputs.r: expected 8 bytes');
    atc ??= r.slice(0, 4);
    un ??= r.slice(8);
  } else if (has(inputs, 'r') && str(inputs, 'r').toUpperCase() !== `${atc}0000${un}`.toUpperCase()) {
    // Given as well: it must be the R those make, or the vector contradicts itself.
    throw invalid('inputs.r: does not match atc ‖ 0000 ‖ un');
  }
  const sk = deriveMastercardSkd(mk, atc, un);
  const raw = deriveMastercardSkd(mk, atc, un, { parity: 'none' });
  try {
    return sessionKeyOutputs(sk, raw);
  } finally {
    zeroize(sk, raw);
  }
}

function sessionKeyVisaSm(inputs: Inputs): Outputs {
  const mk = firstStr(inputs, 'icc_mk', 'mk');
  const atc = str(inputs, 'atc');
  const sk = deriveVisaSmSessionKey(mk, atc);
  const raw = deriveVisaSmSessionKey(mk, atc, { parity: 'none' });
  try {
    return sessionKeyOutputs(sk, raw);
  } finally {
    zeroize(sk, raw);
  }
}

function macAlg3(inputs: Inputs): Outputs {
  let data: Uint8Array | string;
  const ascii = has(inputs, 'data_ascii')
    ? latin1Bytes(str(inputs, 'data_ascii'), 'inputs.data_ascii')
    : undefined;
  if (has(inputs, 'data')) {
    data = str(inputs, 'data');
    // Given as well: the same bytes, or the vector contradicts itself.
    if (ascii && bytesToHex(ascii) !== data.toUpperCase())
      throw invalid('inputs.data_ascii: not the same bytes as inputs.data');
  } else if (ascii) data = ascii;
  else throw invalid('inputs.data: missing');
  return { mac: bytesToHex(macIso9797Alg3(str(inputs, 'key'), data, paddingOf(inputs))) };
}

/** ARPCs with `key`, named `arpc_m1${suffix}` / `arpc_m2${suffix}`, when arc / csu are given. */
function addArpcs(
  out: Outputs,
  inputs: Inputs,
  key: Uint8Array | string,
  arqc: Uint8Array | string,
  suffix: string,
) {
  const arc = optStr(inputs, 'arc', 'arpc_rc');
  const csu = optStr(inputs, 'csu');
  const pad = optStr(inputs, 'proprietary_auth_data', 'pad');
  if (arc !== undefined) out[`arpc_m1${suffix}`] = bytesToHex(generateArpcMethod1(key, arqc, arc));
  if (csu !== undefined) out[`arpc_m2${suffix}`] = bytesToHex(generateArpcMethod2(key, arqc, csu, pad));
}

function arqcArpcChain(inputs: Inputs): Outputs {
  const mk = deriveIccMk(str(inputs, 'imk'), str(inputs, 'pan'), psnOf(inputs), mkOption(inputs, 'A'));
  const sk = deriveEmvCommonSessionKey(mk, str(inputs, 'r'));
  try {
    const arqc = generateAc({ key: sk, data: str(inputs, 'ac_data'), paddingMethod: paddingOf(inputs) });
    const out: Outputs = { icc_mk: bytesToHex(mk), session_key: bytesToHex(sk), arqc: bytesToHex(arqc) };
    addKcvs(out, mk, '_mk');
    addKcvs(out, sk, '_sk');
    addArpcs(out, inputs, mk, arqc, '_with_icc_mk');
    addArpcs(out, inputs, sk, arqc, '_with_session_key');
    return out;
  } finally {
    zeroize(mk, sk);
  }
}

function arqcOnly(inputs: Inputs): Outputs {
  const key = firstStr(inputs, 'session_key', 'key');
  const arqc = generateAc({ key, data: str(inputs, 'ac_data'), paddingMethod: paddingOf(inputs) });
  return { arqc: bytesToHex(arqc), ac: bytesToHex(arqc) };
}

function arpcOnly(inputs: Inputs): Outputs {
  const key = firstStr(inputs, 'session_key', 'key');
  const out: Outputs = {};
  addArpcs(out, inputs, key, firstStr(inputs, 'arqc', 'tag_9f26'), '');
  return out;
}

const CVN_BY_NAME: Record<string, Record<number, CvnProfileId>> = {
  visa: { 10: 'visa-10', 18: 'visa-18', 22: 'visa-22', 34: 'visa-22' },
  mastercard: { 16: 'mc-16', 17: 'mc-17', 20: 'mc-20', 21: 'mc-21' },
};

function schemeIn(text: string): 'visa' | 'mastercard' | undefined {
  if (/visa/i.test(text)) return 'visa';
  if (/master\s*card|(?:^|[^a-z])mc(?:[^a-z]|$)/i.test(text)) return 'mastercard';
  return undefined;
}

function numberIn(text: string): number | undefined {
  const m =
    /(?:visa|mastercard|mc)[-_ ]?(?:cvn[-_ ]?)?'?(\d{1,3})/i.exec(text) ?? /cvn[-_ ]*'?(\d{1,3})/i.exec(text);
  return m ? Number(m[1]) : undefined;
}

function cvnNumber(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  if (typeof v !== 'string') return undefined;
  const s = v.trim().replace(/^'|'$/g, '');
  if (/^0x[0-9a-f]{1,2}$/i.test(s)) return Number.parseInt(s.slice(2), 16);
  if (/^\d{1,3}$/.test(s)) return Number(s);
  return undefined;
}

/** Picks the CVN profile of a cvn_end_to_end vector from inputs.cvn, else from its id/description. */
export function cvnProfileForVector(inputs: Inputs): CvnProfile {
  const hints = [inputs.__id, inputs.__description].filter((h): h is string => typeof h === 'string');
  const explicit = inputs.cvn_profile ?? inputs.profile ?? inputs.cvn;
  if (typeof explicit === 'string' && /^[a-z]+-[0-9a-z]+$/i.test(explicit) && !/^0x/i.test(explicit)) {
    try {
      return getCvnProfile(explicit.toLowerCase());
    } catch {
      // not an id: fall through to number parsing
    }
  }
  let scheme = typeof inputs.scheme === 'string' ? schemeIn(inputs.scheme) : undefined;
  for (const h of hints) scheme ??= schemeIn(h);
  let n = cvnNumber(explicit);
  for (const h of hints) n ??= numberIn(h);
  if (n === undefined)
    throw invalid('cvn_end_to_end: cannot tell the CVN (no inputs.cvn, id or description)');
  const schemes = scheme ? [scheme] : (['visa', 'mastercard'] as const);
  for (const s of schemes) {
    const id = CVN_BY_NAME[s]![n];
    if (id) return getCvnProfile(id);
  }
  throw new EmvError(EmvErrorCode.UNSUPPORTED_CVN, `cvn_end_to_end: unsupported CVN ${n}`);
}

function cvnEndToEnd(inputs: Inputs): Outputs {
  const profile = cvnProfileForVector(inputs);
  // Only what names a tag (or the CVR / counters) goes to the tag reader: the runner counts an
  // input as known only once a category reads it.
  const tagInputs: Inputs = {};
  for (const k of Object.keys(inputs)) if (TAG_INPUT.test(k)) tagInputs[k] = inputs[k];
  if (!has(tagInputs, 'tag_9f10') && has(inputs, 'iad')) tagInputs.tag_9f10 = inputs.iad;
  const tx = acTransactionDataFromTags(tagInputs);
  const imk = firstStr(inputs, 'imk_ac', 'imk');
  const mk = deriveIccMk(imk, str(inputs, 'pan'), psnOf(inputs), profile.mkDerivation);
  let sk: Uint8Array | undefined;
  try {
    sk = deriveProfileAcKey(profile, mk, {
      atc: tx.atc,
      un: tx.unpredictableNumber,
      api: optStr(inputs, 'api'),
    });
    const data = profile.buildAcData(tx);
    const arqc = generateAc({ key: sk, data, paddingMethod: profile.paddingMethod });
    const out: Outputs = {
      icc_mk_ac: bytesToHex(mk),
      session_key: bytesToHex(sk),
      ac_data: bytesToHex(data),
      arqc: bytesToHex(arqc),
    };
    addKcvs(out, mk, '_mk');
    addKcvs(out, sk, '_sk');
    const arpcKey = profile.arpc.key === 'icc-mk' ? mk : sk;
    const arc = optStr(inputs, 'arc', 'arpc_rc');
    const csu = optStr(inputs, 'csu');
    if (profile.arpc.method === 1 && arc !== undefined) {
      out.arpc_m1 = bytesToHex(generateArpcMethod1(arpcKey, arqc, arc));
      out.arpc = out.arpc_m1;
    }
    if (profile.arpc.method === 2 && csu !== undefined) {
      const pad = optStr(inputs, 'proprietary_auth_data', 'pad');
      out.arpc_m2 = bytesToHex(generateArpcMethod2(arpcKey, arqc, csu, pad));
      out.arpc = out.arpc_m2;
    }
    return out;
  } finally {
    zeroize(mk, sk);
  }
}

function mcbpCryptograms(inputs: Inputs): Outputs {
  const data = firstStr(inputs, 'cryptogram_input', 'ac_data');
  const paddingMethod = paddingOf(inputs, 2);
  const umd = generateAc({ key: str(inputs, 'umd_session_key'), data, paddingMethod });
  const md = generateAc({ key: str(inputs, 'md_session_key'), data, paddingMethod });
  return {
    umd_cryptogram_9F26: bytesToHex(umd),
    umd_cryptogram_9f26: bytesToHex(umd),
    umd_cryptogram: bytesToHex(umd),
    md_cryptogram: bytesToHex(md),
    md_cryptogram_iad: bytesToHex(md.subarray(0, 5)),
  };
}

function mcbpPinMixing(inputs: Inputs): Outputs {
  let pin: Uint8Array | string;
  if (has(inputs, 'mobile_pin_ascii')) pin = hexToBytes(str(inputs, 'mobile_pin_ascii'), 'mobile_pin_ascii');
  else if (has(inputs, 'mobile_pin')) pin = str(inputs, 'mobile_pin');
  else throw invalid('inputs.mobile_pin_ascii: missing');
  const out: Outputs = {};
  if (has(inputs, 'suk_umd')) out.umd_session_key = bytesToHex(mixMobilePin(str(inputs, 'suk_umd'), pin));
  if (has(inputs, 'umd_session_key'))
    out.suk_umd = bytesToHex(mixMobilePin(str(inputs, 'umd_session_key'), pin));
  if (Object.keys(out).length === 0) throw invalid('inputs.suk_umd: missing');
  return out;
}

function aesCmacCategory(inputs: Inputs): Outputs {
  const mac = aesCmac(str(inputs, 'key'), firstStr(inputs, 'message', 'data'));
  return { cmac: bytesToHex(mac), mac: bytesToHex(mac) };
}

/**
 * The computation behind each vector category, by category name: each takes a vector's `inputs`
 * and returns the output fields it defines as upper-case hex. A missing or ill-typed input throws
 * ERR_VECTOR_FILE_INVALID; a failing computation throws its own `ERR_…` code.
 */
export const vectorCategories: Record<string, (inputs: Record<string, unknown>) => Record<string, string>> = {
  icc_master_key_option_a: iccMasterKey('A'),
  icc_master_key_option_b: iccMasterKey('B'),
  session_key_emv_csk: sessionKeyCsk,
  session_key_mastercard_skd: sessionKeyMastercard,
  session_key_visa_sm: sessionKeyVisaSm,
  mac_iso9797_1_alg3: macAlg3,
  arqc_arpc_tdes: arqcArpcChain,
  arqc_tdes: arqcOnly,
  arpc: arpcOnly,
  cvn_end_to_end: cvnEndToEnd,
  aes_cmac: aesCmacCategory,
  mcbp_mchip_cryptograms: mcbpCryptograms,
  mcbp_pin_mixing: mcbpPinMixing,
};
