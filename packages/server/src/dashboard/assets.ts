/**
 * The dashboard's static page, script, style sheet and icon (docs/fraud-engine.md "Dashboard"),
 * read once at start, and the strict Content-Security-Policy they are served under: everything
 * from this origin, no inline script or style, no framework, no CDN.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The dashboard's Content-Security-Policy. */
export const DASHBOARD_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; " +
  "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/** Each asset and its media type. */
export const ASSETS = {
  'index.html': 'text/html',
  'app.js': 'text/javascript',
  'app.css': 'text/css',
  'favicon.svg': 'image/svg+xml',
} as const;
/** The name of one of the {@link ASSETS}. */
export type AssetName = keyof typeof ASSETS;

/** Reads every asset; throws when they cannot be found. */
export function loadAssets(): Record<AssetName, string> {
  // Next to the compiled module when a build copies them, else the source tree (dist/src/… → src/…).
  const candidates = [
    new URL('./static/', import.meta.url),
    new URL('../../../src/dashboard/static/', import.meta.url),
  ];
  for (const dir of candidates) {
    try {
      const out = {} as Record<AssetName, string>;
      for (const name of Object.keys(ASSETS) as AssetName[])
        out[name] = readFileSync(fileURLToPath(new URL(name, dir)), 'utf8');
      return out;
    } catch {
      // try the next place
    }
  }
  throw new Error('dashboard: static assets not found');
}
