import { describe, expect, it } from 'vitest';
import { createLiveHub, type LiveSink } from '../../../src/live/hub.ts';
import { createLivePolicy, type Viewer } from '../../../src/live/policy.ts';
import type { LiveMessage } from '../../../src/wallboard/types.ts';

// The live channel's buffer: ids, resuming after a blip, reset when it cannot, who sees what,
// masking, and cutting off a client that falls too far behind.
const policy = createLivePolicy({ seesNumbers: (v) => v.roles.includes('admin') || v.roles.includes('supervisor'), agentQueues: (id) => (id === 'ana' ? ['sales'] : []) });
const mask = (d: unknown) => JSON.parse(JSON.stringify(d).replace(/"(caller|from)":"[^"]*"/g, '"$1":"•••"')) as unknown;
const admin: Viewer = { kind: 'user', id: 'u1', roles: ['admin'] };
const ana: Viewer = { kind: 'user', id: 'u2', roles: ['agent'], agentId: 'ana' };

function sink(opts: { queued?: () => number } = {}) {
  const frames: string[] = [];
  let closed: string | undefined;
  const s: LiveSink & { frames: string[]; closed(): string | undefined; events(): { id: string; type: string; data: unknown }[] } = {
    frames,
    write: (f) => { frames.push(f); return true; },
    queuedBytes: opts.queued ?? (() => 0),
    close: (r) => { closed = r; },
    closed: () => closed,
    events: () => frames.map((f) => {
      const id = /^id: (.*)$/m.exec(f)?.[1] ?? '';
      const type = /^event: (.*)$/m.exec(f)?.[1] ?? '';
      return { id, type, data: JSON.parse(/^data: (.*)$/m.exec(f)?.[1] ?? 'null') as unknown };
    }),
  };
  return s;
}
const queueMsg = (n: number): LiveMessage => ({ type: 'log', data: { id: n, at: n, kind: 'queue.join', p: { queue: 'sales', caller: '+573001234567' } } });

describe('live hub', () => {
  it('numbers messages and resumes after the last id a client saw, without losing any', () => {
    const hub = createLiveHub({ policy, mask, epoch: 'e1' });
    const a = sink();
    const sub = hub.subscribe(admin, undefined, a);
    for (let i = 1; i <= 5; i++) hub.publish(queueMsg(i), { queue: 'sales' });
    expect(a.events().map((e) => e.id)).toEqual(['e1.1', 'e1.2', 'e1.3', 'e1.4', 'e1.5']);
    sub.close(); // the network blips after message 3 reached the browser…
    hub.publish(queueMsg(6), { queue: 'sales' });
    const b = sink();
    const again = hub.subscribe(admin, 'e1.3', b);
    expect(again.reset).toBe(false);
    expect(again.replayed).toBe(3);
    expect(b.events().map((e) => e.id)).toEqual(['e1.4', 'e1.5', 'e1.6']);
    hub.publish(queueMsg(7), { queue: 'sales' });
    expect(b.events().at(-1)?.id).toBe('e1.7');
    expect(hub.lastId()).toBe('e1.7');
  });

  it('tells the client to reset when its id is from another process or older than the buffer', () => {
    const hub = createLiveHub({ policy, mask, epoch: 'e2', capacity: 4 });
    for (let i = 1; i <= 10; i++) hub.publish(queueMsg(i), { queue: 'sales' });
    for (const since of ['old.5', 'e2.3', 'e2.99', 'nonsense']) {
      const s = sink();
      const sub = hub.subscribe(admin, since, s);
      expect(sub.reset, since).toBe(true);
      expect(s.events()).toEqual([{ id: 'e2.10', type: 'reset', data: {} }]);
    }
    const s = sink();
    expect(hub.subscribe(admin, 'e2.6', s).replayed).toBe(4); // 7..10 are still kept
    expect(hub.stats().resets).toBe(4);
  });

  it('sends each viewer only what their role may see, numbers masked unless they may see them', () => {
    const hub = createLiveHub({ policy, mask, epoch: 'e3' });
    const forAdmin = sink();
    const forAna = sink();
    hub.subscribe(admin, undefined, forAdmin);
    hub.subscribe(ana, undefined, forAna);
    hub.publish(queueMsg(1), { queue: 'sales' }, { pii: true });
    hub.publish(queueMsg(2), { queue: 'billing' }, { pii: true });
    hub.publish({ type: 'offer.end', data: { callId: 'c1', agentId: 'ana', outcome: 'missed' } }, { agentOnly: 'ana' });
    hub.publish({ type: 'offer.end', data: { callId: 'c2', agentId: 'bruno', outcome: 'missed' } }, { agentOnly: 'bruno' });
    expect(forAdmin.events().map((e) => e.id)).toEqual(['e3.1', 'e3.2']);
    expect(JSON.stringify(forAdmin.events()[0]!.data)).toContain('+573001234567');
    expect(forAna.events().map((e) => e.id)).toEqual(['e3.1', 'e3.3']);
    expect(JSON.stringify(forAna.events()[0]!.data)).not.toContain('3001234567');
    expect(JSON.stringify(forAna.events()[0]!.data)).toContain('•••');
  });

  it('cuts off a client that stops reading instead of buffering for it', () => {
    const hub = createLiveHub({ policy, mask, epoch: 'e4', maxQueuedBytes: 1000 });
    let queued = 0;
    const slow = sink({ queued: () => queued });
    hub.subscribe(admin, undefined, slow);
    hub.publish(queueMsg(1), { queue: 'sales' });
    queued = 5000; // the socket's buffer is full: the browser is not reading
    hub.publish(queueMsg(2), { queue: 'sales' });
    expect(slow.closed()).toBe('too far behind');
    expect(hub.stats()).toMatchObject({ cutOff: 1, subscribers: 0 });
    // It comes back with the last id it got and misses nothing.
    const back = sink();
    hub.subscribe(admin, 'e4.1', back);
    expect(back.events().map((e) => e.id)).toEqual(['e4.2']);
  });
});
