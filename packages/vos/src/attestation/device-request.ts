/**
 * Device request proofs (docs/cbp-protocol.md §7; @openvse/protocol DeviceRequestClaims): the
 * platform identity signs "this device sends this request now" — method, target, body digest,
 * a random one-time id and the time — so that the CBP server can tell a request of the enrolled
 * device from one of anyone who knows its id. The normal world names the request; V-OS adds the
 * device id, `jti` and `iat` and signs. Nothing is sealed per proof (no sequence number): the
 * server's replay cache and the short validity do that job, and a proof costs no storage write.
 */
import { randomBytes } from 'node:crypto';
import {
  DEVICE_REQUEST_TYP,
  type DeviceRequestClaims,
  SIGNATURE_ALG,
  TeeResult,
  VosError,
} from '@openvse/protocol';
import { SignJWT } from 'jose';
import { identitySigningKey, type PlatformIdentity } from './platform-identity.js';
import { isRequestMethod, isRequestTarget, SHA256_B64U } from './request-target.js';

/** Signs a proof for one request; VosError TEE_ERROR_BAD_PARAMETERS for a malformed request. */
export async function signDeviceRequest(
  identity: PlatformIdentity,
  deviceId: string,
  request: { htm: string; htu: string; bd: string },
): Promise<string> {
  if (!isRequestMethod(request.htm) || !isRequestTarget(request.htu) || !SHA256_B64U.test(request.bd))
    throw new VosError(TeeResult.ERROR_BAD_PARAMETERS, 'request proof: bad method, target or body digest');
  const claims: DeviceRequestClaims = {
    typ: 'device-request',
    deviceId,
    htm: request.htm,
    htu: request.htu,
    bd: request.bd,
    jti: randomBytes(16).toString('base64url'),
    iat: Math.floor(Date.now() / 1000),
  };
  return new SignJWT({ ...claims })
    .setProtectedHeader({ alg: SIGNATURE_ALG, typ: DEVICE_REQUEST_TYP, kid: identity.keyId })
    .sign(identitySigningKey(identity));
}
