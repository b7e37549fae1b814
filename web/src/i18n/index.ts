// The UI language: the browser's (es or en) by default, switchable, remembered in this browser.
// `t` is the message set of the current language; formatters follow it.
import { computed, effect, signal } from '@preact/signals';
import { en } from './en.ts';
import type { Messages } from './messages.ts';
import { es } from './es.ts';

export type Lang = 'es' | 'en';
const KEY = 'centralita.lang';

export function browserLang(langs: readonly string[] = navigator.languages ?? [navigator.language]): Lang {
  for (const l of langs) {
    const base = l.toLowerCase().split('-')[0];
    if (base === 'es' || base === 'en') return base;
  }
  return 'en';
}

function initial(): Lang {
  const fromUrl = new URLSearchParams(location.search).get('lang');
  if (fromUrl === 'es' || fromUrl === 'en') return fromUrl;
  const saved = localStorage.getItem(KEY);
  return saved === 'es' || saved === 'en' ? saved : browserLang();
}

export const lang = signal<Lang>(initial());
const sets: Record<Lang, Messages> = { es, en };
export const tr = computed(() => sets[lang.value]);
effect(() => { document.documentElement.lang = lang.value; });

export function setLang(l: Lang): void {
  lang.value = l;
  localStorage.setItem(KEY, l);
}

const nf = computed(() => new Intl.NumberFormat(lang.value === 'es' ? 'es-CO' : 'en-US', { maximumFractionDigits: 1 }));
export const num = (n: number | null | undefined): string => (n === null || n === undefined || !Number.isFinite(n) ? '—' : nf.value.format(n));
export const pct = (n: number | null | undefined): string => (n === null || n === undefined ? '—' : `${num(Math.round(n))} %`);

/** 75 → "1:15", 3725 → "1:02:05". */
export function dur(sec: number | null | undefined): string {
  if (sec === null || sec === undefined || !Number.isFinite(sec) || sec < 0) return '—';
  const s = Math.floor(sec);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const r = String(s % 60).padStart(2, '0');
  return h ? `${h}:${String(m).padStart(2, '0')}:${r}` : `${m}:${r}`;
}

const timeFmt = computed(() => new Intl.DateTimeFormat(lang.value === 'es' ? 'es-CO' : 'en-US', { hour: '2-digit', minute: '2-digit', second: '2-digit' }));
const dateTimeFmt = computed(() => new Intl.DateTimeFormat(lang.value === 'es' ? 'es-CO' : 'en-US', { dateStyle: 'medium', timeStyle: 'short' }));
export const clockTime = (ms: number | string): string => timeFmt.value.format(new Date(ms));
export const dateTime = (ms: number | string): string => dateTimeFmt.value.format(new Date(ms));
