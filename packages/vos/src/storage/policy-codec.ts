/**
 * Canonical byte encoding of an ObjectPolicy, so the policy can sit in the AES-GCM associated
 * data (NIST SP 800-38D) of its object and any change to it breaks the tag. The lesson from
 * SoftHSM2, whose CKA_SENSITIVE/CKA_EXTRACTABLE flags are stored in clear (docs/design.md "Key objects").
 *
 * Layout: flags(1: bit0 usage, bit1 extractable present, bit2 extractable value, bit3 kind)
 * ‖ usage u32 BE ‖ kind length u16 BE ‖ kind UTF-8.
 */
import { TeeResult, VosError } from '@openvse/protocol';
import type { ObjectPolicy } from './types.js';

export function encodePolicy(p: ObjectPolicy): Buffer {
  const kind = Buffer.from(p.kind ?? '', 'utf8');
  const b = Buffer.alloc(1 + 4 + 2 + kind.length);
  let flags = 0;
  if (p.usage !== undefined) flags |= 1;
  if (p.extractable !== undefined) flags |= 2;
  if (p.extractable === true) flags |= 4;
  if (p.kind !== undefined) flags |= 8;
  b[0] = flags;
  b.writeUInt32BE(p.usage ?? 0, 1);
  b.writeUInt16BE(kind.length, 5);
  kind.copy(b, 7);
  return b;
}

export function decodePolicy(b: Buffer): ObjectPolicy {
  const corrupt = () => new VosError(TeeResult.ERROR_CORRUPT_OBJECT, 'object policy is malformed');
  if (b.length < 7) throw corrupt();
  const flags = b[0] ?? 0;
  if (flags & ~0x0f || (flags & 4 && !(flags & 2))) throw corrupt();
  const kindLen = b.readUInt16BE(5);
  if (b.length !== 7 + kindLen) throw corrupt();
  const out: ObjectPolicy = {};
  if (flags & 1) out.usage = b.readUInt32BE(1);
  if (flags & 2) out.extractable = (flags & 4) !== 0;
  if (flags & 8) out.kind = b.subarray(7).toString('utf8');
  return out;
}
