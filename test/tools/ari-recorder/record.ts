// Records ARI traces from a real Asterisk (the lab: /work/shared/asterisk-lab) into
// test/fixtures/ari-traces/<scenario>.json, for test/integration/sim/trace-replay.test.ts.
//
//   sh lab.sh install && node test/tools/ari-recorder/record.ts --setup && sh lab.sh start
//   node test/tools/ari-recorder/record.ts [--list] [scenario...]     (default: all, core-stop-now last)
//   node test/tools/ari-recorder/record.ts --resim    (re-embed lab-mirror.ts into the recorded traces)
//
// --setup installs this folder's lab/ additions into $AST_PREFIX/etc/asterisk (the way
// dialplan/README.md tells an admin: an #include line) and channelvars into ari.conf.
// ARI: TEST_ASTERISK_ARI_URL (default http://127.0.0.1:8088), _USER / _PASSWORD (lab / lab).
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Recorder } from './recorder.ts';
import { labSim, LAB_CHANNELVARS } from './lab-mirror.ts';
import { DIAL_SCENARIOS, type Scenario } from './scenarios-dial.ts';
import { CALL_SCENARIOS } from './scenarios-calls.ts';
import { SURFACE_SCENARIOS } from './scenarios-surface.ts';

const SCENARIOS: Scenario[] = [...DIAL_SCENARIOS, ...CALL_SCENARIOS, ...SURFACE_SCENARIOS];
const OUT = new URL('../../fixtures/ari-traces/', import.meta.url).pathname;
const LAB_DIR = new URL('./lab/', import.meta.url).pathname;

function setup(): void {
  const prefix = process.env.AST_PREFIX ?? `${process.env.HOME}/.cache/centralita-lab/asterisk`;
  const etc = join(prefix, 'etc/asterisk');
  if (!existsSync(join(etc, 'extensions.conf'))) throw new Error(`no lab config in ${etc}: run sh lab.sh install first`);
  const include = (file: string, extra: string) => {
    copyFileSync(join(LAB_DIR, extra), join(etc, extra));
    const path = join(etc, file);
    const text = readFileSync(path, 'utf8');
    if (!text.includes(`#include ${extra}`)) writeFileSync(path, `${text.trimEnd()}\n\n#include ${extra}\n`);
  };
  include('extensions.conf', 'extensions_rec.conf');
  include('pjsip.conf', 'pjsip_rec.conf');
  // Mailboxes over ARI need res_mwi_external, which cannot load next to app_voicemail.
  const modules = join(etc, 'modules.conf');
  const mods = readFileSync(modules, 'utf8');
  if (!mods.includes('res_mwi_external.so')) {
    writeFileSync(modules, `${mods.trimEnd()}\nnoload => app_voicemail.so\nload => res_mwi_external.so\nload => res_ari_mailboxes.so\n`);
  }
  const ari = join(etc, 'ari.conf');
  const text = readFileSync(ari, 'utf8');
  if (!/^channelvars\s*=/m.test(text)) writeFileSync(ari, text.replace(/^\[general\]\s*$/m, `[general]\nchannelvars = ${LAB_CHANNELVARS.join(',')}`));
  console.log(`recorder config installed into ${etc}; (re)start the lab`);
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args.includes('--setup')) return setup();
  if (args.includes('--resim')) {
    // The lab mirror changed: rewrite the `sim` block of the recorded traces, nothing else.
    for (const sc of SCENARIOS) {
      const path = join(OUT, `${sc.name}.json`);
      if (!existsSync(path)) continue;
      const trace = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
      trace.sim = labSim(sc.sim);
      writeFileSync(path, JSON.stringify(trace, null, 1) + '\n');
    }
    return;
  }
  if (args.includes('--list')) {
    for (const s of SCENARIOS) console.log(`${s.name}: ${s.description}`);
    return;
  }
  const wanted = args.filter((a) => !a.startsWith('--'));
  const chosen = wanted.length ? SCENARIOS.filter((s) => wanted.includes(s.name)) : SCENARIOS;
  if (wanted.length && chosen.length !== wanted.length) throw new Error(`unknown scenario among ${wanted.join(', ')}`);
  mkdirSync(OUT, { recursive: true });
  const opts = {
    url: process.env.TEST_ASTERISK_ARI_URL ?? 'http://127.0.0.1:8088',
    user: process.env.TEST_ASTERISK_ARI_USER ?? 'lab',
    password: process.env.TEST_ASTERISK_ARI_PASSWORD ?? 'lab',
  };
  let failed = 0;
  for (const s of chosen) {
    const r = new Recorder(opts);
    const started = Date.now();
    try {
      await r.cleanup();
      await s.run(r);
      await r.sleep(500);
    } catch (err) {
      failed++;
      r.note(`recorder error: ${(err as Error).message}`);
      console.error(`${s.name}: ${(err as Error).message}`);
    } finally {
      await r.dispose();
    }
    await r.sleep(200);
    const trace = r.trace(s.name, s.description, labSim(s.sim));
    writeFileSync(join(OUT, `${s.name}.json`), JSON.stringify(trace, null, 1) + '\n');
    const n = (trace.log as unknown[]).length;
    console.log(`${s.name}: ${n} entries in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }
  if (failed) process.exitCode = 1;
}

await main();
