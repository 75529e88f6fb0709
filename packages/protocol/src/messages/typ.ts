/**
 * The JOSE `typ` header values (RFC 8725 §3.11: explicit typing, so that one kind of token can
 * never be accepted as another) and the issuer name of every signed object OpenVSE exchanges.
 */

/** Issuer (`iss`) of every server → TA message. */
export const SERVER_ISSUER = 'openvse-cbp-server';
/** JWS `typ` of a server → TA message (nested in a JWE). */
export const SERVER_MESSAGE_TYP = 'openvse-cbp+jwt';
/** JWS `typ` of a TA → server statement (status, replenish). */
export const TA_STATEMENT_TYP = 'openvse-ta+jwt';
/** JWS `typ` of a V-OS device report (threat report, heartbeat). */
export const DEVICE_REPORT_TYP = 'openvse-threat+jwt';
/** JWS `typ` of a V-OS device request proof (messages/device-request.ts). */
export const DEVICE_REQUEST_TYP = 'openvse-device-request+jwt';
/** JWS `typ` of a V-OS attestation statement. */
export const ATTESTATION_TYP = 'openvse-attestation+jwt';
/** The only signature algorithm of every OpenVSE JWS (RFC 8725 §3.1: an allow-list of one). */
export const SIGNATURE_ALG = 'ES256';
