// Small building blocks shared by the pages: panels, empty states, agent state badges,
// ticking timers, a confirmation dialog (native <dialog>: focus and Esc handled by the
// browser) and a toast for action results.
import type { ComponentChildren } from 'preact';
import { useEffect, useRef } from 'preact/hooks';
import { signal } from '@preact/signals';
import { tr, dur } from '../i18n/index.ts';
import { since } from '../lib/clock.ts';
import type { Level } from '../../../src/wallboard/types.ts';

export function Panel(p: { title: string; count?: number; id?: string; class?: string; children: ComponentChildren; actions?: ComponentChildren }) {
  const hid = p.id ? `${p.id}-h` : undefined;
  return (
    <section class={`panel ${p.class ?? ''}`} id={p.id} aria-labelledby={hid}>
      <h2 id={hid}>{p.title}{p.count !== undefined && <span class="count">({p.count})</span>}<span class="grow" />{p.actions}</h2>
      {p.children}
    </section>
  );
}

export function Empty(p: { children: ComponentChildren }) {
  return <p class="empty">{p.children}</p>;
}

export function StateBadge(p: { state: string }) {
  return <span class={`state st-${p.state}`} data-state={p.state}>{tr.value.agents.states[p.state] ?? p.state}</span>;
}

/** mm:ss since `from` (server ms), ticking every second. */
export function Since(p: { from: number | null | undefined; level?: (sec: number) => Level }) {
  const s = since(p.from);
  const lv = s !== null && p.level ? p.level(s) : 'ok';
  return <span class={`fig ${lv !== 'ok' ? `lv-${lv}` : ''}`} data-level={lv}>{dur(s)}</span>;
}

export const lvClass = (l: Level) => (l === 'ok' ? '' : `lv-${l}`);

/** A word for screen readers and colour-blind users next to a coloured figure. */
export function LevelWord(p: { level: Level }) {
  if (p.level === 'ok') return null;
  return <span class="tag" aria-label={p.level === 'bad' ? 'critical' : 'warning'}>{p.level === 'bad' ? '!!' : '!'}</span>;
}

interface ConfirmState { text: string; danger?: boolean; resolve: (ok: boolean) => void }
const confirming = signal<ConfirmState | null>(null);

/** Asks for confirmation in a modal dialog; resolves true when confirmed. */
export function confirmAction(text: string, danger = false): Promise<boolean> {
  return new Promise((resolve) => { confirming.value = { text, danger, resolve }; });
}

export function ConfirmHost() {
  const ref = useRef<HTMLDialogElement>(null);
  const c = confirming.value;
  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    if (c && !d.open) d.showModal();
    if (!c && d.open) d.close();
  }, [c]);
  const done = (ok: boolean) => { c?.resolve(ok); confirming.value = null; };
  return (
    <dialog ref={ref} onCancel={() => done(false)} aria-labelledby="confirm-text">
      <p id="confirm-text">{c?.text}</p>
      <div class="actions">
        <button type="button" onClick={() => done(false)}>{tr.value.common.cancel}</button>
        <button type="button" class={c?.danger ? 'danger' : 'primary'} onClick={() => done(true)} data-testid="confirm-yes">{tr.value.common.confirm}</button>
      </div>
    </dialog>
  );
}

const toastText = signal<{ text: string; error?: boolean } | null>(null);
let toastTimer: ReturnType<typeof setTimeout> | undefined;
export function toast(text: string, error = false): void {
  toastText.value = { text, error };
  if (toastTimer) clearTimeout(toastTimer);
  toastTimer = setTimeout(() => { toastText.value = null; }, 6000);
}
export function ToastHost() {
  const t = toastText.value;
  return <div role="status" aria-live="polite">{t && <div class={`toast ${t.error ? 'error' : ''}`}>{t.text}</div>}</div>;
}
