/**
 * Plays the card for the tests with packages/emv (cardGenerateCryptogram): builds field 55-style
 * chip data for OpenVSE profiles V and M and for plain Visa / Mastercard CVNs, so the server has
 * real cryptograms to verify, and checks the ARPC card-side (verifyArpcMethod1/2).
 */
import {
  bytesToHex,
  type CvnProfile,
  cardGenerateCryptogram,
  deriveIccMk,
  deriveProfileAcKey,
  encodeTlv,
  getCvnProfile,
  hexToBytes,
  openvseProfileM,
  openvseProfileV,
  verifyArpcMethod1,
  verifyArpcMethod2,
} from '@openvse/emv';

export interface Tx {
  amount: number;
  currency?: string; // 4 hex digits, e.g. '0978'
  un?: string;
  date?: string;
  country?: string;
  tvr?: string;
  type?: string;
}

export function terminalFields(tx: Tx) {
  return {
    amountAuthorized: String(tx.amount).padStart(12, '0'),
    amountOther: '000000000000',
    terminalCountryCode: tx.country ?? '0250',
    tvr: tx.tvr ?? '0000000000',
    transactionCurrencyCode: tx.currency ?? '0978',
    transactionDate: tx.date ?? '261128',
    transactionType: tx.type ?? '00',
    unpredictableNumber: tx.un ?? 'A1B2C3D4',
  };
}

export interface ChipResult {
  chipData: string;
  arqc: string;
  atc: number;
  un: string;
}

function encodeChip(
  f: ReturnType<typeof terminalFields>,
  aip: string,
  atc: number,
  ac: Uint8Array,
  iad: Uint8Array,
  cid = '80',
  psn = '00',
): string {
  return bytesToHex(
    encodeTlv([
      { tag: '9F26', value: ac },
      { tag: '9F27', value: cid },
      { tag: '9F10', value: iad },
      { tag: '9F37', value: f.unpredictableNumber },
      { tag: '9F36', value: atc.toString(16).padStart(4, '0') },
      { tag: '95', value: f.tvr },
      { tag: '9A', value: f.transactionDate },
      { tag: '9C', value: f.transactionType },
      { tag: '9F02', value: f.amountAuthorized },
      { tag: '5F2A', value: f.transactionCurrencyCode },
      { tag: '82', value: aip },
      { tag: '9F1A', value: f.terminalCountryCode },
      { tag: '9F03', value: f.amountOther },
      { tag: '5F34', value: psn },
    ]),
  );
}

/**
 * Profile V (CVN 0x43) with the LUK the card holds. With `mobilePin` the tap claims CDCVM (CVR
 * byte 1 bit 8) and carries the PIN MAC; `claimCdcvm` alone claims it without one (a forgery).
 */
export function chipV(o: {
  luk: Uint8Array;
  api: string;
  atc: number;
  tx: Tx;
  dki?: number;
  cid?: string;
  mobilePin?: string;
  claimCdcvm?: boolean;
}): ChipResult {
  const f = terminalFields(o.tx);
  const claim = o.mobilePin !== undefined || o.claimCdcvm === true;
  const r = cardGenerateCryptogram(openvseProfileV, {
    ...f,
    aip: '0080',
    atc: o.atc,
    key: o.luk,
    ...(o.mobilePin !== undefined ? { mobilePin: o.mobilePin } : {}),
    iadFields: { dki: o.dki ?? 1, cvr: claim ? '80000000' : '00000000', api: o.api },
  });
  return {
    chipData: encodeChip(f, '0080', o.atc, r.ac, r.iad!, o.cid),
    arqc: bytesToHex(r.ac),
    atc: o.atc,
    un: f.unpredictableNumber,
  };
}

/**
 * Profile M (CVN 0x14) with SUK_UMD (+ mobile PIN) or SK_UMD, and SK_MD. The CVR claims CDCVM
 * (byte 4 bit 1) with a mobile PIN, or with `claimCdcvm`.
 */
