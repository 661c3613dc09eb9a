// GraphQL enum value names for the lowercase values the services use: halfEven as HALF_EVEN, dry-run as DRY_RUN.

/** The ALL_CAPS name the schema gives a service value. */
export function enumName(value: string): string {
  return value
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/-/g, '_')
    .toUpperCase();
}

/** The service value whose name is `name` (a client reading an answer back); throws for a name none of them has. */
export function enumValue<V extends string>(values: readonly V[], name: string): V {
  const value = values.find((v) => enumName(v) === name);
  if (value === undefined) throw new Error(`unexpected enum value ${name} (known: ${values.map(enumName).join(', ')})`);
  return value;
}
