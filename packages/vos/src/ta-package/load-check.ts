/**
 * Will this TA code load in V-OS? The static part of the install-time trial load
 * (worker/ta-manager.ts `#trialLoad`, docs/ta-packages.md "Identity and updates", step 5), for
 * tools that build bundles (`openvse ta pack`) and want the answer, with a line number, before
 * anything is signed. Nothing here runs the code.
 *
 * V-OS evaluates a TA by handing `WRAP_HEAD + code + WRAP_TAIL` to a SES Compartment. What that
 * refuses before running a line, this refuses the same way:
 *  1. SES's source rejections: the very functions `Compartment.prototype.evaluate` applies
 *     (`ses/tools.js` transforms, from the same `ses` package V-OS loads): an HTML-like comment
 *     (`<!--` or `-->` anywhere, comments and strings included), an apparent dynamic import
 *     (`import(`), an apparent direct eval (`eval(`);
 *  2. the parse: the same wrapped source, strict mode (SES evaluates strict), compiled by V8 with
 *     `node:vm` `Script` (compiled, never run): any syntax error, a static `import` / `export`
 *     included (a TA is a script, not a module);
 *  3. the module shape: the code must declare `TA_InvokeCommandEntryPoint` (the wrapper returns it;
 *     without it the trial load refuses the bundle), and must not reach for CommonJS (`require(…)`,
 *     `module.exports`): a TA's only globals are the syscalls of its capabilities, so such code
 *     throws when it runs (at install when it is top-level code, at the first command otherwise).
 * Checks 1–2 are exactly V-OS's; check 3 reads identifiers outside comments, strings, templates and
 * regular expressions, so it can be fooled by code that names its entry point only through a
 * computed property, which no TA written for V-OS does. What only running the code can tell (top-level
 * code that throws) is left to the trial load.
 */
import { Script } from 'node:vm';
import { transforms } from 'ses/tools.js';

// The wrapper TaInstance.create puts around a TA's code (worker/ta-instance.ts WRAP_HEAD/WRAP_TAIL,
// also in worker/ta-manager.ts; test/ta-package/trial-load.test.ts keeps the three copies equal).
const WRAP_HEAD = '(function () {\n';
const WRAP_TAIL = `
;return {
  create: typeof TA_CreateEntryPoint === 'function' ? TA_CreateEntryPoint : undefined,
  destroy: typeof TA_DestroyEntryPoint === 'function' ? TA_DestroyEntryPoint : undefined,
  open: typeof TA_OpenSessionEntryPoint === 'function' ? TA_OpenSessionEntryPoint : undefined,
  invoke: typeof TA_InvokeCommandEntryPoint === 'function' ? TA_InvokeCommandEntryPoint : undefined,
  close: typeof TA_CloseSessionEntryPoint === 'function' ? TA_CloseSessionEntryPoint : undefined,
};
})()`;

/** Lines WRAP_HEAD puts before the TA's first line. */
const HEAD_LINES = WRAP_HEAD.split('\n').length - 1;

/** Which rule a {@link TaLoadProblem} breaks. */
export type TaLoadRule =
  | 'html-comment'
  | 'import-expression'
  | 'direct-eval'
  | 'syntax'
  | 'entry-point'
  | 'commonjs';

/** One reason V-OS would not load a TA's code. */
export interface TaLoadProblem {
  /** The rule broken. */
  rule: TaLoadRule;
  /** 1-based line in the TA's code; absent when the problem is the file as a whole. */
  line?: number;
  /** What is wrong, for people (SES's or V8's own words where they come from SES or V8). */
  message: string;
}

const SES_RULES = [
  ['direct-eval', transforms.rejectSomeDirectEvalExpressions],
  ['html-comment', transforms.rejectHtmlComments],
  ['import-expression', transforms.rejectImportExpressions],
] as const;

function codeLine(wrappedLine: number, lines: number): number {
  return Math.min(Math.max(1, wrappedLine - HEAD_LINES), Math.max(1, lines));
}

