// The app shell: sign-in when there is no session, then the header (pages the role may open,
// live-connection state, language, wall-TV mode, sign-out) and the current page.
import type { ComponentType } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { effect, signal } from '@preact/signals';
import { tr, lang, setLang } from './i18n/index.ts';
import { unauthenticated } from './lib/api.ts';
import { can, loadSession, me, signIn, signOut } from './lib/session.ts';
import { navigate, onLinkClick, path, query } from './lib/router.ts';
import { connection } from './lib/live.ts';
import { stopLive } from './lib/store.ts';
import { ConfirmHost, ToastHost } from './components/ui.tsx';
import { Wallboard } from './pages/wallboard.tsx';
import { AgentConsole } from './pages/agent.tsx';

// Reports and call search load their code (and uPlot) only when opened.
function lazyPage(load: () => Promise<ComponentType>): ComponentType {
  let loaded: ComponentType | undefined;
  return function LazyPage() {
    const [C, setC] = useState<ComponentType | undefined>(() => loaded);
    const [failed, setFailed] = useState(false);
    useEffect(() => { if (!C) load().then((c) => { loaded = c; setC(() => c); }, () => setFailed(true)); }, []);
    return C ? <C /> : <p role="status">{failed ? tr.value.common.error : tr.value.common.loading}</p>;
  };
}
const Reports = lazyPage(() => import('./pages/reports.tsx').then((m) => m.Reports));
const CallSearch = lazyPage(() => import('./pages/calls.tsx').then((m) => m.CallSearch));

const tv = signal(localStorage.getItem('centralita.tv') === '1');
// ?tv=1 (a wall screen's bookmark) turns it on, also when the page was reached after signing in.
effect(() => { if (new URLSearchParams(query.value).get('tv') === '1') tv.value = true; });
effect(() => { document.documentElement.classList.toggle('tv', tv.value); });

export function App() {
  useEffect(() => { void loadSession(); }, []);
  useEffect(() => { if (unauthenticated.value && me.value) { stopLive(); me.value = null; } }, [unauthenticated.value]);
  if (me.value === undefined) return <p role="status">{tr.value.common.loading}</p>;
  if (me.value === null) return <SignIn />;
  return (
    <div onClick={onLinkClick}>
      <a class="skip" href="#content">{tr.value.skipToContent}</a>
      <Header />
      <main id="content" tabIndex={-1}><Page /><ConfirmHost /><ToastHost /></main>
    </div>
  );
}

function home(): string {
  const c = can.value;
  return c.wallboard ? '/wallboard' : c.agent ? '/agent' : c.reports ? '/reports' : '/wallboard';
}

function Page() {
  const p = path.value;
  const c = can.value;
  const t = tr.value;
  useEffect(() => { if (p === '/') navigate(home() + query.value); }, [p]);
  const denied = <p role="alert">{t.common.notAllowed}</p>;
  if (p === '/wallboard') return c.wallboard ? <Wallboard /> : denied;
  if (p === '/agent') return c.agent ? <AgentConsole /> : denied;
  if (p === '/reports') return c.reports ? <Reports /> : denied;
  if (p === '/calls' || p.startsWith('/calls/')) return c.calls ? <CallSearch /> : denied;
  return null;
}

function Header() {
  const t = tr.value;
  const c = can.value;
  const links: [string, string, boolean][] = [
    ['/wallboard', t.nav.wallboard, c.wallboard], ['/agent', t.nav.agent, c.agent], ['/reports', t.nav.reports, c.reports], ['/calls', t.nav.calls, c.calls],
  ];
  const cur = path.value;
  const conn = connection.value;
  return (
    <header class="top">
      <span class="brand">{t.appName}</span>
      <nav aria-label={t.nav.main}>
        <ul>{links.filter(([, , ok]) => ok).map(([href, label]) => <li key={href}><a href={href} aria-current={cur === href || (href === '/calls' && cur.startsWith('/calls')) ? 'page' : undefined}>{label}</a></li>)}</ul>
      </nav>
      <span class="spacer" />
      {conn !== 'idle' && <span class={`conn ${conn}`} role="status" aria-live="polite" data-testid="conn">{t.conn[conn]}</span>}
      <div role="group" aria-label={t.lang.label} class="row">
        <button type="button" aria-pressed={lang.value === 'es'} lang="es" onClick={() => setLang('es')}>ES</button>
        <button type="button" aria-pressed={lang.value === 'en'} lang="en" onClick={() => setLang('en')}>EN</button>
      </div>
      {cur === '/wallboard' && <button type="button" aria-pressed={tv.value} onClick={() => { tv.value = !tv.value; localStorage.setItem('centralita.tv', tv.value ? '1' : '0'); }}>{tv.value ? t.tv.off : t.tv.on}</button>}
      <span class="muted small" data-testid="me">{t.signIn.signedInAs({ name: me.value?.name })}</span>
      <button type="button" onClick={() => { stopLive(); void signOut(); }}>{t.signIn.signOut}</button>
    </header>
  );
}

function SignIn() {
  const t = tr.value;
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await signIn(username, password);
      unauthenticated.value = false;
      const next = new URLSearchParams(location.search).get('next');
      // Only a path on this site (never an absolute URL: open redirect).
      navigate(next && next.startsWith('/') && !next.startsWith('//') ? next : home());
    } catch (err) {
      setError((err as { status?: number }).status === 429 ? t.signIn.tooMany : t.signIn.failed);
    } finally { setBusy(false); }
  };
  return (
    <main class="signin">
      <form onSubmit={submit} aria-labelledby="signin-h">
        <h1 id="signin-h">{t.appName} — {t.signIn.title}</h1>
        <label>{t.signIn.username}<input name="username" autoComplete="username" required value={username} onInput={(e) => setUsername((e.target as HTMLInputElement).value)} /></label>
        <label>{t.signIn.password}<input name="password" type="password" autoComplete="current-password" required value={password} onInput={(e) => setPassword((e.target as HTMLInputElement).value)} /></label>
        <button type="submit" class="primary" disabled={busy}>{busy ? t.signIn.signingIn : t.signIn.submit}</button>
        <div class="row">
          <button type="button" aria-pressed={lang.value === 'es'} onClick={() => setLang('es')}>Español</button>
          <button type="button" aria-pressed={lang.value === 'en'} onClick={() => setLang('en')}>English</button>
        </div>
        <p class="error" role="alert">{error ?? ''}</p>
      </form>
    </main>
  );
}
