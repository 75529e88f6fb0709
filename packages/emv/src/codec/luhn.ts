/**
 * The Luhn check digit (ISO/IEC 7812-1 Annex B), for funding PANs, token PANs and the PANs in
 * card profiles.
 */

/** The check digit to append to `digits` (a string of decimal digits). */
export function luhnCheckDigit(digits: string): string {
  let sum = 0;
  let double = true;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return String((10 - (sum % 10)) % 10);
}

/** True when `pan` is 12–19 digits with a valid Luhn check digit. */
export function isLuhnValid(pan: string): boolean {
  if (typeof pan !== 'string' || !/^[0-9]{12,19}$/.test(pan)) return false;
  return luhnCheckDigit(pan.slice(0, -1)) === pan.slice(-1);
}
