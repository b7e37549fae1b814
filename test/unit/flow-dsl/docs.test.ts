// Every TypeScript example in docs/flows.md compiles as written, so a reader who copies one
// gets working code (imports included). A block whose first line names a file (`// flows/x.ts`)
// is that file; any other block is a fragment of a flow's `nodes` (or schedules), checked
// inside an object with the flow language imported.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const DOC = 'docs/flows.md';
const blocks = [...readFileSync(DOC, 'utf8').matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => ({
  code: m[1]!,
  line: readFileSync(DOC, 'utf8').slice(0, m.index).split('\n').length + 1,
}));
const DSL_EXPORTS = 'defineFlow, play, menu, gather, hours, queue, dial, transfer, voicemail, setLanguage, setVar, branch, lookup, hangup, sayDigits, sayNumber, defineLookups, defineSchedule, defineRegistry';

describe('docs/flows.md examples', () => {
  it('has examples, and each module example says which file it is', () => {
    expect(blocks.length).toBeGreaterThan(15);
    for (const b of blocks) if (/^\s*(import|export)\b/m.test(b.code)) expect(b.code, `${DOC}:${b.line}`).toMatch(/^\/\/ [\w./-]+\.ts\n/);
  });

  it('every example type-checks', () => {
    const virtual = new Map<string, { text: string; docLine: number; offset: number }>();
    blocks.forEach((b, i) => {
      const named = /^\/\/ ([\w./-]+\.ts)\n/.exec(b.code);
      if (named) virtual.set(resolve(named[1]!), { text: b.code, docLine: b.line, offset: 0 });
      else virtual.set(resolve(`flows/__docs_fragment_${i}.ts`), { text: `import { ${DSL_EXPORTS} } from '../src/flow-dsl/index.ts';\nexport const fragment = {\n${b.code}};\n`, docLine: b.line, offset: 2 });
    });
    const cfg = ts.readConfigFile('tsconfig.json', (f) => ts.sys.readFile(f));
    const options = { ...ts.parseJsonConfigFileContent(cfg.config, ts.sys, process.cwd()).options, noEmit: true };
    const host = ts.createCompilerHost(options);
    const { getSourceFile, fileExists, readFile } = host;
    host.fileExists = (f) => virtual.has(resolve(f)) || fileExists.call(host, f);
    host.readFile = (f) => virtual.get(resolve(f))?.text ?? readFile.call(host, f);
    host.getSourceFile = (f, lang, ...rest) => {
      const v = virtual.get(resolve(f));
      return v ? ts.createSourceFile(f, v.text, lang, true) : getSourceFile.call(host, f, lang, ...rest);
    };
    const program = ts.createProgram({ rootNames: [...virtual.keys()], options, host });
    const errors = ts.getPreEmitDiagnostics(program).flatMap((d) => {
      const v = d.file && virtual.get(resolve(d.file.fileName));
      if (!v || d.start === undefined) return [];
      const { line } = d.file!.getLineAndCharacterOfPosition(d.start);
      return [`${DOC}:${v.docLine + line - v.offset}: TS${d.code} ${ts.flattenDiagnosticMessageText(d.messageText, ' ')}`];
    });
    expect(errors).toEqual([]);
  });
});
