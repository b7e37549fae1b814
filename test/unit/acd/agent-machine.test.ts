import { describe, expect, it } from 'vitest';
import { createActor } from 'xstate';
import { agentMachine } from '../../../src/acd/agent-machine.ts';
import { virtualClock } from '../../../src/acd/clock.ts';

function agent() {
  const clock = virtualClock();
  const actor = createActor(agentMachine, { input: { agentId: 'a1' }, clock });
  actor.start();
  const state = () => actor.getSnapshot().value;
  return { clock, actor, state };
}

describe('agent machine', () => {
  it('login → offer → connect → call end → wrap-up (named delay) → available', async () => {
    const { clock, actor, state } = agent();
    expect(state()).toBe('loggedOut');
    actor.send({ type: 'OFFER', callId: 'c1', queueId: 'q', wrapUpMs: 1000 });
    expect(state()).toBe('loggedOut'); // a logged-out agent is never offered
    actor.send({ type: 'LOGIN' });
    actor.send({ type: 'OFFER', callId: 'c1', queueId: 'q', wrapUpMs: 10_000 });
    expect(state()).toBe('ringing');
    actor.send({ type: 'OFFER', callId: 'c2', queueId: 'q2', wrapUpMs: 0 });
    expect(actor.getSnapshot().context.callId).toBe('c1'); // never two offers
    actor.send({ type: 'CONNECT', callId: 'c1' });
    expect(state()).toBe('onCall');
    actor.send({ type: 'CALL_END', callId: 'c1' });
    expect(state()).toBe('wrapUp');
    await clock.advance(9_999);
    expect(state()).toBe('wrapUp');
    await clock.advance(1);
    expect(state()).toBe('available');
    expect(actor.getSnapshot().context.callId).toBeUndefined();
  });

  it('events about another call are ignored (stale RING_END cannot free a busy agent)', () => {
    const { actor, state } = agent();
    actor.send({ type: 'LOGIN' });
    actor.send({ type: 'OFFER', callId: 'c1', queueId: 'q', wrapUpMs: 0 });
    actor.send({ type: 'RING_END', callId: 'old' });
    expect(state()).toBe('ringing');
    actor.send({ type: 'CONNECT', callId: 'c1' });
    actor.send({ type: 'CALL_END', callId: 'other' });
    expect(state()).toBe('onCall');
  });

  it('ring end without answer returns to available', () => {
    const { actor, state } = agent();
    actor.send({ type: 'LOGIN' });
    actor.send({ type: 'OFFER', callId: 'c1', queueId: 'q', wrapUpMs: 0 });
    actor.send({ type: 'RING_END', callId: 'c1' });
    expect(state()).toBe('available');
  });

  it('pause with reason; pause/logout asked during a call apply after it; unpause cancels a pending pause', async () => {
    const { clock, actor, state } = agent();
    actor.send({ type: 'LOGIN' });
    actor.send({ type: 'PAUSE', reason: 'lunch' });
    expect(state()).toBe('paused');
    expect(actor.getSnapshot().context.pauseReason).toBe('lunch');
    actor.send({ type: 'OFFER', callId: 'c1', queueId: 'q', wrapUpMs: 0 });
    expect(state()).toBe('paused');
    actor.send({ type: 'UNPAUSE' });
    actor.send({ type: 'OFFER', callId: 'c1', queueId: 'q', wrapUpMs: 5000 });
    actor.send({ type: 'CONNECT', callId: 'c1' });
    actor.send({ type: 'PAUSE', reason: 'training' });
    expect(state()).toBe('onCall');
    actor.send({ type: 'CALL_END', callId: 'c1' });
    await clock.advance(5000);
    expect(state()).toBe('paused');
    expect(actor.getSnapshot().context.pauseReason).toBe('training');

    actor.send({ type: 'UNPAUSE' });
    actor.send({ type: 'OFFER', callId: 'c2', queueId: 'q', wrapUpMs: 0 });
    actor.send({ type: 'PAUSE', reason: 'x' });
    actor.send({ type: 'UNPAUSE' });
    actor.send({ type: 'RING_END', callId: 'c2' });
    expect(state()).toBe('available');

    actor.send({ type: 'OFFER', callId: 'c3', queueId: 'q', wrapUpMs: 0 });
    actor.send({ type: 'LOGOUT' });
    expect(state()).toBe('ringing');
    actor.send({ type: 'RING_END', callId: 'c3' });
    expect(state()).toBe('loggedOut');
  });

  it('pausing or logging out during wrap-up ends the wrap-up at once', () => {
    const { actor, state } = agent();
    actor.send({ type: 'LOGIN' });
    actor.send({ type: 'OFFER', callId: 'c1', queueId: 'q', wrapUpMs: 60_000 });
    actor.send({ type: 'CONNECT', callId: 'c1' });
    actor.send({ type: 'CALL_END', callId: 'c1' });
    actor.send({ type: 'PAUSE', reason: 'after-call work' });
    expect(state()).toBe('paused');
    actor.send({ type: 'LOGOUT' });
    expect(state()).toBe('loggedOut');
  });

  it('a submitted wrap-up ends wrap-up early, for that call only; a pause asked during the call still applies', () => {
    const { actor, state } = agent();
    actor.send({ type: 'LOGIN' });
    actor.send({ type: 'OFFER', callId: 'c1', queueId: 'q', wrapUpMs: 60_000 });
    actor.send({ type: 'CONNECT', callId: 'c1' });
    actor.send({ type: 'WRAP_UP_DONE', callId: 'c1' });
    expect(state()).toBe('onCall'); // not during the call
    actor.send({ type: 'CALL_END', callId: 'c1' });
    actor.send({ type: 'WRAP_UP_DONE', callId: 'c0' });
    expect(state()).toBe('wrapUp'); // another (earlier) call's wrap-up
    actor.send({ type: 'WRAP_UP_DONE', callId: 'c1' });
    expect(state()).toBe('available');
    expect(actor.getSnapshot().context.callId).toBeUndefined();

    actor.send({ type: 'OFFER', callId: 'c2', queueId: 'q', wrapUpMs: 60_000 });
    actor.send({ type: 'CONNECT', callId: 'c2' });
    actor.send({ type: 'PAUSE', reason: 'lunch' });
    actor.send({ type: 'CALL_END', callId: 'c2' });
    actor.send({ type: 'WRAP_UP_DONE', callId: 'c2' });
    expect(state()).toBe('paused');
    expect(actor.getSnapshot().context.pauseReason).toBe('lunch');
  });
  it('a cancelled consult (attended transfer) frees the target at once, without wrap-up; a stale RELEASE does nothing', () => {
    const { actor, state } = agent();
    actor.send({ type: 'LOGIN' });
    actor.send({ type: 'OFFER', callId: 'c1', queueId: 'q', wrapUpMs: 60_000 });
    actor.send({ type: 'CONNECT', callId: 'c1' });
    actor.send({ type: 'RELEASE', callId: 'c0' });
    expect(state()).toBe('onCall');
    actor.send({ type: 'RELEASE', callId: 'c1' });
    expect(state()).toBe('available');
    expect(actor.getSnapshot().context.callId).toBeUndefined();
  });
});
