/**
 * `checkTaCode` (ta-package/load-check.ts), the static part of the install-time trial load that
 * `openvse ta pack` runs before it signs anything: it refuses what V-OS refuses, with the line, and
 * accepts what V-OS loads. Every refusal sample is also installed into a real V-OS, which must
 * refuse it too (TEE_ERROR_BAD_FORMAT), so the two cannot drift apart; the good TA and the CBP-style
 * tricky-but-valid code must pass both.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { checkTaCode, startVos, type TaLoadRule, TeeResult, type VosClient } from '../../src/index.js';
import { bundle, SCRIPT_TA_CODE, signer, tempDir } from '../runtime/fixture.js';

const UUID = 'cccccccc-0000-4000-8000-00000000000c';
const IM = 'im' + 'port';
const ENTRY = 'function TA_InvokeCommandEntryPoint(session, cmd, params) {\n  return 0;\n}\n';

/** [what, code, rule, line]: V-OS refuses each at install. */
const REFUSED: Array<[string, string, TaLoadRule, number | undefined]> = [
  ['a syntax error', `${ENTRY}const x = (1 +;\n`, 'syntax', 4],
  ['a missing closing brace', 'function TA_InvokeCommandEntryPoint() {\n  if (1) {\n', 'syntax', 3],
  ['strict mode: with', `${ENTRY}function f(o) {\n  with (o) { return 1; }\n}\n`, 'syntax', 5],
  ['a static import', `${IM} fs from 'node:fs';\n${ENTRY}`, 'syntax', 1],
  [
    'a dynamic import( in code',
    `${ENTRY}function load() {\n  return ${IM}('node:fs');\n}\n`,
    'import-expression',
    5,
  ],
  [
    'import( in a comment',
    `// ${IM}('node:fs') is refused by SES even here\n${ENTRY}`,
    'import-expression',
    1,
  ],
  ['an HTML open comment', `const x = 1;\nconst y = 2; <!-- refused\n${ENTRY}`, 'html-comment', 2],
  ['an HTML close comment', `${ENTRY}\n--> refused\n`, 'html-comment', 5],
  ['a direct eval', `${ENTRY}function f() {\n  return eval('1');\n}\n`, 'direct-eval', 5],
  ['no TA_InvokeCommandEntryPoint', 'function TA_OpenSessionEntryPoint() {}\n', 'entry-point', undefined],
  ['a top-level require(', `const fs = require('node:fs');\n${ENTRY}`, 'commonjs', 1],
  ['module.exports', `module.exports = {};\n${ENTRY}`, 'commonjs', 1],
];

describe('checkTaCode: what V-OS would not load, with its line', () => {
  let vos: VosClient;
  before(async () => {
    vos = await startVos({ dataDir: tempDir(), pinnedTaKeys: [signer.publicKeyPem] });
  });
  after(() => vos.shutdown());

  for (const [what, code, rule, line] of REFUSED) {
    it(`${what}: ${rule}${line ? ` at line ${line}` : ''}, and V-OS refuses it at install`, async () => {
      const problems = checkTaCode(code);
      assert.ok(
        problems.some((p) => p.rule === rule && p.line === line),
        `${what}: ${JSON.stringify(problems)}`,
      );
      for (const p of problems) assert.ok(p.message.length > 0 && !p.message.includes('\n'));
      await assert.rejects(vos.installTa(bundle({ uuid: UUID, code })), (e: unknown) => {
        assert.equal((e as { result?: number }).result, TeeResult.ERROR_BAD_FORMAT, `${what}: ${String(e)}`);
        return true;
      });
    });
  }

  it('accepts what V-OS loads: the script TA and valid code that only looks suspicious', async () => {
    const tricky = [
      SCRIPT_TA_CODE,
      'const s = "require(\'x\')";',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: TA source holding a template literal
      'const t = `module.exports ${`require(${1})`}`;',
      'const r = /require\\(/u.test("x") ? 1 / 2 : 3; // require(',
      '/* module.exports = 1; */',
      'const o = { require: 1, module: { exports: 2 } };',
      'const m = o.module.exports + o.require;',
    ].join('\n');
    assert.deepEqual(checkTaCode(tricky), []);
    await vos.installTa(bundle({ uuid: UUID, code: tricky, version: '1.0.0' }));
    assert.deepEqual(checkTaCode(ENTRY), []);
  });

  it('require( inside a function is refused here though V-OS would install it (it throws at the first call)', async () => {
    const code = `${ENTRY}function later() {\n  return require('node:fs');\n}\n`;
    assert.deepEqual(
      checkTaCode(code).map((p) => [p.rule, p.line]),
      [['commonjs', 5]],
    );
  });

  it('lists every problem in file order and refuses a non-string', () => {
    const code = `// ${IM}(\nconst a = 1; <!--\n${ENTRY}`;
    assert.deepEqual(
      checkTaCode(code).map((p) => [p.rule, p.line]),
      [
        ['import-expression', 1],
        ['html-comment', 2],
      ],
    );
    assert.throws(() => checkTaCode(42 as unknown as string), TypeError);
  });
});
