// The shipped fail2ban jails and filter with fail2ban itself (Debian package, installed by
// .ci/run): the Asterisk security lines are real ones from the lab Asterisk 22 (a wrong
// password and an unknown account, addresses replaced by a documentation address), the
// FreePBX lines follow framework's freepbx_log_security() in its two formats.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const repo = (p: string) => fileURLToPath(new URL(`../../${p}`, import.meta.url));
const has = spawnSync('fail2ban-regex', ['--version']).status === 0;
if (!has) {
  if (process.env.CI) throw new Error('fail2ban is missing: .ci/run installs the Debian package fail2ban');
  console.log('SKIPPED fail2ban tests: apt-get install fail2ban');
}
const regex = (log: string, filter: string) => spawnSync('fail2ban-regex', [repo(log), filter, '--print-all-matched'], { encoding: 'utf8' }).stdout;

describe.skipIf(!has)('fail2ban', () => {
  it('the asterisk jail\'s filter catches every failed authentication in the security log', () => {
    expect(regex('test/deploy/fixtures/asterisk-security.log', '/etc/fail2ban/filter.d/asterisk.conf')).toMatch(/Lines: 4 lines, 0 ignored, 4 matched, 0 missed/);
  });
  it('freepbx-gui catches failed GUI logins (both formats) and not successful ones', () => {
    const out = regex('test/deploy/fixtures/freepbx_security.log', repo('deploy/fail2ban/filter.d/freepbx-gui.conf'));
    expect(out).toMatch(/Lines: 3 lines, 0 ignored, 2 matched, 1 missed/);
    const matched = out.split('Matched line(s):')[1]!.split('Missed line(s):')[0]!;
    expect(matched.match(/Authentication failure for admin from 203\.0\.113\.7/g)).toHaveLength(2);
    expect(matched).not.toContain('successful');
  });
  it('the jail file is a valid fail2ban configuration with both jails', () => {
    const dir = mkdtempSync(join(tmpdir(), 'f2b-'));
    cpSync('/etc/fail2ban', dir, { recursive: true });
    mkdirSync(join(dir, 'logs'));
    for (const f of ['security', 'messages', 'freepbx_security.log']) writeFileSync(join(dir, 'logs', f), '');
    writeFileSync(join(dir, 'jail.d', 'centralita.conf'), readFileSync(repo('deploy/fail2ban/jail.d/centralita.conf'), 'utf8').split('/var/log/asterisk/').join(`${dir}/logs/`));
    cpSync(repo('deploy/fail2ban/filter.d/freepbx-gui.conf'), join(dir, 'filter.d', 'freepbx-gui.conf'));
    writeFileSync(join(dir, 'jail.d', 'zz-test.local'), '[sshd]\nenabled = false\n'); // Debian's default jail: no auth.log here
    const test = spawnSync('fail2ban-client', ['-c', dir, '--test'], { encoding: 'utf8' });
    expect(test.stdout + test.stderr).toContain('OK: configuration test is successful');
    const dump = spawnSync('fail2ban-client', ['-c', dir, '-d'], { encoding: 'utf8' }).stdout;
    expect(dump).toContain("['add', 'asterisk', 'auto']");
    expect(dump).toContain("['add', 'freepbx-gui', 'auto']");
  });
});
