import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { AMI_EVENTFILTERS, AMI_READ, AMI_WRITE } from '../../../src/telephony/ami/filters.ts';
import { parseFilter } from '../../../src/sim/ami/filter.ts';

// dialplan/manager_custom.conf is what admins install; the app's own list configures the
// simulator. They must say the same, and every line must be valid eventfilter syntax.
describe('dialplan/manager_custom.conf', () => {
  const conf = readFileSync('dialplan/manager_custom.conf', 'utf8');
  it('has exactly the app\'s eventfilters, read and write classes', () => {
    const lines = conf.split('\n').filter((l) => l.startsWith('eventfilter'));
    expect(lines).toEqual([...AMI_EVENTFILTERS]);
    expect(conf).toMatch(new RegExp(`^read = ${AMI_READ.join(',')}$`, 'm'));
    expect(conf).toMatch(new RegExp(`^write = ${AMI_WRITE.join(',')}$`, 'm'));
    for (const l of lines) { const eq = l.indexOf('='); expect(() => parseFilter(l.slice(0, eq), l.slice(eq + 1))).not.toThrow(); }
  });
  it('limits the user to one address and turns on event timestamps', () => {
    expect(conf).toMatch(/^deny = 0\.0\.0\.0\/0\.0\.0\.0$/m);
    expect(conf).toMatch(/^permit = 127\.0\.0\.1\/255\.255\.255\.255$/m);
    expect(conf).toMatch(/^timestampevents = yes$/m);
  });
});
