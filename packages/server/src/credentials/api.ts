/**
 * The account parameters index API = YHHHHCC (docs/design.md "Profile V";
 * docs/emv-cryptography.md §4.1): last digit of the year, hour of the year (0000–8783, UTC), and
 * a counter 00–99 of the LUKs issued to the card within that hour. The counter is made unique by
 * the luks primary key.
 */

export function apiPrefix(now: number): string {
  const d = new Date(now);
  const year = d.getUTCFullYear();
  const hour = Math.floor((now - Date.UTC(year, 0, 1)) / 3_600_000);
  return `${year % 10}${String(hour).padStart(4, '0')}`;
}

/** The API with counter `cc` (0–99). */
export function makeApi(prefix: string, cc: number): string {
  return `${prefix}${String(cc).padStart(2, '0')}`;
}
