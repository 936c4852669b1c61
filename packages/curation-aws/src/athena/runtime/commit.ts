import type { S3Client } from '@aws-sdk/client-s3';
import type { AthenaTableTask, CommitResult, PreparedBatch } from './events';
import { readWatermark, writeWatermark } from './watermark';

/**
 * Stores the watermark of a batch whose statements all succeeded. Idempotent: committing the same batch twice
 * writes the same watermark; a batch that moves nothing (up to date) writes nothing.
 */
export async function commit(s3: S3Client, task: AthenaTableTask, batch: PreparedBatch): Promise<CommitResult> {
  if (batch.watermark === null || batch.filesApplied === 0) return { watermark: await readWatermark(s3, task.watermarkLocation) ?? null };
  await writeWatermark(s3, task.watermarkLocation, task.name, batch.watermark);
  return { watermark: batch.watermark };
}
