/**
 * A device request proof (docs/cbp-protocol.md §7): every request a wallet device makes to the
 * CBP server's device routes carries, in the `OpenVSE-Device-Proof` header, a compact JWS (RFC 7515,
 * ES256, `typ: openvse-device-request+jwt`, `kid` = the platform key's RFC 7638 thumbprint) signed
 * by the V-OS platform identity — the key the server pinned at enrollment, which never leaves
 * V-OS. It binds the request (method, path with query, SHA-256 of the body bytes) to the device,
 * a time and a one-time id, in the manner of OAuth DPoP (RFC 9449 §4.2: `htm`, `htu`, `iat`, `jti`)
 * but under a pinned key instead of one carried in the header.
 */

/** The HTTP header that carries the proof (lowercase, as Node and fastify see it). */
export const DEVICE_PROOF_HEADER = 'openvse-device-proof';

/** The claims of a device request proof. */
export type DeviceRequestClaims = {
  typ: 'device-request';
  /** The root of trust's device id (the server's `deviceId`). */
  deviceId: string;
  /** HTTP method, uppercase. */
  htm: string;
  /** The request target: path and query, as sent (`/v1/devices/<id>/messages?after=3`). */
  htu: string;
  /** SHA-256 of the exact body bytes (of nothing for a request without body), base64url. */
  bd: string;
  /** One-time id: 16 random bytes, base64url. */
  jti: string;
  /** Seconds since the epoch, V-OS clock. */
  iat: number;
};
