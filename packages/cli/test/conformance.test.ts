/**
 * `openvse conformance` as a user runs it: the real CLI in a child process, on the bundled public
 * vectors (must pass) and on doctored, unknown-category and malformed files (must fail loudly).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../../../', import.meta.url));
const cli = join(root, 'packages/cli/dist/src/main.js');
const fixture = join(root, 'test/fixtures/vectors/emv-public.json');
const doc = JSON.parse(readFileSync(fixture, 'utf8'));
const total: number = doc.vectors.length;
const work = mkdtempSync(join(tmpdir(), 'openvse-conformance-'));

function run(...args: string[]) {
  const r = spawnSync(process.execPath, [cli, 'conformance', ...args], { encoding: 'utf8' });
  return { status: r.status, out: r.stdout, err: r.stderr, lastLine: r.stdout.trim().split('\n').at(-1) };
}

function writeDoc(name: string, d: unknown): string {
  const p = join(work, name);
  writeFileSync(p, typeof d === 'string' ? d : JSON.stringify(d));
  return p;
}

test('passes every public vector and exits 0', () => {
  const r = run(fixture);
  assert.equal(r.status, 0, r.out + r.err);
  assert.equal(r.lastLine, `${total} passed, 0 failed`);
  assert.doesNotMatch(r.out, /FAIL/);
});

test('a doctored ARQC fails, names the vector and field, exits non-zero', () => {
  const d = structuredClone(doc);
  const v = d.vectors.find((x: { id: string }) => x.id === 'cvn-visa-10');
  v.expected.arqc = '29CCA15AE665FA2F';
  const r = run(writeDoc('doctored.json', d));
  assert.equal(r.status, 1);
  assert.match(
    r.out,
    /^FAIL cvn-visa-10 \[cvn_end_to_end\]: arqc differs \(expected 29CCA15AE665FA2F, got 29CCA15AE665FA2E\)$/m,
  );
  assert.equal(r.lastLine, `${total - 1} passed, 1 failed`);
});

test('an unknown category fails the run', () => {
  const d = structuredClone(doc);
  d.vectors.push({ id: 'mystery', category: 'amex_cvn_01', inputs: {}, expected: { ac: '00' } });
  const r = run(writeDoc('unknown.json', d));
  assert.equal(r.status, 1);
  assert.match(r.out, /FAIL mystery \[amex_cvn_01\]: unknown category "amex_cvn_01"/);
});

test('a malformed file exits 2 with a clear message', () => {
  const r1 = run(writeDoc('broken.json', '{"schema": "emv-vectors/1", "vectors": ['));
  assert.equal(r1.status, 2);
  assert.match(r1.err, /not a valid emv-vectors\/1 file: not valid JSON/);
  const r2 = run(writeDoc('schema.json', { schema: 'something-else', vectors: [] }));
  assert.equal(r2.status, 2);
  assert.match(r2.err, /schema must be "emv-vectors\/1"/);
  const r3 = run(join(work, 'missing.json'));
  assert.equal(r3.status, 2);
  assert.match(r3.err, /cannot read .*missing\.json \(ENOENT\)/);
});

test('several files are summed into one count', () => {
  const r = run(fixture, fixture);
  assert.equal(r.status, 0);
  assert.equal(r.lastLine, `${2 * total} passed, 0 failed`);
});
