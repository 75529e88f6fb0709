/**
 * The claims of a server → TA message (docs/cbp-protocol.md §2) and their check against the
 * device: `iss` the CBP server, `aud` this device, `typ` one of the four message types, `seq`
 * strictly above the last applied one, `iat`/`exp` epoch seconds with `exp` not more than 60 s in
 * the past, `jti` present. What remains is the message body. Decryption and signature
 * verification happen before (JOSE on key handles, in the TA's platform); a message that fails
 * any check here changes nothing.
 */
import { CbpError, CbpErrorCode } from '../ta/cbp-errors.js';
import { SERVER_ISSUER } from './typ.js';

/** The four server → TA message types, in the order the docs list them. */
export const MESSAGE_TYPES = ['provision', 'credentials', 'lifecycle', 'policy'] as const;
/** One of {@link MESSAGE_TYPES}. */
export type MessageType = (typeof MESSAGE_TYPES)[number];

/** A message is still accepted while `exp > now − 60 s`. */
export const EXPIRY_LEEWAY_MS = 60_000;

/** The checked claims of a message; `body` is everything but the registered claims. */
export interface MessageClaims {
  typ: MessageType;
  seq: number;
  iat: number;
  exp: number;
  jti: string;
  body: Record<string, unknown>;
}

const invalid = (m: string) => new CbpError(CbpErrorCode.MESSAGE_INVALID, m);

const isInt = (v: unknown, min: number, max: number): v is number =>
  typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;

/**
 * Checks the claims of a verified message against this device, its `lastSeq` and the time.
 * Throws CbpError ERR_MESSAGE_INVALID (shape), ERR_AUDIENCE, ERR_EXPIRED or ERR_REPLAY.
 */
export function checkClaims(
  payload: unknown,
  deviceId: string,
  lastSeq: number,
  nowMs: number,
): MessageClaims {
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload))
    throw invalid('payload is not a JSON object');
  const p = payload as Record<string, unknown>;
  if (p.iss !== SERVER_ISSUER) throw invalid('iss');
  if (!MESSAGE_TYPES.includes(p.typ as MessageType)) throw invalid('typ');
  if (!isInt(p.seq, 1, Number.MAX_SAFE_INTEGER)) throw invalid('seq');
  if (!isInt(p.iat, 0, 1e11) || !isInt(p.exp, 0, 1e11)) throw invalid('iat/exp');
  if (typeof p.jti !== 'string' || p.jti.length === 0 || p.jti.length > 128) throw invalid('jti');
  const aud = p.aud;
  const audOk = aud === deviceId || (Array.isArray(aud) && aud.length === 1 && aud[0] === deviceId);
  if (!audOk) throw new CbpError(CbpErrorCode.AUDIENCE, 'aud is not this device');
  if (!(p.exp * 1000 > nowMs - EXPIRY_LEEWAY_MS)) throw new CbpError(CbpErrorCode.EXPIRED, 'message expired');
  if (p.seq <= lastSeq) throw new CbpError(CbpErrorCode.REPLAY, 'seq is not above lastSeq');
  const { iss: _i, aud: _a, typ, seq, iat, exp, jti, ...body } = p;
  return { typ: typ as MessageType, seq: seq as number, iat: iat as number, exp: exp as number, jti, body };
}
