// The editor catches target typos before `flows check` does: each @ts-expect-error below
// must really be an error, or `npm run typecheck` fails (TS2578 unused directive).
import { describe, expect, it } from 'vitest';
import { defineFlow, hangup, hours, menu, play, queue } from '../../../src/flow-dsl/index.ts';

describe('flow typing', () => {
  it('accepts targets that are node ids', () => {
    const f = defineFlow({
      id: 't', language: 'es', start: 'a',
      nodes: {
        a: play('p', 'b'),
        b: menu({ prompt: 'm', options: { '1': 'c', '#': 'a' }, onFailure: 'c' }),
        c: hours({ schedule: 'office', open: 'd', closed: 'd' }),
        d: queue({ queue: 'sales', timeout: 'e' }),
        e: hangup(),
      },
    });
    expect(Object.keys(f.nodes)).toEqual(['a', 'b', 'c', 'd', 'e']);
  });

  it('rejects typos in targets, start and menu keys at compile time', () => {
    const make = () => [
      defineFlow({
        id: 't', language: 'es', start: 'a',
        nodes: {
          // @ts-expect-error 'bb' is not a node
          a: play('p', 'bb'),
          b: hangup(),
        },
      }),
      defineFlow({
        id: 't', language: 'es', start: 'a',
        nodes: {
          // @ts-expect-error menu option goes to 'salez'
          a: menu({ prompt: 'm', options: { '1': 'salez' }, onFailure: 'b' }),
          b: hangup(),
        },
      }),
      defineFlow({
        id: 't', language: 'es',
        // @ts-expect-error start is not a node
        start: 'nope',
        nodes: { a: hangup() },
      }),
      defineFlow({
        id: 't', language: 'es', start: 'a',
        nodes: {
          // @ts-expect-error 'x' is not a DTMF key
          a: menu({ prompt: 'm', options: { x: 'b' }, onFailure: 'b' }),
          b: hangup(),
        },
      }),
    ];
    expect(make).not.toThrow();
  });
});
