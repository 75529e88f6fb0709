// Summarises V8 CPU profiles (`node --cpu-prof`, e.g. bench/server's BENCH_SERVER_PROFILE): self
// time per function and per package / area, so that a benchmark's note can say where the time
// of a request goes. Usage: node bench/lib/profile-summary.mjs <file.cpuprofile>... [--top N]
import { readFileSync } from 'node:fs';

const args = process.argv.slice(2);
const topAt = args.indexOf('--top');
const top = topAt >= 0 ? Number(args[topAt + 1]) : 25;
const files = args.filter((a, i) => a !== '--top' && i !== topAt + 1);

/** The area a script belongs to: an @openvse package folder, a dependency, or node itself. */
function area(url) {
  if (!url) return '(native / V8)';
  const pkg = /packages\/([^/]+)\/dist\/src\/([^/]+)/.exec(url);
  if (pkg) return `@openvse/${pkg[1]}/${pkg[2].replace(/\.js$/, '')}`;
  const dep = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (dep) return dep[1];
  if (url.startsWith('node:')) return url;
  return url;
}

for (const f of files) {
  const p = JSON.parse(readFileSync(f, 'utf8'));
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const self = new Map();
  const dt = p.timeDeltas;
  for (let i = 0; i < p.samples.length; i++)
    self.set(p.samples[i], (self.get(p.samples[i]) ?? 0) + (dt[i] ?? 0));
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  const fn = new Map();
  const ar = new Map();
  for (const [id, us] of self) {
    const n = byId.get(id);
    const cf = n.callFrame;
    const name = `${cf.functionName || '(anonymous)'} ${area(cf.url)}:${cf.lineNumber + 1}`;
    fn.set(name, (fn.get(name) ?? 0) + us);
    const a = cf.url ? area(cf.url) : cf.functionName;
    ar.set(a, (ar.get(a) ?? 0) + us);
  }
  const pct = (us) => `${((100 * us) / total).toFixed(1).padStart(5)} %`;
  console.log(`# ${f}: ${(total / 1e6).toFixed(2)} s sampled`);
  console.log('## by area');
  for (const [k, v] of [...ar].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${pct(v)}  ${k}`);
  console.log('## by function');
  for (const [k, v] of [...fn].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${pct(v)}  ${k}`);
}