/**
 * Every reason the code would not load in V-OS (empty when it would, as far as can be told
 * without running it), in the order of the file. See the module comment for the rules.
 */
export function checkTaCode(code: string): TaLoadProblem[] {
  if (typeof code !== 'string') throw new TypeError('checkTaCode: code must be a string');
  const lines = code.split('\n').length;
  const wrapped = WRAP_HEAD + code + WRAP_TAIL;
  const problems: TaLoadProblem[] = [];
  for (const [rule, reject] of SES_RULES) {
    try {
      reject(wrapped);
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      const at = /:(\d+)\. \((SES_[A-Z_]+)\)/.exec(message);
      problems.push({
        rule,
        ...(at ? { line: codeLine(Number(at[1]), lines) } : {}),
        message: message.replace(/ at [^ ]*:\d+\. \(/, ' ('),
      });
    }
  }
  const syntax = syntaxProblem(wrapped, lines);
  if (syntax) problems.push(syntax);
  else problems.push(...shapeProblems(code));
  return problems.sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
}

/** V8's verdict on the wrapped source in strict mode, as SES evaluates it; null when it parses. */
function syntaxProblem(wrapped: string, lines: number): TaLoadProblem | null {
  try {
    // Compiled, never run. The directive shares WRAP_HEAD's first line, so V8's line numbers
    // with lineOffset -HEAD_LINES are the TA file's own.
    new Script(`'use strict';${wrapped}`, { filename: 'ta.js', lineOffset: -HEAD_LINES });
    return null;
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    const at = /^ta\.js:(-?\d+)/.exec(e instanceof Error ? (e.stack ?? '') : '');
    if (at && Number(at[1]) > lines)
      // V8 stopped in the wrapper's tail: the code left something open.
      return {
        rule: 'syntax',
        line: lines,
        message: `SyntaxError: the code ends inside an unclosed bracket, string, template or comment (V8: ${message})`,
      };
    const line = at ? Math.max(1, Number(at[1])) : undefined;
    return { rule: 'syntax', ...(line !== undefined ? { line } : {}), message: `SyntaxError: ${message}` };
  }
}

function shapeProblems(code: string): TaLoadProblem[] {
  const toks = tokenize(code);
  const out: TaLoadProblem[] = [];
  const ids = toks.filter((t) => t.kind === 'id');
  const declares = (name: string) =>
    toks.some(
      (t, i) =>
        t.kind === 'id' &&
        t.text === name &&
        ['function', 'var', 'let', 'const', 'class'].includes(toks[i - 1]?.text ?? ''),
    );
  if (!ids.some((t) => t.text === 'TA_InvokeCommandEntryPoint'))
    out.push({
      rule: 'entry-point',
      message:
        'no TA_InvokeCommandEntryPoint: a TA declares its entry points as top-level functions (docs/writing-a-ta.md)',
    });
  const member = (i: number) => toks[i - 1]?.text === '.' && toks[i - 2]?.text !== '.';
  const requireDeclared = declares('require');
  toks.forEach((t, i) => {
    if (t.kind !== 'id' || member(i)) return;
    if (t.text === 'require' && !requireDeclared && toks[i + 1]?.text === '(')
      out.push({
        rule: 'commonjs',
        line: t.line,
        message:
          'require(…): a TA has no require; its only globals are the syscalls of its capabilities (bundle what it needs into this one file)',
      });
    if (t.text === 'module' && toks[i + 1]?.text === '.' && toks[i + 2]?.text === 'exports')
      out.push({
        rule: 'commonjs',
        line: t.line,
        message:
          'module.exports: a TA exports nothing; it declares TA_InvokeCommandEntryPoint as a top-level function',
      });
  });
  return out;
}

type Tok = { kind: 'id' | 'num' | 'str' | 'tpl' | 'regex' | 'punct'; text: string; line: number };

/** Keywords after which `/` starts a regular expression rather than a division. */
const BEFORE_EXPRESSION = new Set([
  'return',
  'typeof',
  'instanceof',
  'in',
  'of',
  'new',
  'delete',
  'void',
  'throw',
  'case',
  'do',
  'else',
  'yield',
  'await',
]);

/**
 * A JavaScript tokenizer good enough to tell code identifiers from comments, strings, templates
 * and regular expression literals in code V8 has already parsed (the `/` ambiguity is resolved
 * by the previous token, as parsers do in practice).
 */
function tokenize(code: string): Tok[] {
  const out: Tok[] = [];
  const n = code.length;
  let i = 0;
  let line = 1;
  // One entry per open `${`: the depth of ordinary braces opened inside it.
  const templates: number[] = [];
  let last: Tok | undefined;
  const push = (t: Tok): void => {
    out.push(t);
    last = t;
  };
  const regexAllowed = (): boolean => {
    if (!last) return true;
    if (last.kind === 'id') return BEFORE_EXPRESSION.has(last.text);
    if (last.kind !== 'punct') return false;
    return !(last.text === ')' || last.text === ']' || last.text === '}');
  };
  /** Scans template text from i (just after "`" or the "}" closing a substitution). */
  const templateChunk = (): void => {
    const start = line;
    while (i < n) {
      const c = code[i];
      if (c === '\\') {
        if (code[i + 1] === '\n') line++;
        i += 2;
      } else if (c === '`') {
        i++;
        push({ kind: 'tpl', text: '`', line: start });
        return;
      } else if (c === '$' && code[i + 1] === '{') {
        i += 2;
        templates.push(0);
        push({ kind: 'punct', text: '${', line });
        return;
      } else {
        if (c === '\n') line++;
        i++;
      }
    }
  };
  while (i < n) {
    const c = code[i] as string;
    const next = code[i + 1];
    if (c === '\n') {
      line++;
      i++;
    } else if (/\s/.test(c)) {
      i++;
    } else if (c === '/' && next === '/') {
      while (i < n && code[i] !== '\n') i++;
    } else if (c === '/' && next === '*') {
      const end = code.indexOf('*/', i + 2);
      const stop = end < 0 ? n : end + 2;
      for (let k = i; k < stop; k++) if (code[k] === '\n') line++;
      i = stop;
    } else if (c === '"' || c === "'") {
      const start = line;
      i++;
      while (i < n && code[i] !== c && code[i] !== '\n') {
        if (code[i] === '\\') {
          if (code[i + 1] === '\n') line++;
          i++;
        }
        i++;
      }
      i++;
      push({ kind: 'str', text: c, line: start });
    } else if (c === '`') {
      i++;
      templateChunk();
    } else if (c === '}' && templates.length > 0 && templates[templates.length - 1] === 0) {
      templates.pop();
      i++;
      templateChunk();
    } else if (c === '/' && regexAllowed()) {
      const start = line;
      let inClass = false;
      i++;
      while (i < n && code[i] !== '\n') {
        const d = code[i];
        if (d === '\\') i++;
        else if (d === '[') inClass = true;
        else if (d === ']') inClass = false;
        else if (d === '/' && !inClass) break;
        i++;
      }
      i++;
      while (i < n && /[A-Za-z]/.test(code[i] as string)) i++;
      push({ kind: 'regex', text: '/', line: start });
    } else if (/[A-Za-z_$\\\u0080-\uffff]/.test(c)) {
      const m = /^(?:[\w$\u0080-\uffff]|\\u[0-9A-Fa-f]{4}|\\u\{[0-9A-Fa-f]+\})+/.exec(code.slice(i, i + 256));
      const text = m ? m[0] : c;
      i += text.length;
      push({ kind: 'id', text, line });
    } else if (/[0-9]/.test(c) || (c === '.' && /[0-9]/.test(next ?? ''))) {
      const m = /^[0-9A-Za-z_.]+/.exec(code.slice(i, i + 256));
      i += m ? m[0].length : 1;
      push({ kind: 'num', text: '0', line });
    } else {
      if (templates.length > 0) {
        if (c === '{') templates[templates.length - 1]! += 1;
        else if (c === '}') templates[templates.length - 1]! -= 1;
      }
      i++;
      push({ kind: 'punct', text: c, line });
    }
  }
  return out;
}
