// Installs the project's dialplan/ files on the real Asterisk exactly as dialplan/README.md tells
// a plain-Asterisk admin ("Plain Asterisk (no FreePBX)"), so the README is tested too:
//   1. extensions.conf: `#include extensions_custom.conf` and the PBX routes file, the
//      trunk's context routed to centralita-did, the fallback and hand-off contexts the file
//      references defined, and CENTRALITA_FALLBACK_DEFAULT edited; pjsip.conf: the templates;
//   2. ari.conf: the lines of ari_general_custom.conf under [general], plus the [centralita] user;
//   3. http.conf: the lines of http_custom.conf under [general];
//   4. the project's prompts into Asterisk's sounds/<lang>/;
//   5. module reload res_ari.so, module reload http, dialplan reload.
// Plus what only the scenarios need: PJSIP endpoints for the sipp phones and the carrier.
// Every file touched is restored by uninstall().
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const PHONE_PORTS = (base: number): Record<string, number> => ({
  1000: 5080, 1001: 5090, // the lab's own endpoints (main flow's operator dials PJSIP/1000)
  'ct-agent1': base + 1, 'ct-agent2': base + 2, 'ct-desk': base + 3, 'ct-reception': base + 4,
});
export const TRUNK_PORT = (base: number) => base + 5;

export interface InstallOptions { etcDir: string; soundsDir: string; appPassword: string; sippBasePort: number; repoDir: string; cli: (cmd: string) => Promise<string> }

const TEST_DIALPLAN = `; centralita scenarios (test/asterisk): the "trunk", fallback and hand-off targets a real
; installation has (FreePBX: inbound routes, ring group 600, ext-local — the extensions
; centralita-handoff includes; never from-internal, which carries the outbound routes).
[ct-in]
exten => _X.,1,Goto(centralita-did,\${EXTEN},1)

[ct-fallback]
exten => s,1,NoOp(centralita fallback: the receptionist)
 same => n,Dial(PJSIP/ct-reception,20)
 same => n,Hangup()

[ext-local]
exten => 2001,1,Dial(PJSIP/ct-desk,20)
 same => n,Hangup()

; a direct call to an agent's phone, not through the app (the phone is then in use)
[ct-direct]
exten => ct-agent1,1,Dial(PJSIP/ct-agent1,20)
 same => n,Hangup()
exten => ct-agent2,1,Dial(PJSIP/ct-agent2,20)
 same => n,Hangup()
`;

function pjsipConf(base: number): string {
  const phone = (name: string, port: number) => `[${name}](ct-phone)\naors = ${name}\n\n[${name}]\ntype = aor\ncontact = sip:${name}@127.0.0.1:${port}\n`;
  const ports = PHONE_PORTS(base);
  return `; centralita scenarios: phones and the carrier are sipp processes on loopback (static contacts)
[ct-phone](!)
type = endpoint
context = ct-in
disallow = all
allow = ulaw
dtmf_mode = rfc4733
direct_media = no
rtp_symmetric = yes

${['ct-agent1', 'ct-agent2', 'ct-desk', 'ct-reception'].map((n) => phone(n, ports[n]!)).join('\n')}
[trunk](ct-phone)
aors = trunk
dtmf_mode = info

; inbound callers from sipp (From user ct-caller: the capacity benchmark's load)
[ct-caller](ct-phone)

[trunk]
type = aor
contact = sip:127.0.0.1:${TRUNK_PORT(base)}
`;
}

/** Puts back the files saved in `backup` (a name ending .absent did not exist) and removes the backup. */
function restoreFrom(backup: string, etcDir: string): void {
  for (const f of readdirSync(backup)) {
    if (f.endsWith('.absent')) rmSync(join(etcDir, f.slice(0, -'.absent'.length)), { force: true });
    else writeFileSync(join(etcDir, f), readFileSync(join(backup, f), 'utf8'));
  }
  rmSync(backup, { recursive: true, force: true });
}

