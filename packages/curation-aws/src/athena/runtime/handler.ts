import { GlueClient } from '@aws-sdk/client-glue';
import { S3Client } from '@aws-sdk/client-s3';
import { commit } from './commit';
import type { CommitResult, CurationEvent, PreparedBatch } from './events';
import { FreshnessPublisher, freshnessFromEnvironment } from './freshness';
import { CurationClients, prepare } from './prepare';

let clients: (CurationClients & { readonly freshness?: FreshnessPublisher }) | undefined;

/**
 * SDK clients from the standard chain (region, credentials; AWS_ENDPOINT_URL for a local endpoint such as moto), and
 * the freshness publisher when the environment names the source (CURATION_FRESHNESS_SOURCE; the construct sets it).
 */
function defaultClients(): CurationClients & { readonly freshness?: FreshnessPublisher } {
  clients ??= {
    s3: new S3Client({ forcePathStyle: process.env.AWS_ENDPOINT_URL !== undefined }),
    glue: new GlueClient({}),
    freshness: freshnessFromEnvironment(),
  };
  return clients;
}

/** Runs one action with the given clients (tests pass their own; without `freshness` nothing is published). */
export async function handle(
  event: CurationEvent, withClients: CurationClients & { readonly freshness?: FreshnessPublisher } = defaultClients(),
): Promise<PreparedBatch | CommitResult> {
  const name = (event as { table?: { name?: string } }).table?.name ?? '(no table)';
  try {
    switch (event.action) {
      case 'prepare':
        return await prepare(withClients, event.table);
      case 'commit':
        return await commit(withClients.s3, event.table, event.batch, withClients.freshness);
      default:
        throw new Error(`unknown action ${JSON.stringify((event as { action?: unknown }).action)}; the state machine sends 'prepare' or 'commit'`);
    }
  } catch (e) {
    // one line, naming the table: Step Functions shows it as the failure's cause
    const message = ((e as Error).message ?? String(e)).replace(/\s*\n\s*/g, ' ');
    const error = new Error(message.startsWith(`table ${name}`) ? message : `table ${name}: ${message}`);
    error.name = (e as Error).name ?? 'Error';
    throw error;
  }
}

/** The Lambda entry point. */
export async function handler(event: CurationEvent): Promise<PreparedBatch | CommitResult> {
  return handle(event);
}
