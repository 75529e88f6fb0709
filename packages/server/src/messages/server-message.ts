/**
 * Server → TA messages (docs/cbp-protocol.md §2; docs/design.md "Server ↔ TA messages"): a compact
 * JWS (ES256, kid = RFC 7638 thumbprint of the server signing key, typ `openvse-cbp+jwt`) over
 * the claims iss, aud = deviceId, typ, seq, iat, exp, jti and the message body, nested in a
 * compact JWE (ECDH-ES+A256KW / A256GCM, cty JWT, kid = thumbprint of the TA encryption key).
 * The claims' names, the issuer, the typ and the body of each message type are
 * @openvse/protocol's (the TA parses them with the same definitions). Built with jose only.
 */
import { randomUUID } from 'node:crypto';
import {
  type CredentialsBody,
  type LifecycleBody,
  type MessageType,
  type PolicyBody,
  type ProvisionBody,
  SERVER_ISSUER,
  SERVER_MESSAGE_TYP,
  SIGNATURE_ALG,
} from '@openvse/protocol';
import { CompactEncrypt, importJWK, type JWK, SignJWT } from 'jose';
import type { DeviceRow } from '../domain/devices.js';
import type { KeyStore } from '../keys/key-store.js';

/** The body each message type carries; indexing by every MessageType keeps the map complete. */
export type MessageBodies = {
  [T in MessageType]: {
    provision: ProvisionBody;
    credentials: CredentialsBody;
    lifecycle: LifecycleBody;
    policy: PolicyBody;
  }[T];
};

/** A sealed message and the claims the outbox keeps about it. */
export interface SealedMessage {
  jwe: string;
  jti: string;
  /** Epoch seconds. */
  iat: number;
  /** Epoch seconds. */
  exp: number;
}

/** Signs the message for the device with the server signing key, then encrypts it to its TA. */
export async function sealServerMessage<T extends MessageType>(
  keys: KeyStore,
  device: DeviceRow,
  typ: T,
  seq: number,
  body: MessageBodies[T],
  nowMs: number,
  ttlSeconds: number,
): Promise<SealedMessage> {
  const iat = Math.floor(nowMs / 1000);
  const exp = iat + ttlSeconds;
  const jti = randomUUID();
  const jws = await new SignJWT({ ...body, typ, seq })
    .setProtectedHeader({ alg: SIGNATURE_ALG, kid: keys.signingKid, typ: SERVER_MESSAGE_TYP })
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
