// The audit log: every mutation attempted, by whom, with what (secrets redacted), from where, and how it ended.
import type { GraphQLResolveInfo } from 'graphql';
import type { MutationResolvers } from '../generated/graphql.js';
import type { Prisma, PrismaClient } from '../generated/prisma/client.js';
import { errorCode } from './apiErrors.js';
import { redactSecrets } from './redactSecrets.js';
import type { ApiContext } from './requestGate.js';

export type AuditLogRow = Prisma.AuditLogEntryGetPayload<object>;

/** The stored outcome of a mutation that succeeded (any other is the error code the caller got). */
export const AUDIT_OK = 'ok';

/** Largest arguments (as JSON) an audit row keeps; longer ones are summarised by their size. */
const MAX_ARGUMENT_CHARS = 4096;

/**
 * What a row keeps of the arguments: only a valid key's, secrets redacted and the size bounded. A caller without a
 * valid key is refused before anything runs, so their arguments tell nothing worth storing, and storing them would
 * let anyone fill the table at the anonymous rate limit.
 */
function storedArguments(context: ApiContext, args: unknown): Prisma.InputJsonValue {
  if (context.credentials.kind !== 'key') return { omitted: 'no valid API key' };
  const json = JSON.stringify(redactSecrets(args));
  return json.length <= MAX_ARGUMENT_CHARS
    ? (JSON.parse(json) as Prisma.InputJsonValue)
    : { omitted: `${json.length} characters, over ${MAX_ARGUMENT_CHARS}` };
}

type MutationResolver = (parent: unknown, args: any, context: ApiContext, info: GraphQLResolveInfo) => unknown;

export class AuditLog {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly log: (line: string) => void,
  ) {}

  /** Records one attempt; a failure to record is logged, never turned into the mutation's failure. */
  private async record(context: ApiContext, info: GraphQLResolveInfo, args: unknown, outcome: string): Promise<void> {
    const caller = context.credentials.kind === 'key' ? context.credentials.caller : null;
    try {
      await this.prisma.auditLogEntry.create({
        data: {
          keyId: caller?.keyId ?? null,
          keyName: caller?.name ?? null,
          operationName: info.operation.name?.value ?? null,
          field: info.fieldName,
          arguments: storedArguments(context, args),
          outcome,
          clientIp: context.clientIp,
        },
      });
    } catch (error) {
      this.log(`audit log: cannot record ${info.fieldName}: ${(error as Error).message}`);
    }
  }

  /** How many entries there are (only one key's when keyId is given). */
  count(keyId: string | null | undefined): Promise<number> {
    return this.prisma.auditLogEntry.count({ where: { keyId: keyId ?? undefined } });
  }

  /** Most recent first, a window of the list. */
  list(keyId: string | null | undefined, window: { skip: number; take: number }): Promise<AuditLogRow[]> {
    return this.prisma.auditLogEntry.findMany({
      where: { keyId: keyId ?? undefined },
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      ...window,
    });
  }

  /** The same resolvers, each recording its attempt ("ok" or the error code the caller gets) before answering. */
  audited(resolvers: MutationResolvers): MutationResolvers {
    const wrap =
      (resolve: MutationResolver): MutationResolver =>
      async (parent, args, context, info) => {
        let outcome = AUDIT_OK;
        try {
          return await resolve(parent, args, context, info);
        } catch (error) {
          outcome = errorCode(error);
          throw error;
        } finally {
          await this.record(context, info, args, outcome);
        }
      };
    return Object.fromEntries(Object.entries(resolvers).map(([field, resolve]) => [field, wrap(resolve as MutationResolver)]));
  }
}
