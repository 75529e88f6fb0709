/**
 * Processing restrictions, date checks (EMV Book 3 §10.4.3; Book C-2 §7.4): today after the
 * Application Expiration Date (5F24) sets TVR "Expired application"; today before the
 * Application Effective Date (5F25) sets "Application not yet effective". A date that is not a
 * valid YYMMDD is a card data error.
 */
import { yymmddValue } from '../config/bcd.js';
import { invalidTag } from '../session/kernel-stop.js';
import { TVR, type Tvr } from '../tvr/tvr.js';

/** Sets the TVR date bits from 9A against 5F24 / 5F25; an invalid card date ends the transaction. */
export function checkApplicationDates(
  today: Uint8Array,
  expiry: Uint8Array,
  effective: Uint8Array | undefined,
  tvr: Tvr,
): void {
  const now = yymmddValue(today)!;
  const exp = yymmddValue(expiry);
  if (exp === undefined) throw invalidTag('5F24', 'not a valid YYMMDD date');
  if (now > exp) tvr.set(TVR.EXPIRED_APPLICATION);
  if (effective !== undefined) {
    const eff = yymmddValue(effective);
    if (eff === undefined) throw invalidTag('5F25', 'not a valid YYMMDD date');
    if (now < eff) tvr.set(TVR.NOT_YET_EFFECTIVE);
  }
}
