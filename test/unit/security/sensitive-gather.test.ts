// `sensitive: true` on gather: the flow can use the digits; the record, HubSpot body and
// `flows check` keep them from leaking (reading back, copying into another variable).
import { describe, expect, it } from 'vitest';
import { defineFlow, gather, hangup, play, sayDigits, setVar, lookup } from '../../../src/flow-dsl/define.ts';
import { validateFlow } from '../../../src/flow-dsl/validate.ts';
import { buildCallProperties, chooseContact } from '../../../src/integrations/hubspot/call-properties.ts';
import { parseHubspotSettings } from '../../../src/integrations/hubspot/settings.ts';
import { dialFlow } from '../../fakes/flow-harness.ts';

const cat = { schedules: new Set<string>(), lookups: new Set(['check']) };

describe('sensitive gather', () => {
  it('flows check refuses reading the digits back or copying them', () => {
    const bad = defineFlow({
      id: 'pin', language: 'es', start: 'pin',
      nodes: {
        pin: gather({ prompt: 'enter-account', into: 'pin', maxDigits: 4, sensitive: true, readBack: {}, next: 'say', onFailure: 'bye' }),
        say: play(['you-entered', sayDigits('pin')], 'copy'),
        copy: setVar('pinCopy', 'x{{pin}}', 'bye'),
        bye: hangup(),
      },
    });
    const issues = validateFlow(bad, cat).filter((i) => i.code === 'FLOW_SENSITIVE_EXPOSED').map((i) => i.node);
    expect(issues).toEqual(['pin', 'say', 'copy']);
  });

  it('the flow uses the digits; the output path, variables and HubSpot body never carry them', async () => {
    const seen: string[] = [];
    const flow = defineFlow({
      id: 'pin', language: 'es', start: 'pin',
      nodes: {
        pin: gather({ prompt: 'enter-account', into: 'pin', maxDigits: 4, sensitive: true, next: 'check', onFailure: 'bye' }),
        check: lookup({ fn: 'check', found: 'bye', notFound: 'bye' }),
        bye: hangup(),
      },
    });
    const call = await dialFlow(flow, { at: '2026-03-02T10:00:00-05:00' }, { lookups: { check: async ({ view }) => { seen.push(view.vars.pin ?? ''); return { ok: 'yes' }; } } });
    await call.listen();
    await call.press('9731');
    const out = await call.finish();
    expect(seen).toEqual(['9731']);
    expect(JSON.stringify(out)).not.toContain('9731');
    expect(out.path.find((s) => s.node === 'pin' && s.outcome === 'collected')).toBeDefined();
    const record = { id: 'r', linkedId: 'r', direction: 'inbound' as const, from: '+573001234567', to: '+576015550100', startedAt: '2026-03-02T15:00:00Z', endedAt: '2026-03-02T15:01:00Z', talkSeconds: 0, waitSeconds: 0, disposition: 'answered' as const, hangupSide: 'caller' as const, path: out.path, variables: out.variables };
    const settings = parseHubspotSettings({});
    const body = JSON.stringify(buildCallProperties({ record, settings, choice: chooseContact([], settings.matchRule) }));
    expect(body).toContain('hs_call_body');
    expect(body).not.toContain('9731');
  });
});
