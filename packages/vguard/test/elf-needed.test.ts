/**
 * elfNeededLibraries: DT_NEEDED from hand-built ELF files (64-bit little-endian, 32-bit big-endian,
 * static), the running node binary against binutils' readelf, and garbage that must give
 * undefined or a list, never an exception.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { closeSync, openSync, readSync } from 'node:fs';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { elfNeededLibraries, type RangeReader } from '../src/elf-needed.js';
import { processContext } from '../src/index.js';
import { requireTool, skipUnless } from './helpers/system.js';

function reader(bytes: Uint8Array): RangeReader {
  return (offset, length) => (offset > bytes.length ? undefined : bytes.subarray(offset, offset + length));
}

/**
 * A minimal ELF: header, two program headers (PT_LOAD covering the whole file at vaddr 0x400000,
 * PT_DYNAMIC), a dynamic section (DT_NEEDED…, DT_STRTAB as a virtual address, DT_STRSZ, DT_NULL)
 * and the string table.
 */
function buildElf(needed: string[], opts: { is64: boolean; little: boolean; dynamic?: boolean }): Uint8Array {
  const { is64, little } = opts;
  const ehsize = is64 ? 64 : 52;
  const phentsize = is64 ? 56 : 32;
  const phnum = opts.dynamic === false ? 1 : 2;
  const dynEntry = is64 ? 16 : 8;
  const strings = [''];
  const offsets: number[] = [];
  let strLen = 1;
  for (const n of needed) {
    offsets.push(strLen);
    strings.push(n);
    strLen += n.length + 1;
  }
  const dynOff = ehsize + phentsize * phnum;
  const dynCount = needed.length + 3;
  const strOff = dynOff + dynCount * dynEntry;
  const size = strOff + strLen;
  const buf = new Uint8Array(size);
  const v = new DataView(buf.buffer);
  buf.set([0x7f, 0x45, 0x4c, 0x46, is64 ? 2 : 1, little ? 1 : 2, 1]);
  const base = 0x400000;
  const put = (at: number, value: number) =>
    is64 ? v.setBigUint64(at, BigInt(value), little) : v.setUint32(at, value, little);
  if (is64) {
    v.setBigUint64(32, BigInt(ehsize), little);
    v.setUint16(54, phentsize, little);
    v.setUint16(56, phnum, little);
  } else {
    v.setUint32(28, ehsize, little);
    v.setUint16(42, phentsize, little);
    v.setUint16(44, phnum, little);
  }
  const ph = (i: number, type: number, offset: number, vaddr: number, filesz: number) => {
    const b = ehsize + i * phentsize;
    v.setUint32(b, type, little);
    if (is64) {
      v.setBigUint64(b + 8, BigInt(offset), little);
      v.setBigUint64(b + 16, BigInt(vaddr), little);
      v.setBigUint64(b + 32, BigInt(filesz), little);
    } else {
      v.setUint32(b + 4, offset, little);
      v.setUint32(b + 8, vaddr, little);
      v.setUint32(b + 16, filesz, little);
    }
  };
  ph(0, 1, 0, base, size);
  if (opts.dynamic === false) return buf;
  ph(1, 2, dynOff, base + dynOff, dynCount * dynEntry);
  let at = dynOff;
  const dyn = (tag: number, val: number) => {
    put(at, tag);
    put(at + dynEntry / 2, val);
    at += dynEntry;
  };
  for (const o of offsets) dyn(1, o);
  dyn(5, base + strOff);
  dyn(10, strLen);
  dyn(0, 0);
  buf.set(new TextEncoder().encode(strings.join('\0')), strOff);
  return buf;
}

describe('elfNeededLibraries', () => {
  test('64-bit little-endian and 32-bit big-endian files give their DT_NEEDED names in order', () => {
    const names = ['libatomic.so.1', 'libstdc++.so.6', 'libc.so.6'];
    assert.deepEqual(elfNeededLibraries(reader(buildElf(names, { is64: true, little: true }))), names);
    assert.deepEqual(elfNeededLibraries(reader(buildElf(names, { is64: false, little: false }))), names);
  });

  test('a static executable (no PT_DYNAMIC) needs nothing', () => {
    assert.deepEqual(
      elfNeededLibraries(reader(buildElf([], { is64: true, little: true, dynamic: false }))),
      [],
    );
  });

  test('not ELF, truncated, or a string offset past DT_STRSZ: undefined', () => {
    assert.equal(elfNeededLibraries(reader(new TextEncoder().encode('#!/bin/sh\necho hi\n'))), undefined);
    const good = buildElf(['libc.so.6'], { is64: true, little: true });
    assert.equal(elfNeededLibraries(reader(good.subarray(0, 80))), undefined);
    const bad = good.slice();
    new DataView(bad.buffer).setBigUint64(64 + 2 * 56 + 8, 999n, true); // DT_NEEDED's string offset (d_val)
    assert.equal(elfNeededLibraries(reader(bad)), undefined);
    assert.equal(
      elfNeededLibraries(() => undefined),
      undefined,
    );
  });

  test('garbage never throws (fast-check): undefined or a list of plain names', () => {
    const header = buildElf(['libc.so.6'], { is64: true, little: true });
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 400 }),
        fc.nat({ max: 399 }),
        fc.boolean(),
        (noise, at, keepHeader) => {
          const bytes = keepHeader ? header.slice() : noise;
          if (keepHeader) bytes.set(noise.subarray(0, Math.max(0, bytes.length - at)), at % bytes.length);
          const out = elfNeededLibraries(reader(bytes));
          assert.ok(out === undefined || (Array.isArray(out) && out.every((n) => /^[\w.+-]+$/.test(n))));
        },
      ),
      { numRuns: 500 },
    );
  });

  test('the running node binary: the same list as binutils readelf -d', (t) => {
    if (!skipUnless(t, process.platform === 'linux', 'needs Linux /proc/self/exe')) return;
    if (!requireTool(t, 'readelf')) return;
    const fd = openSync('/proc/self/exe', 'r');
    let ours: string[] | undefined;
    try {
      ours = elfNeededLibraries((offset, length) => {
        const buf = new Uint8Array(length);
        return buf.subarray(0, readSync(fd, buf, 0, length, offset));
      });
    } finally {
      closeSync(fd);
    }
    const r = spawnSync('readelf', ['-d', process.execPath], { encoding: 'utf8' });
    const theirs = [...r.stdout.matchAll(/\(NEEDED\)\s+Shared library: \[([^\]]+)\]/g)].map((m) => m[1]);
    console.log(`# ${process.version} DT_NEEDED: ${theirs.join(' ')}`);
    assert.deepEqual(ours, theirs);
    assert.deepEqual(processContext().neededLibraries(), theirs);
  });
});
