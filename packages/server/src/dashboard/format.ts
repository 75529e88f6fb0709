/**
 * How the dashboard writes PANs and amounts (docs/dashboard.md). Pure functions, no I/O.
 *
 * - A PAN is shown masked: its first six and last four digits, the others as `*`
 *   (`489537******1234`), the display PCI DSS allows (requirement 3.4.1); a PAN shorter than 14
 *   digits shows fewer, so that at least four digits are always hidden. Nothing else of a PAN
 *   leaves the dashboard.
 * - An amount is in minor units of an ISO 4217 numeric currency (EMV tags 9F02 / 5F2A); it is
 *   shown in major units with the currency's alphabetic code and minor-unit exponent from
 *   ISO 4217's list (a small table of common currencies: EUR 2, JPY 0, KWD 3, …). A code not in
 *   the table is shown as its number, with two decimals.
 */

/** A currency as the dashboard writes it. */
export interface Currency {
  /** ISO 4217 alphabetic code (`EUR`), or the numeric code itself when unknown (`999`). */
  code: string;
  /** Digits after the decimal point (ISO 4217 minor unit). */
  exponent: number;
  /** In the table. */
  known: boolean;
}

/**
 * ISO 4217 numeric code → [alphabetic code, minor unit], for the currencies a European or
 * international issuer meets most (ISO 4217, list one, "Minor unit").
 */
export const ISO_4217: Readonly<Record<string, readonly [string, number]>> = Object.freeze({
  '036': ['AUD', 2],
  '048': ['BHD', 3],
  '124': ['CAD', 2],
  '152': ['CLP', 0],
  '156': ['CNY', 2],
  '203': ['CZK', 2],
  '208': ['DKK', 2],
  '344': ['HKD', 2],
  '348': ['HUF', 2],
  '352': ['ISK', 0],
  '356': ['INR', 2],
  '376': ['ILS', 2],
  '392': ['JPY', 0],
  '400': ['JOD', 3],
  '410': ['KRW', 0],
  '414': ['KWD', 3],
  '484': ['MXN', 2],
  '512': ['OMR', 3],
  '554': ['NZD', 2],
  '578': ['NOK', 2],
  '682': ['SAR', 2],
  '702': ['SGD', 2],
  '704': ['VND', 0],
  '710': ['ZAR', 2],
  '752': ['SEK', 2],
  '756': ['CHF', 2],
  '784': ['AED', 2],
  '788': ['TND', 3],
  '826': ['GBP', 2],
  '840': ['USD', 2],
  '946': ['RON', 2],
  '949': ['TRY', 2],
  '950': ['XAF', 0],
  '952': ['XOF', 0],
  '978': ['EUR', 2],
  '985': ['PLN', 2],
  '986': ['BRL', 2],
});

/** The exponent assumed for a numeric code not in {@link ISO_4217} (the most common one). */
export const UNKNOWN_EXPONENT = 2;

/**
 * The currency of an ISO 4217 numeric code (`'978'`; `'0978'`, as EMV's n4 tag 5F2A carries it,
 * too): its alphabetic code and exponent, or the code itself with two decimals when unknown.
 */
export function currencyOf(numeric: string): Currency {
  const n = /^0?[0-9]{3}$/.test(numeric) ? numeric.slice(-3) : numeric;
  const hit = Object.hasOwn(ISO_4217, n) ? ISO_4217[n] : undefined;
  return hit
    ? { code: hit[0], exponent: hit[1], known: true }
    : { code: n, exponent: UNKNOWN_EXPONENT, known: false };
}

/** `minor` minor units in major units with `exponent` decimals (`700, 2` → `'7.00'`); exact. */
export function majorUnits(minor: number, exponent: number): string {
  if (!Number.isSafeInteger(minor)) return String(minor);
  const sign = minor < 0 ? '-' : '';
  const digits = String(Math.abs(minor));
  if (exponent <= 0) return sign + digits;
  const padded = digits.padStart(exponent + 1, '0');
  return `${sign}${padded.slice(0, -exponent)}.${padded.slice(-exponent)}`;
}

/** An amount as the dashboard shows it: `7.00 EUR`, `1250 JPY`, `1.250 KWD`, `7.00 999`. */
export function formatAmount(minor: number, numericCurrency: string): string {
  const c = currencyOf(numericCurrency);
  return `${majorUnits(minor, c.exponent)} ${c.code}`;
}

/** The mask character of {@link maskPan}. */
export const MASK = '*';

/**
 * A PAN masked for display: the first six and last four digits, every other as `*`
 * (`4895370000001234` → `489537******1234`); under 14 digits, fewer shown, at least four hidden.
 * Anything that is not 12–19 digits is masked entirely.
 */
export function maskPan(pan: string): string {
  if (!/^[0-9]{12,19}$/.test(pan)) return MASK.repeat(Math.min(pan.length, 19));
  const last = 4;
  const first = Math.min(6, pan.length - last - 4);
  return pan.slice(0, first) + MASK.repeat(pan.length - first - last) + pan.slice(-last);
}
