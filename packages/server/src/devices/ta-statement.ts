/**
 * Verifying TA → server statements (docs/cbp-protocol.md §3): a compact JWS, alg ES256 only
 * (RFC 8725 §3.1), header typ `openvse-ta+jwt`, kid = thumbprint of the TA signing key enrolled
 * for the device, payload `typ` as expected, `deviceId` = the device, `iat` fresh, and a
 * decimal u64 `stateCounter`. Then, in this order: an exact replay of an accepted statement is
 * refused (its SHA-256 is kept as a single-use value), and the state counter must not go below
 * the last one seen for the device (the database update is conditional), else
 * ERR_STATE_COUNTER_ROLLBACK (docs/design.md "Rollback").
 */
import { createHash } from 'node:crypto';
import { ApiErrorCode, TA_STATEMENT_TYP } from '@openvse/protocol';
import { type DeviceRow, padCounter } from '../domain/devices.js';
import { ServerError } from '../errors.js';
import type { Services } from '../services.js';
import { verifyPinnedJws } from './pinned-jws.js';

const MAX_SKEW_S = 300;
const U64_MAX = 0xffffffffffffffffn;

/** The claims of a verified statement (the common ones checked, the rest as sent). */
export type Statement = Record<string, unknown> & {
  typ: string;
  deviceId: string;
  iat: number;
  stateCounter: string;
};

function invalid(message: string): ServerError {
  return new ServerError(ApiErrorCode.STATEMENT_INVALID, `statement: ${message}`);
}

/** Verifies the signature and the common claims; does not touch the store. */
export async function verifyStatementSignature(
  s: Services,
  device: DeviceRow,
  jws: string,
  expectedTyp: 'status' | 'replenish',
): Promise<Statement> {
  const v = await verifyPinnedJws(jws, device.taSigJwk, { typ: TA_STATEMENT_TYP, kid: device.taSigKid });
  if ('failure' in v)
    throw invalid(
      {
        signature: 'signature does not verify with the enrolled TA key',
        typ: `header typ must be ${TA_STATEMENT_TYP}`,
        kid: 'kid does not name the enrolled TA signing key',
        json: 'payload is not JSON',
        object: 'payload is not an object',
      }[v.failure],
    );
  const c = v.claims;
  if (c.typ !== expectedTyp) throw invalid(`typ must be ${expectedTyp}`);
  if (c.deviceId !== device.deviceId) throw invalid('deviceId does not match');
  if (typeof c.iat !== 'number' || !Number.isInteger(c.iat)) throw invalid('iat missing');
  const now = Math.floor(s.clock.now() / 1000);
  if (Math.abs(now - c.iat) > MAX_SKEW_S) throw invalid('iat is not fresh');
  const sc = c.stateCounter;
  if (typeof sc !== 'string' || !/^(0|[1-9][0-9]{0,19})$/.test(sc) || BigInt(sc) > U64_MAX)
    throw invalid('stateCounter must be a decimal u64 string');
  return c as Statement;
}

/** Refuses an exact replay and a state counter that goes backwards; records both. */
export async function acceptStatement(
  s: Services,
  device: DeviceRow,
  jws: string,
  st: Statement,
): Promise<void> {
  const current = await s.store.getDevice(device.deviceId);
  const counter = padCounter(st.stateCounter);
  if (!current || counter < current.lastStateCounter)
    throw new ServerError(ApiErrorCode.STATE_COUNTER_ROLLBACK, 'stateCounter went backwards');
  const now = s.clock.now();
  const digest = createHash('sha256').update(jws).digest('base64url');
  if (!(await s.store.insertNonce(`stmt:${digest}`, 'statement', now, now + 2 * MAX_SKEW_S * 1000)))
    throw new ServerError(ApiErrorCode.STATEMENT_REPLAY, 'statement already accepted');
  if (!(await s.store.advanceStateCounter(device.deviceId, counter)))
    throw new ServerError(ApiErrorCode.STATE_COUNTER_ROLLBACK, 'stateCounter went backwards');
}
