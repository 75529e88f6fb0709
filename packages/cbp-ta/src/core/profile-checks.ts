/**
 * The two EMV checks protocol's `parseCardProfile` leaves to its caller (packages/protocol
 * src/messages/card-profile.ts), done with @openvse/emv's pure codecs: the PAN's Luhn check digit
 * (ISO/IEC 7812-1 Annex B) and the data length of the profile M CDOL1 (EMV Book 3 §5.4), which
 * GENAC_M also uses to check the CDOL1 data it is given.
 */
import { equalBytes, hexToBytes, isLuhnValid } from '@openvse/emv/codec';
import { dolLength, encodeDol, parseDol } from '@openvse/emv/dol';
import type { CardProfileChecks } from '@openvse/protocol';

/**
 * Total data length of a DOL given as hex; undefined when it is empty or malformed. Only
 * one-byte lengths up to 0x7F are accepted: no EMV DOL entry needs more, and the long form
 * ('81 xx') would let one DOL be written two ways.
 */
export function cdolDataLength(dolHex: string): number | undefined {
  try {
    const dol = hexToBytes(dolHex);
    if (dol.length === 0) return undefined;
    const entries = parseDol(dol);
    if (entries.some((e) => e.length > 0x7f) || !equalBytes(encodeDol(entries), dol)) return undefined;
    return dolLength(entries);
  } catch {
    return undefined; // an EmvError: not hex, or not a DOL
  }
}

/** What the TA passes to protocol's parseCardProfile. */
export const CARD_PROFILE_CHECKS: CardProfileChecks = { luhnValid: isLuhnValid, dolLength: cdolDataLength };
