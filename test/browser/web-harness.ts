/// <reference lib="dom" />
// The whole app as `npm start` builds it (embedded simulated PBX and Redis of its own in a
// temp DATA_DIR, the web test flows), the simulator's control API, and Debian's Chromium
// through playwright-core. Used by the web app's browser tests and the web benchmark.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { loadConfig } from '../../src/config.ts';
import { createLogger } from '../../src/logger.ts';
import { startCentralita, type RunningApp } from '../../src/main.ts';
import type { Role } from '../../src/auth/roles.ts';

export const WEB_FLOWS = resolve(import.meta.dirname, '../fixtures/flows/web');

export interface SimControl {
  phone(endpoint: string, behavior: Record<string, unknown>): Promise<void>;
  call(from: string, opts?: { to?: string; script?: Record<string, unknown> }): Promise<string>;
  dtmf(channelId: string, digits: string): Promise<void>;
  hangup(channelId: string): Promise<void>;
  channel(channelId: string): Promise<{ state: string; transcript: { kind: string; media?: string }[] } | undefined>;
}

export interface WebHarness {
  app: RunningApp;
  url: string;
  sim: SimControl;
  dataDir: string;
  browser: Browser;
  /** A browser context in a language (es-CO / en-US) at a screen size. */
  context(o?: { locale?: string; width?: number; height?: number }): Promise<BrowserContext>;
  /** JSON API call with the app's local service token (what the CLI uses). */
  api<T = unknown>(path: string, init?: { method?: string; body?: unknown }): Promise<{ status: number; body: T }>;
  /** A person who signs in to the web app (password PASSWORD). */
  user(username: string, roles: Role[], extra?: { agentId?: string; queues?: string[]; displayName?: string }): Promise<void>;
  /** Follows /api/live with a browser context's session (what that browser receives), as text. */
  liveAs(ctx: BrowserContext, query?: string): Promise<{ text(): string; close(): void }>;
  /** Signs in through the web app's own sign-in view; ends on the page `next` (default: the role's home). */
  signIn(page: Page, username: string, next?: string): Promise<void>;
  stop(): Promise<void>;
}

export async function launchChromium(extraArgs: string[] = []): Promise<Browser> {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic', ...extraArgs],
  });
}

export const PASSWORD = 'correct horse battery staple';

export async function startWebHarness(o: { env?: Record<string, string>; flowsDir?: string; hubspotYaml?: string; databaseUrl?: string; chromiumArgs?: string[] } = {}): Promise<WebHarness> {
  const dataDir = mkdtempSync(join(tmpdir(), 'centralita-web-'));
  if (o.hubspotYaml) writeFileSync(join(dataDir, 'hubspot.yaml'), o.hubspotYaml);
  const config = loadConfig({
    HTTP_PORT: '0', DATA_DIR: dataDir, LOG_LEVEL: 'silent', SHUTDOWN_DEADLINE_MS: '1000', FLOWS_DIR: o.flowsDir ?? WEB_FLOWS,
    CAMPAIGN_INBOX_DIR: join(dataDir, 'inbox'), CAMPAIGN_RESULTS_DIR: join(dataDir, 'results'), ...(o.databaseUrl ? { DATABASE_URL: o.databaseUrl } : {}), ...o.env,
  });
  const app = await startCentralita(config, createLogger({ level: 'silent' }));
  const s = app.sim!;
  const auth = { authorization: `Basic ${Buffer.from(`${s.user}:${s.password}`).toString('base64')}`, 'content-type': 'application/json' };
  const simFetch = async (path: string, method: string, body?: unknown) => {
    const r = await fetch(`${s.url}/_sim${path}`, { method, headers: auth, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
    if (r.status >= 300 && r.status !== 404) throw new Error(`sim ${method} ${path}: ${r.status} ${await r.text()}`);
    return r;
  };
  const sim: SimControl = {
    async phone(endpoint, behavior) { const [tech, res] = endpoint.split('/'); await simFetch(`/endpoints/${tech}/${encodeURIComponent(res!)}`, 'PUT', behavior); },
    async call(from, c = {}) { return ((await (await simFetch('/calls', 'POST', { from, to: c.to ?? '6015550100', ...(c.script ? { script: c.script } : {}) })).json()) as { channelId: string }).channelId; },
    async dtmf(id, digits) { await simFetch(`/channels/${encodeURIComponent(id)}/dtmf`, 'POST', { digits }); },
    async hangup(id) { await simFetch(`/channels/${encodeURIComponent(id)}/hangup`, 'POST'); },
    async channel(id) { const r = await simFetch(`/channels/${encodeURIComponent(id)}`, 'GET'); return r.status === 404 ? undefined : ((await r.json()) as never); },
  };
  const browser = await launchChromium(o.chromiumArgs);
  return {
    app, url: app.httpUrl, sim, dataDir, browser,
    context: ({ locale = 'en-US', width = 1366, height = 768 } = {}) => browser.newContext({ locale, viewport: { width, height } }),
    async api(path, init = {}) {
      const method = init.method ?? 'GET';
      const r = await fetch(`${app.httpUrl}${path}`, { method, headers: { 'content-type': 'application/json', authorization: `Bearer ${app.token}` }, ...(method !== 'GET' ? { body: JSON.stringify(init.body ?? {}) } : {}) });
      const text = await r.text();
      return { status: r.status, body: (text ? JSON.parse(text) : undefined) as never };
    },
    async liveAs(ctx, query = '') {
      const cookie = (await ctx.cookies()).map((c) => `${c.name}=${c.value}`).join('; ');
      const ac = new AbortController();
      let text = '';
      const r = await fetch(`${app.httpUrl}/api/live${query}`, { headers: { cookie }, signal: ac.signal });
      if (r.status !== 200) throw new Error(`live channel: ${r.status}`);
      void (async () => {
        const reader = r.body!.getReader();
        const dec = new TextDecoder();
        for (;;) {
          const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true }));
          if (done) break;
          text += dec.decode(value, { stream: true });
        }
      })();
      return { text: () => text, close: () => ac.abort() };
    },
    async user(username, roles, extra = {}) {
      await app.auth.createUser({ username, password: PASSWORD, roles, ...extra });
    },
    async signIn(page, username, next) {
      await page.goto(`${app.httpUrl}/login${next ? `?next=${encodeURIComponent(next)}` : ''}`);
      await page.locator('input[name="username"]').fill(username);
      await page.locator('input[name="password"]').fill(PASSWORD);
      await page.locator('form button[type="submit"]').click();
      await page.waitForSelector('[data-testid="me"]');
      // The page may rewrite its query (reports keep their state in it): the path is what counts.
      if (next) await page.waitForURL((u) => u.pathname === new URL(next, 'http://x').pathname);
    },
    async stop() {
      await browser.close().catch(() => undefined);
      await app.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * Waits until the expression is truthy in the page. Polled through the DevTools protocol: the
 * app's CSP forbids eval, which page.waitForFunction with a string would need.
 */
export async function until(page: Page, expr: string, timeoutMs = 15_000): Promise<void> {
  const t0 = Date.now();
  for (;;) {
    if (await page.evaluate(expr).catch(() => false)) return;
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for: ${expr}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The value of figure `fig` on the queue card of `queueId` (the big number, without its label). */
export const queueFig = (page: Page, queueId: string, fig: string): Promise<string> =>
  page.locator(`[data-queue="${queueId}"] [data-fig="${fig}"]`).first().evaluate((e) => ((e.querySelector('b') ?? e) as HTMLElement).innerText.trim());
