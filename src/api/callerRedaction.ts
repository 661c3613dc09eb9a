// The one redaction point on the way out: what a caller without the admin scope receives loses absolute server paths, URL credentials and stack traces.
import type { ApolloServerPlugin } from '@apollo/server';
import { hasScope, type Credentials } from './apiKeys.js';
import { redactUrl } from './redactSecrets.js';
import type { ApiContext } from './requestGate.js';

/**
 * A data: URI (a thumbnail, kept as it is), a URL with a scheme, or an absolute POSIX path starting a word (so "a/b",
 * base64 and a URL's own path are left alone).
 */
const URL_OR_PATH = /\b(data:[^\s'"<>]*)|([a-z][a-z0-9+.-]*:\/\/[^\s'"<>()]+)|(?<=^|[\s'"([=,:])(\/[^\s'"<>():,;]*[^\s'"<>():,;.])/gi;
/** Where a stack trace starts, raw or escaped into one line (errors.ts writes a newline as \u000a). */
const STACK = /(?:\n|\\u000a)\s*at\s[\s\S]*$/;
/** `name=value` and `name: value` secrets in free text (connection strings, quoted configuration). */
const SECRET_PAIR = /\b(pass(?:word)?|secret|token|api[-_]?key|credentials?)(\s*[=:]\s*)[^\s&;,'"]+/gi;

/** A path shown by its last segment only: enough to recognise the file, nothing of the server's layout. */
function lastSegment(path: string): string {
  const name = path
    .split('/')
    .filter((segment) => segment !== '')
    .at(-1);
  return name === undefined ? '/' : `…/${name}`;
}

function redactMatch(match: string, dataUri: string | undefined, url: string | undefined): string {
  if (dataUri !== undefined) return dataUri;
  if (url === undefined) return lastSegment(match);
  if (/^file:/i.test(url)) return lastSegment(url.replace(/^file:\/\/[^/]*/i, ''));
  if (!URL.canParse(url)) return url.replace(/\/\/[^/@]*@/, '//redacted@');
  const parsed = new URL(url);
  // The user name too: a token often travels as the URL's user.
  if (parsed.username || parsed.password) {
    parsed.username = 'redacted';
    parsed.password = '';
  }
  return redactUrl(parsed.toString());
}

/** `text` as a caller without the admin scope may see it. */
export function redactText(text: string): string {
  return text.replace(STACK, '').replace(SECRET_PAIR, '$1$2redacted').replace(URL_OR_PATH, redactMatch);
}

/** A log line without credentials (URL users and passwords, signatures, `password=...`); paths and stacks stay for operators. */
export function redactCredentials(line: string): string {
  return line
    .replace(SECRET_PAIR, '$1$2redacted')
    .replace(URL_OR_PATH, (match, dataUri: string | undefined, url: string | undefined) =>
      url === undefined || /^file:/i.test(url) ? match : redactMatch(match, dataUri, url),
    );
}

/** A log function whose lines pass through redactCredentials: every process's logger is wrapped once. */
export function credentialFreeLog(log: (line: string) => void): (line: string) => void {
  return (line) => log(redactCredentials(line));
}

/** Objects made of fields (a result's data, errors, extensions), not values a scalar serialised to, such as a Date. */
function isRecord(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object') return false;
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

/** A copy of a JSON-like value (a GraphQL result) with every string redacted; scalars' values (DateTime's Date) kept. */
export function redactValue<T>(value: T): T {
  if (typeof value === 'string') return redactText(value) as T;
  if (Array.isArray(value)) return value.map(redactValue) as T;
  if (isRecord(value)) return Object.fromEntries(Object.entries(value).map(([name, inner]) => [name, redactValue(inner)])) as T;
  return value;
}

/** Only an admin key sees server text as it is (admins register the files and URLs it names). */
export function seesServerText(credentials: Credentials | undefined): boolean {
  return credentials?.kind === 'key' && hasScope(credentials.caller, 'admin');
}

/** A result (data, formatted errors, extensions) as the caller may see it. */
export function resultForCaller<R extends object>(result: R, credentials: Credentials | undefined): R {
  return seesServerText(credentials) ? result : redactValue(result);
}

/** Apollo's side of it (HTTP and the api function): every single result passes through resultForCaller. */
export const callerRedactionPlugin: ApolloServerPlugin<ApiContext> = {
  async requestDidStart() {
    return {
      async willSendResponse({ response, contextValue }) {
        if (response.body.kind !== 'single') return;
        response.body.singleResult = resultForCaller(response.body.singleResult, contextValue?.credentials);
      },
    };
  },
};
