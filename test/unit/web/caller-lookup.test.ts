import { describe, expect, it } from 'vitest';
import { createCallerLookup } from '../../../src/console/caller-lookup.ts';

// The screen pop's lookup: the CRM contact and the last calls from the history, each source
// optional and degrading to what the other knows.
const history = {
  async search(q: { number: string; limit: number }) {
    return q.number === '+573007654321'
      ? { calls: [{ id: 'cr-1', startedAt: '2026-12-01T13:00:00.000Z', disposition: 'answered', agentId: 'carla', queueId: 'support' }, { id: 'cr-2', startedAt: '2026-12-01T12:00:00.000Z', disposition: 'abandoned', queueId: 'support' }] }
      : { calls: [] };
  },
};
const contacts = {
  async findContactsByPhone(e164s: string[]) {
    return new Map(e164s.filter((n) => n === '+573007654321').map((n) => [n, [{ id: '51', name: 'Laura Pérez', ownerId: '9001', company: 'Acme Andina' }]]));
  },
};

describe('caller lookup (screen pop)', () => {
  it('gives the contact with the owner and link, and the last calls with the agents by name', async () => {
    const l = createCallerLookup({ contacts, history, defaultCountry: 'CO', contactUrl: (id) => `https://app.hubspot.com/contacts/1/record/0-1/${id}`, ownerName: (o) => (o === '9001' ? 'Ana Gómez' : undefined), agentName: (a) => (a === 'carla' ? 'Carla Ruiz' : undefined) });
    expect(await l.lookup('300 765 4321')).toEqual({
      contact: { id: '51', name: 'Laura Pérez', company: 'Acme Andina', owner: 'Ana Gómez', url: 'https://app.hubspot.com/contacts/1/record/0-1/51' },
      lastCalls: [
        { id: 'cr-1', at: '2026-12-01T13:00:00.000Z', disposition: 'answered', agent: 'Carla Ruiz', queue: 'support' },
        { id: 'cr-2', at: '2026-12-01T12:00:00.000Z', disposition: 'abandoned', queue: 'support' },
      ],
    });
  });

  it('without a CRM, or when it fails, still gives the last calls; a bad number gives nothing', async () => {
    const errors: string[] = [];
    const failing = { async findContactsByPhone(): Promise<never> { throw new Error('429'); } };
    const l = createCallerLookup({ contacts: failing, history, defaultCountry: 'CO', onError: (_e, what) => errors.push(what) });
    const r = await l.lookup('+573007654321');
    expect(r.contact).toBeNull();
    expect(r.lastCalls.map((c) => c.agent)).toEqual(['carla', undefined]); // no names configured: the id
    expect(errors).toEqual(['CRM contact search']);
    expect(await createCallerLookup({ history, defaultCountry: 'CO' }).lookup('not a number')).toEqual({ contact: null, lastCalls: [] });
  });
});
