// Installs what the AMI scenarios need on the real Asterisk, the way dialplan/README.md tells an
// admin ("Every call on the PBX"): the manager user of dialplan/manager_custom.conf (with the
// app's eventfilters), cel.conf from dialplan/cel_general_custom.conf, `timestampevents`; plus
// what a FreePBX would already have: desk phones 3101-3104 (sipp), a carrier trunk, an app_queue
// queue 400 with 3103/3104, and from-internal / from-pstn / ext-queues contexts. Every file
// touched is restored by the returned uninstall().
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface AmiInstall { etcDir: string; repoDir: string; secret: string; sippBasePort: number; cli: (cmd: string) => Promise<string> }

const phones = (base: number) => ({ 3101: base + 1, 3102: base + 2, 3103: base + 3, 3104: base + 4 });
export const CARRIER_PORT = (base: number) => base + 5;
export const CARRIER_UAC_PORT = (base: number) => base + 6;
export const PHONE_PORT = (base: number, ext: string) => (phones(base) as Record<string, number>)[ext]!;

function pjsip(base: number): string {
  const p = phones(base);
  return `[ami-phone](!)\ntype=endpoint\ncontext=from-internal\ndisallow=all\nallow=ulaw\ndtmf_mode=rfc4733\ndirect_media=no\nrtp_symmetric=yes\n\n` +
    Object.entries(p).map(([e, port]) => `[${e}](ami-phone)\naors=${e}\n[${e}]\ntype=aor\ncontact=sip:${e}@127.0.0.1:${port}\n`).join('\n') +
    `\n[amitrunk](ami-phone)\ncontext=from-pstn\ntrust_id_inbound=yes\naors=amitrunk\n[amitrunk]\ntype=aor\ncontact=sip:127.0.0.1:${CARRIER_PORT(base)}\n`;
}

const DIALPLAN = `; centralita AMI scenarios: what FreePBX generates for extensions, a queue and a trunk
[from-internal]
exten => _31XX,1,Dial(PJSIP/\${EXTEN},20)
 same => n,Hangup()
exten => 400,1,Goto(ext-queues,400,1)
exten => _X.,1,Dial(PJSIP/\${EXTEN}@amitrunk,60)
 same => n,Hangup()

[from-pstn]
exten => 6015550400,1,Goto(ext-queues,400,1)
exten => 6015550100,1,Goto(ami-stasis,s,1)

[ext-queues]
exten => 400,1,Answer()
 same => n,MixMonitor(q400-\${UNIQUEID}.wav,b)
 same => n,Queue(400,t,,,300)
 same => n,Hangup()

[ami-stasis]
exten => s,1,Set(__LINKEDID=\${CHANNEL(linkedid)})
 same => n,Stasis(centralita,main)
 same => n,Hangup()
`;

const QUEUES = `[400]\nstrategy=ringall\ntimeout=15\nretry=5\nmember => PJSIP/3103,0,Agent 3103\nmember => PJSIP/3104,0,Agent 3104\n`;

export async function installAmi(o: AmiInstall): Promise<() => Promise<void>> {
  const saved = new Map<string, string | undefined>();
  const write = (name: string, content: string) => {
    const p = join(o.etcDir, name);
    if (!saved.has(p)) saved.set(p, existsSync(p) ? readFileSync(p, 'utf8') : undefined);
    writeFileSync(p, content);
  };
  const read = (name: string) => (existsSync(join(o.etcDir, name)) ? readFileSync(join(o.etcDir, name), 'utf8') : '');
  const shipped = (name: string) => readFileSync(join(o.repoDir, 'dialplan', name), 'utf8');
  // manager_custom.conf as shipped, with the secret and the ACL set the way the README says.
  const manager = shipped('manager_custom.conf').replace('CHANGE-ME-long-random-secret', o.secret);
  write('manager.conf', `${read('manager.conf')}\n#include ct_ami_manager.conf\n`);
  write('ct_ami_manager.conf', manager);
  // cel.conf: FreePBX includes cel_general_custom.conf; plain Asterisk gets the same lines.
  write('cel.conf', shipped('cel_general_custom.conf').replace(/\]\+/g, ']'));
  write('queues.conf', `${read('queues.conf')}\n${QUEUES}`);
  write('ct_ami_pjsip.conf', pjsip(o.sippBasePort));
  write('pjsip.conf', `${read('pjsip.conf')}\n#include ct_ami_pjsip.conf\n`);
  write('ct_ami_dialplan.conf', DIALPLAN);
  write('extensions.conf', `${read('extensions.conf')}\n#include ct_ami_dialplan.conf\n`);
  for (const cmd of ['manager reload', 'module reload cel', 'module reload cel_manager.so', 'queue reload all', 'module reload res_pjsip.so', 'dialplan reload']) await o.cli(cmd);
  return async () => {
    for (const [p, content] of saved) {
      if (content === undefined) rmSync(p, { force: true });
      else writeFileSync(p, content);
    }
    for (const cmd of ['manager reload', 'module reload cel', 'module reload cel_manager.so', 'queue reload all', 'module reload res_pjsip.so', 'dialplan reload']) await o.cli(cmd).catch(() => '');
  };
}
