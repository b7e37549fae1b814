// Rows of the live tables re-render only when their row object changed: the store replaces a
// row object only when the server sent a new one, so a reference check is enough (a wallboard
// with 200 calls redraws one row per change, not 200). Signals read inside still update it.
import { Component, h, type ComponentType } from 'preact';

export function memo<P extends object>(C: ComponentType<P>): ComponentType<P> {
  return class Memo extends Component<P> {
    override shouldComponentUpdate(next: P): boolean {
      const a = this.props as Record<string, unknown>;
      const b = next as Record<string, unknown>;
      for (const k in b) if (a[k] !== b[k]) return true;
      for (const k in a) if (!(k in b)) return true;
      return false;
    }
    override render(p: P) { return h(C, p); }
  };
}
