import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser } from 'playwright-core';
import { Registry } from 'prom-client';
import type { FastifyInstance } from 'fastify';
import { createHttpServer } from '../../src/http/server.ts';
import { registerDashboard } from '../../src/http/dashboard.ts';
import { createEventBus } from '../../src/domain/event-bus.ts';
import { createLogger } from '../../src/logger.ts';
import type { CallRecord } from '../../src/domain/call-record.ts';

// The supervisor page in a real browser (Debian chromium): live calls from the API,
// and call records pushed over Server-Sent Events update the counters and the log.
describe('supervisor dashboard (chromium)', () => {
  const bus = createEventBus();
  const live = [{ callId: 'call-7', from: '+573001234567', flowId: 'main', node: 'menu' }];
  let app: FastifyInstance;
  let url: string;
  let browser: Browser;

  beforeAll(async () => {
    app = createHttpServer({ logger: createLogger({ level: 'silent' }), metrics: new Registry(), readiness: [], version: 'test' });
    registerDashboard(app, { bus, liveCalls: () => live });
    url = await app.listen({ host: '127.0.0.1', port: 0 });
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
    });
  });
  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });

  it('shows live calls and counts records pushed over the event stream', async () => {
    const page = await browser.newPage();
    await page.goto(`${url}/`);
    await page.waitForSelector('#conn:text("live")');
    await page.waitForSelector('#calls td:text("call-7")');
    expect(await page.textContent('#k-live')).toBe('1');

    const record = { id: 'rec-1', from: '+573001234567', disposition: 'answered', path: [{ node: 'menu', digits: '2', at: '2026-11-24T10:00:00Z' }, { node: 'support', at: '2026-11-24T10:00:05Z' }] } as Partial<CallRecord>;
    bus.emit('call.record', record as CallRecord);
    bus.emit('call.record', { ...record, id: 'rec-2', disposition: 'abandoned' } as CallRecord);
    await page.waitForFunction("document.getElementById('k-calls')?.textContent === '2'");
    expect(await page.textContent('#k-answered')).toBe('1');
    expect(await page.textContent('#k-abandoned')).toBe('1');
    expect(await page.textContent('#log')).toContain('menu:2 > support');
    await page.screenshot({ path: `${process.env.TMPDIR ?? '/tmp'}/centralita-dashboard.png` });
  });
});
