/**
 * SES `lockdown()` for a secure world's thread, and loading the secure world after it
 * (docs/design.md "The worker"; endojs/endo packages/ses/docs/lockdown.md). Imported first by the
 * two entry points, the V-OS worker (worker/entry.ts) and the V-OS process (service/main.ts); it
 * imports nothing but Node built-ins, so no V-OS or TA code runs before every shared intrinsic is
 * frozen. The code that follows is loaded with a dynamic import, which ESM hoisting cannot move
 * ahead of the lockdown.
 */
import { createHash } from 'node:crypto';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Script } from 'node:vm';
import type {} from 'ses';

const LOCKDOWN_OPTIONS = {
  errorTaming: 'safe',
  overrideTaming: 'severe',
  consoleTaming: 'safe',
  stackFiltering: 'concise',
} as const;

/** V8's code cache for SES, written at build time (scripts/bundle-vos.mjs), and what it is for. */
const CODE_CACHE = new URL('../../ses.code-cache', import.meta.url);
const CODE_CACHE_META = new URL('../../ses.code-cache.json', import.meta.url);
/** `file`: the SES source the cache was made from (resolving the package costs a cold start ms). */
type CodeCacheMeta = { v8: string; sha256: string; file: string };

function readMeta(): CodeCacheMeta | null {
  try {
    const m = JSON.parse(readFileSync(CODE_CACHE_META, 'utf8')) as CodeCacheMeta;
    return typeof m.v8 === 'string' && typeof m.sha256 === 'string' && typeof m.file === 'string' ? m : null;
  } catch {
    return null;
  }
}

/** The single-file build of SES: its minified UMD build beside the package's CommonJS main. */
function sesSource(meta: CodeCacheMeta | null): { file: string; source: string } | null {
  if (meta) {
    try {
      return { file: meta.file, source: readFileSync(meta.file, 'utf8') };
    } catch {
      /* moved since the build: resolve it */
    }
  }
  const require = createRequire(import.meta.url);
  const file = join(dirname(require.resolve('ses')), 'ses.umd.min.js');
  try {
    return { file, source: readFileSync(file, 'utf8') };
  } catch {
    return null;
  }
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/**
 * The build-time code cache, only when it was made from this very source by this V8 (V8 itself
 * checks little more than the source's length and its own flags).
 */
function codeCacheFor(meta: CodeCacheMeta | null, source: string): Buffer | undefined {
  try {
    if (!meta || meta.v8 !== process.versions.v8 || meta.sha256 !== sha256(source)) return undefined;
    return readFileSync(CODE_CACHE);
  } catch {
    return undefined;
  }
}

/**
 * Loads SES and locks the realm down (errorTaming 'safe', overrideTaming 'severe'). SES is loaded
 * from its single file (faster than its many ESM files) as a script with V8's code cache from the
 * build when there is a matching one: parsing and compiling SES is most of a cold start's lockdown
 * (bench/vos-process); a cache V8 refuses just means compiling as usual.
 */
export function lockdownRealm(): void {
  const meta = readMeta();
  const ses = sesSource(meta);
  if (ses) {
    new Script(ses.source, {
      filename: ses.file,
      cachedData: codeCacheFor(meta, ses.source),
    }).runInThisContext();
  } else {
    createRequire(import.meta.url)('ses');
  }
  lockdown(LOCKDOWN_OPTIONS);
}

/**
 * Build step (scripts/bundle-vos.mjs runs it in a fresh process): loads SES, locks down as
 * {@link lockdownRealm} does, and writes V8's code cache of SES (with the functions lockdown
 * compiled) beside the compiled package. Returns false when SES has no single-file build.
 */
export function writeSesCodeCache(): boolean {
  const ses = sesSource(null);
  if (!ses) return false;
  const script = new Script(ses.source, { filename: ses.file });
  script.runInThisContext();
  lockdown(LOCKDOWN_OPTIONS);
  writeFileSync(CODE_CACHE, script.createCachedData());
  const meta: CodeCacheMeta = { v8: process.versions.v8, sha256: sha256(ses.source), file: ses.file };
  writeFileSync(CODE_CACHE_META, `${JSON.stringify(meta)}\n`);
  return true;
}

/**
 * The URL to import for the module `url` (a compiled .js file): its single-file bundle
 * (`<name>.bundle.js`, written by scripts/bundle-vos.mjs after the build: one file loads several
 * times faster than the module graph; bench/vos-process) when no file it was built from (listed in
 * `<name>.bundle.js.inputs.json`) is newer than it, else the module itself. So a `tsc -b` after an
 * edit in any module the bundle holds never runs stale code.
 */
export function preferBundle(url: URL): string {
  const file = fileURLToPath(url);
  const bundle = file.replace(/\.js$/, '.bundle.js');
  try {
    const built = statSync(bundle).mtimeMs;
    const inputs = JSON.parse(readFileSync(`${bundle}.inputs.json`, 'utf8')) as unknown;
    if (!Array.isArray(inputs) || inputs.length === 0) return url.href;
    const here = dirname(bundle);
    for (const input of inputs) {
      if (typeof input !== 'string' || statSync(resolve(here, input)).mtimeMs > built) return url.href;
    }
    return pathToFileURL(bundle).href;
  } catch {
    // No bundle, no list, or an input gone: the module itself.
    return url.href;
  }
}
