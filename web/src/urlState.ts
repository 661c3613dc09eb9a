// Every choice on the page kept in the address's query string, so that a link restores it (deep links).

const params = (): URLSearchParams => new URLSearchParams(location.search);

/** The value of one choice in the address; null when it is not there. */
export function urlValue(key: string): string | null {
  return params().get(key);
}

/** The value when the address has one of the allowed values, else the fallback. */
export function urlChoice<T extends string>(key: string, allowed: readonly T[], fallback: T): T {
  const value = urlValue(key);
  return allowed.includes(value as T) ? (value as T) : fallback;
}

/** Records choices in the address (null or '' removes one) without reloading or adding a history entry per click. */
export function setUrlValues(values: Record<string, string | number | null | undefined>): void {
  const next = params();
  for (const [key, value] of Object.entries(values)) {
    if (value === null || value === undefined || value === '') next.delete(key);
    else next.set(key, String(value));
  }
  const query = next.toString();
  history.replaceState(null, '', `${location.pathname}${query ? `?${query}` : ''}${location.hash}`);
}

/** Selects the option with the address's value for `key` when there is one; returns whether it did. */
export function restoreSelect(select: HTMLSelectElement, key: string): boolean {
  const value = urlValue(key);
  if (value === null || ![...select.options].some((o) => o.value === value)) return false;
  select.value = value;
  return true;
}
