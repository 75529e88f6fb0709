/**
 * LD_PRELOAD / UNEXPECTED_SHARED_OBJECT: native code injected into the process (frida-gadget,
 * libfaketime, a hooking shim…): MASTG-TEST-0048/0050, MASVS-RESILIENCE-4,
 * docs/runtime-protection.md §2.4.
 *
 * How:
 *  - LD_PRELOAD: the dynamic loader was told to preload libraries: `LD_PRELOAD` or `LD_AUDIT` set
 *    in the environment (names only in evidence), or a non-empty /etc/ld.so.preload (system-wide
 *    preload; entry count only).
 *  - UNEXPECTED_SHARED_OBJECT: every file mapped executable in /proc/self/maps is checked against
 *    an allow-list, not a deny-list (a renamed frida-agent evades name checks,
 *    docs/runtime-protection.md §2.4):
 *      · the node binary itself (/proc/self/exe);
 *      · by exact name, from a system library directory, every library the node binary names in
 *        its ELF DT_NEEDED entries (elf-needed.ts): the runtime is read, not a list frozen for one
 *        Node version (Node 26's official build links libatomic, Node 20's does not);
 *      · by name, only from a system library directory (/lib, /lib64, /usr/lib, /usr/lib64 and
 *        their multiarch subdirectories): the dynamic loader, libc, libm, libstdc++, libgcc_s,
 *        libpthread, libdl, librt, libresolv, libz and the glibc NSS modules (getaddrinfo/getpwuid
 *        load them on demand); plus libnode, libcrypto/libssl, libuv, libnghttp2/3, libngtcp2,
 *        libcares, libbrotli*, ada, simdjson, simdutf, uvwasi, llhttp, sqlite and ICU only when
 *        `process.config.variables` says this node links them dynamically (`node_shared_*`,
 *        a system-ICU gyp file) — a distribution's node (Debian) links most of them;
 *      · whatever the app adds: `allowLibraries` entries (exact paths, or directories ending in
 *        "/" — where the app's own .node addons live).
 *    On this machine a clean `node -e` maps exactly node, ld-linux, libc, libm, libstdc++,
 *    libgcc_s, libpthread, libdl (the test suite re-measures that baseline each run).
 *    A mapped file that was deleted after loading ("(deleted)") is reported with deleted=true.
 *    Names of well-known tools (frida, gadget, faketime, substrate, xposed) are tagged in evidence.
 * Reliability: good for default tooling. Cannot see: code injected without a file mapping
 * (memfd/anonymous mappings, manual ELF loaders, ptrace-poked code: the tracer detector helps),
 * a library dropped into a system directory under an allowed name (needs root), non-Linux
 * platforms (no /proc/self/maps; process.report.getReport().sharedObjects would be the fallback).
 * Note: process.dlopen() of a plain .so that is not a Node addon fails with "did not self-register"
 * and Node unmaps it again (measured here), so that path leaves nothing to find afterwards.
 */

import type { Threat } from '@openvse/protocol';
import type { DetectorContext } from '../context.js';
import type { Detector } from '../detector.js';
import { threat } from '../threat.js';

/** Which shared objects may be mapped executable: system libraries by name, or exact paths. */
export type LibraryAllowList = {
  /** Base-name patterns allowed from a system library directory. */
  names: RegExp[];
  /** Exact paths or directories ("/dir/") allowed anywhere. */
  paths: string[];
};

const SYSTEM_DIR =
  /^\/(usr\/)?lib(32|64|x32)?(\/[a-z0-9_-]+-linux-[a-z0-9_]+)?(\/(glibc-hwcaps|tls|i686|x86_64|haswell|avx512_1)(\/[a-z0-9_-]+)?)?$/;

const ALWAYS = [
  /^ld-linux[\w.-]*\.so(\.\d+)*$/,
  /^ld-musl[\w.-]*\.so(\.\d+)*$/,
  /^libc\.so(\.\d+)*$/,
  /^libc\.musl[\w.-]*\.so(\.\d+)*$/,
  /^libm\.so(\.\d+)*$/,
  /^libstdc\+\+\.so(\.\d+)*$/,
  /^libgcc_s\.so(\.\d+)*$/,
  /^libpthread\.so(\.\d+)*$/,
  /^libdl\.so(\.\d+)*$/,
  /^librt\.so(\.\d+)*$/,
  /^libresolv\.so(\.\d+)*$/,
  /^libnss_(files|dns|compat|systemd|myhostname|mdns4?(_minimal)?|resolve|sss|ldap)\.so(\.\d+)*$/,
  /^libz\.so(\.\d+)*$/,
];

