type Truthy<T> = Exclude<T, false | null | undefined | 0 | ''>;

/** Polls until cond() is truthy (sync or async) and returns its value; no fixed sleeps in tests. */
export async function waitFor<T>(cond: () => T | Promise<T>, timeoutMs = 8000, what = 'condition'): Promise<Truthy<T>> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await cond();
    if (v) return v as Truthy<T>;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
