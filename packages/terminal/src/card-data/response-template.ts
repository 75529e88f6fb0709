/**
 * Response message templates (EMV Book 3 §6.5.8.4 GPO, §6.5.5.4 GENERATE AC, §6.5.11.4 READ
 * RECORD, §6.5.12 SELECT FCI): the data field must be exactly one BER-TLV object of the
 * expected template ('77' Format 2, '80' Format 1, '70' record, '6F' FCI); anything else is
 * END_APPLICATION / ERR_CARD_DATA_MALFORMED. Format 1 ('80') contents are split by the caller,
 * which knows the fixed layout.
 */
import { parseTlvSingle, type TlvNode } from '@openvse/emv/tlv';
import { TerminalErrorCode } from '../errors.js';
import { endApplication } from '../session/kernel-stop.js';

/** Parses `data` as one object whose tag is one of `tags`. */
export function parseTemplate(step: string, data: Uint8Array, tags: readonly string[]): TlvNode {
  let node: TlvNode;
  try {
    node = parseTlvSingle(data);
  } catch (e) {
    throw endApplication(
      TerminalErrorCode.CARD_DATA_MALFORMED,
      `${step}: response is not one BER-TLV object (${e instanceof Error ? e.message : String(e)})`,
      { step },
    );
  }
  if (!tags.includes(node.tag))
    throw endApplication(
      TerminalErrorCode.CARD_DATA_MALFORMED,
      `${step}: expected template ${tags.join(' or ')}, got ${node.tag}`,
      { step, tag: node.tag },
    );
  return node;
}
