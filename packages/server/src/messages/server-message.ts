/**
 * Server → TA messages (docs/cbp-protocol.md §2; docs/design.md "Server ↔ TA messages"): a compact
 * JWS (ES256, kid = RFC 7638 thumbprint of the server signing key, typ `openvse-cbp+jwt`) over
 * the claims iss, aud = deviceId, typ, seq, iat, exp, jti and the message body, nested in a
 * compact JWE (ECDH-ES+A256KW / A256GCM, cty JWT, kid = thumbprint of the TA encryption key).
 * Built with jose only.
 */
import { randomUUID } from 'node:crypto';
import { CompactEncrypt, importJWK, type JWK, SignJWT } from 'jose';
import type { KeyStore } from '../keys/key-store.js';
import type { DeviceRow } from '../storage/store.js';

export const SERVER_ISSUER = 'openvse-cbp-server';
export const SERVER_MESSAGE_TYP = 'openvse-cbp+jwt';
export type ServerMessageType = 'provision' | 'credentials' | 'lifecycle' | 'policy';

export interface SealedMessage {
  jwe: string;
  jti: string;
  iat: number;
  exp: number;
}

export async function sealServerMessage(
  keys: KeyStore,
  device: DeviceRow,
  typ: ServerMessageType,
  seq: number,
  body: Record<string, unknown>,
  nowMs: number,
  ttlSeconds: number,
): Promise<SealedMessage> {
  const iat = Math.floor(nowMs / 1000);
  const exp = iat + ttlSeconds;
  const jti = randomUUID();
  const jws = await new SignJWT({ ...body, typ, seq })
    .setProtectedHeader({ alg: 'ES256', kid: keys.signingKid, typ: SERVER_MESSAGE_TYP })
    .setIssuer(SERVER_ISSUER)
    .setAudience(device.deviceId)
    .setIssuedAt(iat)
    .setExpirationTime(exp)
    .setJti(jti)
    .sign(keys.signingKey);
  const encKey = await importJWK(JSON.parse(device.taEncJwk) as JWK, 'ECDH-ES+A256KW');
  const jwe = await new CompactEncrypt(new TextEncoder().encode(jws))
    .setProtectedHeader({ alg: 'ECDH-ES+A256KW', enc: 'A256GCM', cty: 'JWT', kid: device.taEncKid })
    .encrypt(encKey);
  return { jwe, jti, iat, exp };
}