/** Inserts `lines` right after the `[general]` header of an Asterisk config file. */
function underGeneral(conf: string, lines: string): string {
  const i = conf.search(/^\[general\][^\n]*\n/m);
  if (i < 0) return `[general]\n${lines}\n${conf}`;
  const end = conf.indexOf('\n', i) + 1;
  return conf.slice(0, end) + lines + '\n' + conf.slice(end);
}

export async function install(o: InstallOptions): Promise<() => Promise<void>> {
  // The originals are kept on disk: a run that died before uninstall() is undone by the next
  // one (installing twice would duplicate [centralita] in ari.conf, and Asterisk then loads no
  // ARI user at all).
  const backup = join(o.etcDir, '.centralita-scenarios-backup');
  if (existsSync(backup)) restoreFrom(backup, o.etcDir);
  mkdirSync(backup, { recursive: true });
  const saved = new Set<string>();
  const write = (name: string, content: string) => {
    const p = join(o.etcDir, name);
    if (!saved.has(name)) {
      saved.add(name);
      writeFileSync(join(backup, name + (existsSync(p) ? '' : '.absent')), existsSync(p) ? readFileSync(p, 'utf8') : '');
    }
    writeFileSync(p, content);
  };
  const read = (name: string) => readFileSync(join(o.etcDir, name), 'utf8');
  const dp = (name: string) => readFileSync(join(o.repoDir, 'dialplan', name), 'utf8');

  // 1. Dialplan: the file as shipped, with the fallback edited the way the README says.
  write('extensions_custom.conf', dp('extensions_custom.conf').replace(/^CENTRALITA_FALLBACK_DEFAULT=.*$/m, 'CENTRALITA_FALLBACK_DEFAULT=ct-fallback,s,1'));
  write('extensions_centralita_routes.conf', dp('extensions_centralita_routes.conf'));
  write('ct_scenarios.conf', TEST_DIALPLAN);
  const ext = read('extensions.conf');
  write('extensions.conf', `${ext}\n#include extensions_custom.conf\n#include extensions_centralita_routes.conf\n#include ct_scenarios.conf\n`);
  // 2. ARI: general lines + the app's own user with its password.
  const general = dp('ari_general_custom.conf').split('\n').filter((l) => !/^\s*;/.test(l) && l.trim()).join('\n');
  const user = dp('ari_additional_custom.conf').replace('CHANGE-ME-long-random-secret', o.appPassword);
  write('ari.conf', `${underGeneral(read('ari.conf'), general)}\n${user}`);
  // 3. HTTP server.
  const http = dp('http_custom.conf').split('\n').filter((l) => !/^\s*;/.test(l) && l.trim()).join('\n');
  write('http.conf', underGeneral(read('http.conf'), http));
  // Scenario phones.
  write('pjsip_centralita.conf', dp('pjsip_centralita.conf'));
  write('ct_pjsip.conf', pjsipConf(o.sippBasePort));
  write('pjsip.conf', `${read('pjsip.conf')}\n#include pjsip_centralita.conf\n#include ct_pjsip.conf\n`);
  // 4. Prompts: sounds/<lang>/*.wav → Asterisk's sounds/<lang>/.
  const copied: string[] = [];
  for (const lang of readdirSync(join(o.repoDir, 'sounds'), { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name)) {
    mkdirSync(join(o.soundsDir, lang), { recursive: true });
    for (const f of readdirSync(join(o.repoDir, 'sounds', lang)).filter((f) => f.endsWith('.wav'))) {
      const to = join(o.soundsDir, lang, f);
      if (!existsSync(to)) { copyFileSync(join(o.repoDir, 'sounds', lang, f), to); copied.push(to); }
    }
  }
  // 5. Reloads.
  for (const cmd of ['module reload res_ari.so', 'module reload http', 'dialplan reload', 'module reload res_pjsip.so']) await o.cli(cmd);

  return async () => {
    restoreFrom(backup, o.etcDir);
    for (const f of copied) rmSync(f, { force: true });
    for (const cmd of ['module reload res_ari.so', 'dialplan reload', 'module reload res_pjsip.so']) await o.cli(cmd).catch(() => '');
  };
}
