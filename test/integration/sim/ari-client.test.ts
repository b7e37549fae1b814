// The unmodified `ari-client` npm package against the simulator: connect (loads our Swagger
// declarations), receive StasisStart for a /_sim/calls call, answer, play, PlaybackFinished.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// eslint-disable-next-line no-restricted-imports -- verifying the simulator with the real client is the point of this test
import Ari from 'ari-client';
import { startSimulator, type Simulator } from '../../../src/sim/index.ts';

const auth = 'Basic ' + Buffer.from('app:secret').toString('base64');

describe('ari-client against the simulated PBX', () => {
  let sim: Simulator;
  beforeAll(async () => {
    sim = await startSimulator({ user: 'app', password: 'secret', app: 'centralita', soundLengths: { 'hello-world': 2600 }, clockSpeed: 50 });
  });
  afterAll(async () => {
    await sim.close();
  });

  it('connects, gets StasisStart for a simulated inbound call, answers, plays and gets PlaybackFinished', async () => {
    const client = await Ari.connect(sim.url, 'app', 'secret');
    const started = new Promise<{ args: string[]; channel: Ari.Channel }>((resolve) => {
      client.once('StasisStart', (event, channel) => resolve({ args: [event.args].flat(), channel }));
    });
    await client.start('centralita');

    const res = await fetch(`${sim.url}/_sim/calls`, {
      method: 'POST',
      headers: { authorization: auth, 'content-type': 'application/json' },
      body: JSON.stringify({ from: '+573001112233', to: '6015550100' }),
    });
    expect(res.status).toBe(201);
    const { channelId } = (await res.json()) as { channelId: string };

    const { args, channel } = await started;
    expect(channel.id).toBe(channelId);
    expect(args).toEqual(['main']);
    expect(channel.state).toBe('Ring');
    expect(channel.caller.number).toBe('+573001112233');

    await channel.answer();
    const playback = client.Playback();
    const finished = new Promise<string>((resolve) => {
      playback.once('PlaybackFinished', (event) => resolve(event.playback.state));
    });
    await channel.play({ media: 'sound:hello-world' }, playback);
    expect(await finished).toBe('done');

    const transcript = sim.control.transcript(channelId);
    const prompt = transcript.find((t) => t.kind === 'prompt');
    expect(prompt).toMatchObject({ media: 'sound:hello-world', outcome: 'done' });
    expect(prompt && 'durationMs' in prompt ? prompt.durationMs : 0).toBe(2600);

    // A 404 from the simulator reaches ari-client as an error carrying Asterisk's JSON body.
    await expect(client.channels.get({ channelId: 'no-such-channel' })).rejects.toThrow('Channel not found');

    await channel.hangup();
    client.stop();
    expect(sim.control.channel(channelId)?.alive).toBe(false);
  });
});