const SHARED: Record<string, RegExp[]> = {
  node_shared: [/^libnode\.so(\.\d+)*$/],
  node_shared_openssl: [/^libcrypto\.so(\.\d+)*$/, /^libssl\.so(\.\d+)*$/],
  node_shared_zlib: [/^libz\.so(\.\d+)*$/],
  node_shared_libuv: [/^libuv\.so(\.\d+)*$/],
  node_shared_nghttp2: [/^libnghttp2\.so(\.\d+)*$/],
  node_shared_nghttp3: [/^libnghttp3\.so(\.\d+)*$/],
  node_shared_ngtcp2: [/^libngtcp2(_crypto_\w+)?\.so(\.\d+)*$/],
  node_shared_cares: [/^libcares\.so(\.\d+)*$/],
  node_shared_brotli: [/^libbrotli(common|dec|enc)\.so(\.\d+)*$/],
  node_shared_ada: [/^libada\.so(\.\d+)*$/],
  node_shared_simdjson: [/^libsimdjson\.so(\.\d+)*$/],
  node_shared_simdutf: [/^libsimdutf\.so(\.\d+)*$/],
  node_shared_uvwasi: [/^libuvwasi\.so(\.\d+)*$/],
  node_shared_http_parser: [/^libllhttp\.so(\.\d+)*$/],
  node_shared_sqlite: [/^libsqlite3\.so(\.\d+)*$/],
};

const KNOWN_TOOLS = /frida|gadget|faketime|substrate|xposed|libinject|gum-js|objection/i;

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The default allow-list for this node binary, plus the app's own entries. */
export function defaultLibraryAllowList(
  ctx: DetectorContext,
  extra: readonly string[] = [],
): LibraryAllowList {
  const vars = ctx.buildVariables();
  const names = [...ALWAYS];
  // What this node binary itself asks the loader for (its DT_NEEDED entries), by exact name.
  for (const lib of ctx.neededLibraries() ?? []) names.push(new RegExp(`^${escapeRegExp(lib)}(\\.\\d+)*$`));
  for (const [flag, patterns] of Object.entries(SHARED)) if (vars[flag] === true) names.push(...patterns);
  // --with-intl=system-icu builds say so through the gyp file they used.
  if (String(vars.icu_gyp_path ?? '').includes('icu-system')) names.push(/^libicu\w*\.so(\.\d+)*$/);
  return { names, paths: [...extra] };
}

/** Executable file mappings of this process: path → deleted? */
export function executableMappings(ctx: DetectorContext): Map<string, boolean> | undefined {
  const maps = ctx.readFile('/proc/self/maps');
  if (!maps) return undefined;
  const out = new Map<string, boolean>();
  for (const line of maps.split('\n')) {
    const m = /^\S+\s+(\S+)\s+\S+\s+\S+\s+\d+\s+(\/.*)$/.exec(line);
    if (!m || !m[1]!.includes('x')) continue;
    let path = m[2]!.trimEnd();
    const deleted = path.endsWith(' (deleted)');
    if (deleted) path = path.slice(0, -' (deleted)'.length);
    out.set(path, deleted || (out.get(path) ?? false));
  }
  return out;
}

/** True when a mapped file is the node binary, an allowed path, or an allowed name in a system directory. */
export function isAllowedLibrary(
  path: string,
  allow: LibraryAllowList,
  execPaths: readonly string[],
): boolean {
  if (execPaths.includes(path)) return true;
  if (allow.paths.some((p) => (p.endsWith('/') ? path.startsWith(p) : path === p))) return true;
  const slash = path.lastIndexOf('/');
  const dir = path.slice(0, slash) || '/';
  const base = path.slice(slash + 1);
  return SYSTEM_DIR.test(dir) && allow.names.some((re) => re.test(base));
}

/** LD_PRELOAD / UNEXPECTED_SHARED_OBJECT: loader preloads and executable mappings outside the allow-list. */
export function nativeLibrariesDetector(allowLibraries: readonly string[] = []): Detector {
  return {
    id: 'native-libraries',
    detect(ctx: DetectorContext): Threat[] {
      const out: Threat[] = [];
      const at = ctx.now();
      const vars = ['LD_PRELOAD', 'LD_AUDIT'].filter((v) => !!ctx.env[v]);
      const systemPreload = (ctx.readFile('/etc/ld.so.preload') ?? '').split(/[\s:]+/).filter(Boolean).length;
      if (vars.length || systemPreload) {
        const evidence: Record<string, string | number> = {};
        if (vars.length) evidence.variables = vars.join(',');
        if (systemPreload) evidence.etcLdSoPreload = systemPreload;
        out.push(threat('LD_PRELOAD', evidence, at));
      }
      const mappings = ctx.platform === 'linux' ? executableMappings(ctx) : undefined;
      if (!mappings) return out;
      const allow = defaultLibraryAllowList(ctx, allowLibraries);
      const exe = [ctx.execPath, ctx.readlink('/proc/self/exe') ?? ctx.execPath];
      for (const [path, deleted] of [...mappings].sort(([a], [b]) => (a < b ? -1 : 1))) {
        if (isAllowedLibrary(path, allow, exe)) continue;
        const name = path.slice(path.lastIndexOf('/') + 1);
        const evidence: Record<string, string | boolean> = { path: path.slice(0, 512), name };
        if (deleted) evidence.deleted = true;
        const tool = KNOWN_TOOLS.exec(name);
        if (tool) evidence.knownTool = tool[0].toLowerCase();
        out.push(threat('UNEXPECTED_SHARED_OBJECT', evidence, at));
      }
      return out;
    },
  };
}
