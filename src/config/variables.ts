// Rules for one environment variable (zod schemas over its raw text) and the error a bad value gets: one line naming it.
import { z } from 'zod';

/** Where a variable is listed in docs/configuration.md, in this order. */
export const SECTIONS = {
  server: 'Server',
  database: 'Database',
  executor: 'Executor',
  lambda: 'Lambda executor',
  api: 'API limits',
  inputSafety: 'Input safety',
  native: 'Native code',
  inference: 'Inference',
  storage: 'Storage',
  client: 'Command-line client',
} as const;

export type Section = keyof typeof SECTIONS;

/** One variable: how its text is parsed and checked, and what docs/configuration.md says of it. */
export interface Variable<T> {
  section: Section;
  /** Parses the raw value (undefined when unset or empty); its issues' messages follow the variable's name. */
  schema: z.ZodType<T, string | undefined>;
  /** The values accepted, e.g. "an integer from 1 to 256". */
  accepts: string;
  /** The default in words (`unset`, a value, or how it is derived). */
  fallback: string;
  description: string;
}

type Doc = { section: Section; description: string; fallback?: string };

const got = (raw: string): string => `(got "${raw}")`;

/** An integer from min to max; `fallback` when unset (undefined: the caller derives it). */
export function integer(min: number, max: number, doc: Doc & { fallback: string }): Variable<number | undefined>;
export function integer(min: number, max: number, doc: Doc, fallback: number): Variable<number>;
export function integer(min: number, max: number, doc: Doc, fallback?: number): Variable<number | undefined> {
  const accepts = `an integer from ${min} to ${max}`;
  const schema = z
    .string()
    .optional()
    .transform((raw, ctx) => {
      if (raw === undefined) return fallback;
      const value = Number(raw);
      if (raw.trim() !== '' && Number.isInteger(value) && value >= min && value <= max) return value;
      ctx.addIssue({ code: 'custom', message: `must be ${accepts} ${got(raw)}` });
      return z.NEVER;
    });
  return { ...doc, schema, accepts, fallback: doc.fallback ?? String(fallback) };
}

const TRUE = ['1', 'true', 'yes'];
const FALSE = ['0', 'false', 'no'];

/** true (1, yes) or false (0, no); `fallback` when unset (undefined: the caller derives it). */
export function flag(doc: Doc & { fallback: string }): Variable<boolean | undefined>;
export function flag(doc: Doc, fallback: boolean): Variable<boolean>;
export function flag(doc: Doc, fallback?: boolean): Variable<boolean | undefined> {
  const schema = z
    .string()
    .optional()
    .transform((raw, ctx) => {
      if (raw === undefined) return fallback;
      if (TRUE.includes(raw.toLowerCase())) return true;
      if (FALSE.includes(raw.toLowerCase())) return false;
      ctx.addIssue({ code: 'custom', message: `must be true or false ${got(raw)}` });
      return z.NEVER;
    });
  return { ...doc, schema, accepts: 'true or false', fallback: doc.fallback ?? String(fallback) };
}

/** One of a few words; the first is the default. */
export function choice<const T extends string>(values: readonly [T, ...T[]], doc: Doc): Variable<T> {
  const schema = z
    .string()
    .optional()
    .transform((raw, ctx) => {
      if (raw === undefined) return values[0];
      if ((values as readonly string[]).includes(raw)) return raw as T;
      const quoted = values.map((v) => `"${v}"`);
      const words = quoted.length > 1 ? `${quoted.slice(0, -1).join(', ')} or ${quoted.at(-1)}` : quoted[0];
      ctx.addIssue({ code: 'custom', message: `must be ${words} ${got(raw)}` });
      return z.NEVER;
    });
  return { ...doc, schema, accepts: values.join(', '), fallback: doc.fallback ?? values[0] };
}

/** Free text matching `pattern` (described by `accepts`); undefined when unset. A secret's value is never echoed. */
export function text(
  doc: Doc & { fallback: string },
  accepts = 'any text',
  pattern?: RegExp,
  secret = false,
): Variable<string | undefined> {
  const schema = z
    .string()
    .optional()
    .transform((raw, ctx) => {
      if (raw === undefined || pattern === undefined || pattern.test(raw)) return raw;
      ctx.addIssue({ code: 'custom', message: secret ? `must be ${accepts}` : `must be ${accepts} ${got(raw)}` });
      return z.NEVER;
    });
  return { ...doc, schema, accepts };
}

/** A comma-separated list, each entry trimmed and checked by `entry` (which returns the kept form or a problem). */
export function list(
  doc: Doc & { fallback: string },
  accepts: string,
  entry: (value: string) => { value: string } | { problem: string },
): Variable<string[] | undefined> {
  const schema = z
    .string()
    .optional()
    .transform((raw, ctx) => {
      if (raw === undefined || raw.trim() === '') return undefined;
      const values: string[] = [];
      for (const item of raw
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)) {
        const checked = entry(item);
        if ('problem' in checked) {
          ctx.addIssue({ code: 'custom', message: checked.problem });
          return z.NEVER;
        }
        values.push(checked.value);
      }
      return values;
    });
  return { ...doc, schema, accepts };
}
