#!/usr/bin/env node
// `openvse` as npm links it (node_modules/.bin/openvse, so `npx openvse` after `npm ci`). This
// file is kept in git so that npm finds it at install time, before the TypeScript build exists:
// it runs the built command (../dist/src/main.js), or says how to build it.
import { existsSync } from 'node:fs';

const main = new URL('../dist/src/main.js', import.meta.url);
if (!existsSync(main)) {
  console.error('openvse: not built yet; run `npm run build` at the repository root first');
  process.exit(2);
}
await import(main.href);
