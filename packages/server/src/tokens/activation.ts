/**
 * Activation codes (docs/server-api.md "Activation"): proof that the token requestor's
 * identification and verification (ID&V) of the cardholder happened for this card, before its
 * credentials go to a device. Digitization of a cloud card answers one; the token requestor hands
 * it to the cardholder's wallet, which presents it when it provisions the card. A code is 16
 * random bytes, valid `activationCodeTtlSeconds` (default 15 minutes), good once, for this card
 * only. It is kept only as a SHA-256 (with the card id) in the `nonces` table, whose conditional
 * update spends it once across every server instance.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { ActivationCode } from '@openvse/protocol';
import type { Services } from '../services.js';

const KIND = 'activation';
const CODE = /^[A-Za-z0-9_-]{22}$/;

function nonceOf(cardId: string, code: string): string {
  return `act:${createHash('sha256').update(`${cardId}\0${code}`).digest('base64url')}`;
}

/** A fresh activation code for `cardId`. */
export async function issueActivationCode(s: Services, cardId: string): Promise<ActivationCode> {
  const code = randomBytes(16).toString('base64url');
  const now = s.clock.now();
  const expiresAt = now + s.config.activationCodeTtlSeconds * 1000;
  await s.store.insertNonce(nonceOf(cardId, code), KIND, now, expiresAt);
  return { code, expiresAt };
}

/**
 * The single-use nonce that spends `code` for `cardId`, for the provisioning transaction
 * (Store.issueCredentials `spendNonce`); undefined for something that cannot be a code.
 */
export function activationNonce(cardId: string, code: unknown): { nonce: string; kind: string } | undefined {
  if (typeof code !== 'string' || !CODE.test(code)) return undefined;
  return { nonce: nonceOf(cardId, code), kind: KIND };
}
