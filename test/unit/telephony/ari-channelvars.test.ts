import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ARI_CHANNELVARS } from '../../../src/calls/contract.ts';

// dialplan/ari_general_custom.conf is what admins install; the same list configures the embedded
// simulator (src/main.ts), so the default and a real Asterisk send the same snapshots.
describe('dialplan/ari_general_custom.conf channelvars', () => {
  it('names exactly the variables the app expects in every snapshot', () => {
    const line = readFileSync('dialplan/ari_general_custom.conf', 'utf8').split('\n').find((l) => /^channelvars\s*=/.test(l));
    expect(line?.split('=')[1]!.trim().split(',')).toEqual([...ARI_CHANNELVARS]);
  });
});
