// Path routing for the single-page app: the server answers index.html for each page path, so
// links are real URLs (bookmarks, reloads, new tabs work).
import { signal } from '@preact/signals';

export const path = signal(location.pathname);
export const query = signal(location.search);

export function navigate(to: string): void {
  if (to === location.pathname + location.search) return;
  history.pushState(null, '', to);
  path.value = location.pathname;
  query.value = location.search;
}

addEventListener('popstate', () => { path.value = location.pathname; query.value = location.search; });

/** Left clicks on same-origin links navigate without a reload. */
export function onLinkClick(e: MouseEvent): void {
  const a = (e.target as HTMLElement).closest('a');
  if (!a || a.target || a.hasAttribute('download') || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
  const url = new URL(a.href, location.href);
  if (url.origin !== location.origin || url.pathname.startsWith('/api/') || url.pathname.startsWith('/recordings/')) return;
  e.preventDefault();
  navigate(url.pathname + url.search);
}
