import type { S3Client } from '@aws-sdk/client-s3';
import type { AthenaTableTask, CommitResult, PreparedBatch } from './events';
import { FreshnessPublisher, publishFreshness } from './freshness';
import { readWatermarkState, writeWatermark } from './watermark';

/**
 * Stores the watermark of a batch whose statements all succeeded, then publishes the table's freshness (now minus
 * the newest commit time applied; a batch that moves nothing publishes the stored one, so freshness grows while the
 * source is idle). Idempotent: committing the same batch twice writes the same watermark; a batch that moves
 * nothing (up to date) writes nothing. A failed publish is logged, never thrown.
 */
export async function commit(s3: S3Client, task: AthenaTableTask, batch: PreparedBatch, freshness?: FreshnessPublisher): Promise<CommitResult> {
  if (batch.watermark === null || batch.filesApplied === 0) {
    const state = await readWatermarkState(s3, task.watermarkLocation);
    const newest = state?.newestCommitTimestamp ?? null;
    return { watermark: state?.watermark ?? null, newestCommitTimestamp: newest, freshness: await publishFreshness(freshness, task.name, newest) };
  }
  const newest = batch.newestCommitTimestamp ?? null;
  await writeWatermark(s3, task.watermarkLocation, task.name, batch.watermark, new Date(), newest);
  return { watermark: batch.watermark, newestCommitTimestamp: newest, freshness: await publishFreshness(freshness, task.name, newest) };
}
