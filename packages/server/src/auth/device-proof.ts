/**
 * Device request proofs, the server's side (docs/cbp-protocol.md §7; @openvse/protocol
 * DeviceRequestClaims): a request to a device route must carry, in `OpenVSE-Device-Proof`, a JWS
 * signed with the platform key pinned for the device at enrollment, naming this device, this
 * method, this request target and the SHA-256 of these body bytes, issued within the last minute
 * and never seen before. The one-time id is spent in the store (`nonces`, a unique key), so a proof
 * replayed to another instance of the server is refused too.
 */
import { createHash } from 'node:crypto';
import { Transform } from 'node:stream';
import { DEVICE_PROOF_HEADER, DEVICE_REQUEST_TYP } from '@openvse/protocol';
import type { FastifyRequest } from 'fastify';
import { verifyPinnedJws } from '../devices/pinned-jws.js';
import type { Services } from '../services.js';

/** A proof's validity after its `iat` (seconds), and how far ahead of our clock `iat` may be. */
export const DEVICE_PROOF_MAX_AGE_S = 60;
const MAX_FUTURE_SKEW_S = 30;
const JTI = /^[A-Za-z0-9_-]{22}$/;
const EMPTY_SHA256 = createHash('sha256').digest('base64url');

declare module 'fastify' {
  interface FastifyRequest {
    /** SHA-256 of the body bytes as received (set while parsing, for device routes). */
    bodySha256?: string;
  }
}

/** Why a proof was refused: `status` 401 (no or bad proof) or 403 (a proof, for another device). */
export class DeviceProofError extends Error {
  constructor(
    readonly status: 401 | 403,
    message: string,
  ) {
    super(message);
  }
}

/**
 * A pass-through of the request body that hashes it (a fastify preParsing stream: it keeps the
 * `receivedEncodedLength` fastify's body limit reads).
 */
export function hashingBody(req: FastifyRequest, payload: NodeJS.ReadableStream): NodeJS.ReadableStream {
  const hash = createHash('sha256');
  const t = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      hash.update(chunk);
      (t as unknown as { receivedEncodedLength: number }).receivedEncodedLength += chunk.length;
      cb(null, chunk);
    },
    flush(cb) {
      req.bodySha256 = hash.digest('base64url');
      cb();
    },
  });
  (t as unknown as { receivedEncodedLength: number }).receivedEncodedLength = 0;
  payload.on('error', (e) => t.destroy(e));
  return payload.pipe(t);
}

/** Verifies the request's device proof; throws DeviceProofError. Spends the proof's `jti`. */
export async function checkDeviceProof(s: Services, req: FastifyRequest): Promise<void> {
  const deviceId = (req.params as { deviceId?: unknown } | undefined)?.deviceId;
  const proof = req.headers[DEVICE_PROOF_HEADER];
  if (typeof proof !== 'string' || proof.length === 0 || proof.length > 4096)
    throw new DeviceProofError(401, 'this route needs a device proof (OpenVSE-Device-Proof)');
  if (typeof deviceId !== 'string') throw new DeviceProofError(401, 'no device in the route');
  const device = await s.store.getDevice(deviceId);
  // An unknown device and a bad signature look the same to the caller.
  if (!device) throw new DeviceProofError(401, 'the device proof does not verify');
  const v = await verifyPinnedJws(proof, device.platformJwk, {
    typ: DEVICE_REQUEST_TYP,
    kid: device.platformKid,
  });
  if ('failure' in v)
    throw new DeviceProofError(
      401,
      {
        signature: 'the device proof does not verify',
        typ: 'the device proof is not a request proof of this device',
        kid: 'the device proof is not a request proof of this device',
        json: 'the device proof is not JSON',
        object: 'the device proof is not a request proof',
      }[v.failure],
    );
  const c = v.claims;
  if (c.typ !== 'device-request') throw new DeviceProofError(401, 'the device proof is not a request proof');
  if (c.deviceId !== device.deviceId)
    throw new DeviceProofError(403, 'the device proof names another device');
  if (c.htm !== req.method || c.htu !== req.url)
    throw new DeviceProofError(401, 'the device proof is for another request');
  if (c.bd !== (req.bodySha256 ?? EMPTY_SHA256))
    throw new DeviceProofError(401, 'the device proof is for another body');
  const now = Math.floor(s.clock.now() / 1000);
  if (typeof c.iat !== 'number' || !Number.isInteger(c.iat)) throw new DeviceProofError(401, 'iat missing');
  if (c.iat - now > MAX_FUTURE_SKEW_S) throw new DeviceProofError(401, 'the device proof is from the future');
  if (now - c.iat > DEVICE_PROOF_MAX_AGE_S) throw new DeviceProofError(401, 'the device proof is too old');
  if (typeof c.jti !== 'string' || !JTI.test(c.jti)) throw new DeviceProofError(401, 'jti missing');
  const nowMs = s.clock.now();
  const spent = await s.store.insertNonce(
    `dreq:${device.deviceId}:${c.jti}`,
    'device-request',
    nowMs,
    (c.iat + DEVICE_PROOF_MAX_AGE_S + MAX_FUTURE_SKEW_S) * 1000,
  );
  if (!spent) throw new DeviceProofError(401, 'the device proof was used before');
}