export function chipM(o: {
  sukUmd: Uint8Array;
  skMd: Uint8Array;
  atc: number;
  tx: Tx;
  mobilePin?: string;
  claimCdcvm?: boolean;
  idn?: Uint8Array;
}): ChipResult {
  const f = terminalFields(o.tx);
  const cvr = o.mobilePin !== undefined || o.claimCdcvm === true ? 'A00000010000' : 'A00000000000';
  const r = cardGenerateCryptogram(openvseProfileM, {
    ...f,
    aip: '1980',
    atc: o.atc,
    key: o.sukUmd,
    mdKey: o.skMd,
    ...(o.mobilePin ? { mobilePin: o.mobilePin } : {}),
    cvr,
    iadFields: {
      dki: 1,
      cvr,
      dacIdn: o.idn ? o.idn.subarray(0, 2) : '0000',
      counters: '09',
    },
  });
  return {
    chipData: encodeChip(f, '1980', o.atc, r.ac, r.iad!),
    arqc: bytesToHex(r.ac),
    atc: o.atc,
    un: f.unpredictableNumber,
  };
}

const PLAIN_IAD: Record<string, { cvr: string; counters?: string }> = {
  'visa-10': { cvr: '03A00000' },
  'visa-18': { cvr: '03A00000' },
  'visa-22': { cvr: '03A0000000' },
  'mc-16': { cvr: 'A00000000000', counters: '0000000000000000' },
  'mc-17': { cvr: 'A00000000000', counters: '0000000000000000' },
  'mc-20': { cvr: 'A00000000000', counters: '0000000000000000' },
  'mc-21': { cvr: 'A00000000000', counters: '0000000000000000' },
};

/** A plain (non-cloud) card of a Visa / Mastercard CVN, keys from IMK_AC and the PAN. */
export function chipPlain(o: {
  profileId: string;
  imkAc: string;
  pan: string;
  psn?: string;
  atc: number;
  tx: Tx;
}): ChipResult & {
  profile: CvnProfile;
  iccMk: Uint8Array;
} {
  const profile = getCvnProfile(o.profileId);
  const f = terminalFields(o.tx);
  const iccMk = deriveIccMk(o.imkAc, o.pan, o.psn ?? '00', profile.mkDerivation);
  const aip = profile.scheme === 'visa' ? '0080' : '1980';
  const p = PLAIN_IAD[o.profileId]!;
  const r = cardGenerateCryptogram(profile, {
    ...f,
    aip,
    atc: o.atc,
    iccMk,
    iadFields: { dki: 1, cvr: p.cvr, ...(p.counters ? { counters: p.counters } : {}) },
  });
  return {
    chipData: encodeChip(f, aip, o.atc, r.ac, r.iad!, '80', o.psn ?? '00'),
    arqc: bytesToHex(r.ac),
    atc: o.atc,
    un: f.unpredictableNumber,
    profile,
    iccMk,
  };
}

/** The card-side ARPC check for a response's tag 91 value. */
export function cardChecksArpc(
  profile: CvnProfile,
  o: { sessionKey?: Uint8Array; iccMk?: Uint8Array; atc: number; un: string },
  arqc: string,
  iad91: string,
): boolean {
  let key: Uint8Array;
  if (profile.arpc.key === 'icc-mk') key = o.iccMk!;
  else if (o.sessionKey) key = o.sessionKey;
  else key = deriveProfileAcKey(profile, o.iccMk!, { atc: o.atc, un: hexToBytes(o.un) });
  if (profile.arpc.method === 1) return verifyArpcMethod1(key, arqc, iad91.slice(16, 20), iad91.slice(0, 16));
  return verifyArpcMethod2(key, arqc, iad91.slice(8, 16), iad91.slice(0, 8));
}

/** Flips one bit of the cryptogram (9F26 is the first TLV, its value starts at hex offset 6). */
export function alterCryptogram(chipData: string): string {
  const b = hexToBytes(chipData);
  b[3]! ^= 0x01;
  return bytesToHex(b);
}
