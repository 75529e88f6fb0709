/**
 * The message a root of trust MACs to derive a namespace key: a fixed context string, a zero
 * byte, then the UTF-8 label. Both roots use the same construction so a namespace key is
 * HMAC-SHA256(root, "openvse/rot/ns/v1" ‖ 0x00 ‖ label), the OP-TEE TSK construction
 * (TSK = HMAC-SHA256(SSK, TA_UUID), secure_storage.rst) with domain separation added.
 */
import { TeeResult, VosError } from '@openvse/protocol';

const CONTEXT = 'openvse/rot/ns/v1';
/** Labels are short identifiers (`ta:<uuid>`, `vos:system`); 1..256 UTF-8 bytes. */
export const MAX_LABEL_BYTES = 256;

/** Checks a label and returns the bytes to MAC. Throws TEE_ERROR_BAD_PARAMETERS on a bad label. */
export function derivationMessage(label: unknown): Buffer {
  if (typeof label !== 'string' || label.length === 0) {
    throw new VosError(TeeResult.ERROR_BAD_PARAMETERS, 'key label must be a non-empty string');
  }
  const bytes = Buffer.from(label, 'utf8');
  if (bytes.toString('utf8') !== label) {
    throw new VosError(TeeResult.ERROR_BAD_PARAMETERS, 'key label is not well-formed Unicode');
  }
  if (bytes.length > MAX_LABEL_BYTES || label.includes('\0')) {
    throw new VosError(TeeResult.ERROR_BAD_PARAMETERS, 'key label too long or contains NUL');
  }
  return Buffer.concat([Buffer.from(CONTEXT, 'utf8'), Buffer.from([0]), bytes]);
}
