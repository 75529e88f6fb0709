/**
 * What V-OS accepts to sign as a device request proof (attestation/device-request.ts;
 * docs/cbp-protocol.md §7): a method, a request target and a body digest, checked the same way
 * by the client API, the V-OS process and the secure world. No dependencies: it is on the request
 * path of every layer.
 */

/** The HTTP methods of the server's device routes. */
const METHODS: ReadonlySet<string> = new Set(['GET', 'POST', 'PUT', 'DELETE', 'PATCH']);
/** Origin-form request target (RFC 9110 §7.1: absolute path and optional query), visible ASCII. */
const TARGET = /^\/[\x21-\x7e]{0,2047}$/;
/** A SHA-256 digest in base64url without padding. */
export const SHA256_B64U = /^[A-Za-z0-9_-]{43}$/;

export function isRequestMethod(v: unknown): v is string {
  return typeof v === 'string' && METHODS.has(v);
}

export function isRequestTarget(v: unknown): v is string {
  return typeof v === 'string' && TARGET.test(v);
}
