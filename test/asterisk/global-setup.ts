// One visible line saying where the scenarios run (the real-Asterisk target is skipped when no
// Asterisk is configured; the simulator target always runs).
import { labSettings } from './settings.ts';
import { targets } from './targets.ts';

export function setup(): void {
  const lab = labSettings();
  const on = targets();
  process.stdout.write(lab
    ? `test/asterisk: ${on.includes('lab') ? `real Asterisk at ${lab.ariUrl} (AMI ${lab.ami.host}:${lab.ami.port}, SIP ${lab.sip.host}:${lab.sip.port})` : 'real Asterisk configured but not selected'}${on.includes('sim') ? ' and the simulator' : ''}\n`
    : 'test/asterisk: real Asterisk SKIPPED (TEST_ASTERISK_ARI_URL not set, see test/asterisk/README.md); the scenarios run against the simulator only\n');
}
