// The schema as introspection shows it to client tooling: every element described, and no untyped value where a type fits.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { makeExecutableSchema } from '@graphql-tools/schema';
import { introspectionFromSchema, isEnumType, isInputObjectType, isInterfaceType, isObjectType, type GraphQLSchema } from 'graphql';

const SCHEMA_DIR = join(process.cwd(), 'schema');
const schema: GraphQLSchema = makeExecutableSchema({
  typeDefs: readdirSync(SCHEMA_DIR)
    .filter((f) => f.endsWith('.graphql'))
    .map((f) => readFileSync(join(SCHEMA_DIR, f), 'utf8')),
});
/** The one field whose value is free-form by nature: each mutation's own arguments, as it was called. */
const FREE_FORM = new Set(['AuditLogEntry.arguments']);

test('introspection: every type, field, argument, input field and enum value has a description', () => {
  const missing: string[] = [];
  for (const type of introspectionFromSchema(schema).__schema.types) {
    if (type.name.startsWith('__') || ['String', 'Int', 'Float', 'Boolean', 'ID'].includes(type.name)) continue;
    if (!type.description) missing.push(type.name);
    const fields = 'fields' in type ? (type.fields ?? []) : 'inputFields' in type ? type.inputFields : [];
    for (const field of fields) {
      if (!field.description) missing.push(`${type.name}.${field.name}`);
      for (const arg of 'args' in field ? field.args : []) if (!arg.description) missing.push(`${type.name}.${field.name}(${arg.name})`);
    }
    for (const value of 'enumValues' in type ? (type.enumValues ?? []) : [])
      if (!value.description) missing.push(`${type.name}.${value.name}`);
  }
  assert.deepEqual(missing, []);
});

test("no untyped values: JSON only on deprecated fields and the audit log's arguments; timestamps are DateTime; enums ALL_CAPS", () => {
  const untyped: string[] = [];
  const stringTimes: string[] = [];
  for (const type of Object.values(schema.getTypeMap())) {
    if (type.name.startsWith('__')) continue;
    if (isObjectType(type) || isInterfaceType(type) || isInputObjectType(type)) {
      for (const field of Object.values(type.getFields())) {
        const where = `${type.name}.${field.name}`;
        const named = String(field.type).replace(/[[\]!]/g, '');
        if (named === 'JSON' && !field.deprecationReason && !FREE_FORM.has(where)) untyped.push(where);
        // Timestamps: createdAt, startedAt, lastUsedAt, ...
        if (/edAt$/.test(field.name) && named !== 'DateTime') stringTimes.push(where);
      }
    }
    if (isEnumType(type)) for (const value of type.getValues()) assert.match(value.name, /^[A-Z][A-Z0-9_]*$/, `${type.name}.${value.name}`);
  }
  assert.deepEqual(untyped, []);
  assert.deepEqual(stringTimes, []);
});
