// Redacts secrets from mutation arguments before they are written to the audit log.

const REDACTED = 'redacted';

/** Argument, field and URL query-parameter names whose values are secrets. */
const SECRET_NAME = /pass(word)?|secret|token|credential|signature|authori[sz]ation|api[-_]?key|^key$|^sig$/i;

/** A URL's password and secret query parameters (e.g. a presigned S3 URL's X-Amz-Signature) replaced; other text as it is. */
export function redactUrl(text: string): string {
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(text) || !URL.canParse(text)) return text;
  const url = new URL(text);
  let changed = false;
  if (url.password) {
    url.password = REDACTED;
    changed = true;
  }
  for (const name of [...url.searchParams.keys()]) {
    if (SECRET_NAME.test(name)) {
      url.searchParams.set(name, REDACTED);
      changed = true;
    }
  }
  return changed ? url.toString() : text;
}

/** A copy of a JSON-like value with secret-named fields and secrets inside URLs replaced by "redacted". */
export function redactSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redactSecrets);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([name, inner]) => [name, SECRET_NAME.test(name) ? REDACTED : redactSecrets(inner)]),
    );
  }
  return typeof value === 'string' ? redactUrl(value) : value;
}
