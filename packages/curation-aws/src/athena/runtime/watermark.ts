import type { S3Client } from '@aws-sdk/client-s3';
import type { Watermark } from '@cdc-lakehouse/curation';
import { readJson, writeJson } from './s3-io';

/**
 * The watermark object: the watermark, plus when and for which table it was written (for people reading it), and the
 * newest source commit time applied so far (the commit-timestamp column's high-water mark, for the freshness metric).
 */
interface StoredWatermark extends Watermark {
  readonly table?: string;
  readonly committedAt?: string;
  readonly newestCommitTimestamp?: string | null;
}

/** A watermark as stored, with the newest commit time applied (`null` when unknown, e.g. written before it was kept). */
export interface WatermarkState {
  readonly watermark: Watermark;
  readonly newestCommitTimestamp: string | null;
}

/** The stored watermark and newest commit time, or `undefined` before the first commit. */
export async function readWatermarkState(s3: S3Client, uri: string): Promise<WatermarkState | undefined> {
  const stored = await readJson<StoredWatermark>(s3, uri);
  if (stored === undefined) return undefined;
  if (typeof stored.loadFingerprint !== 'string' || typeof stored.lastFile !== 'string' || typeof stored.filesApplied !== 'number') {
    throw new Error(`${uri}: not a curation watermark (needs loadFingerprint, lastFile, lastCdcOrderKey, filesApplied); `
      + 'restore the previous version of the object (the bucket is versioned) or delete it to rebuild the table');
  }
  const { loadFingerprint, lastFile, filesApplied } = stored;
  return {
    watermark: { loadFingerprint, lastFile, lastCdcOrderKey: stored.lastCdcOrderKey ?? null, filesApplied },
    newestCommitTimestamp: typeof stored.newestCommitTimestamp === 'string' ? stored.newestCommitTimestamp : null,
  };
}

/** The stored watermark, or `undefined` before the first commit. */
export async function readWatermark(s3: S3Client, uri: string): Promise<Watermark | undefined> {
  return (await readWatermarkState(s3, uri))?.watermark;
}

/** Stores a watermark (and the newest commit time applied, when known). */
export async function writeWatermark(
  s3: S3Client, uri: string, table: string, watermark: Watermark, now = new Date(), newestCommitTimestamp: string | null = null,
): Promise<void> {
  const stored: StoredWatermark = {
    ...watermark, table, committedAt: now.toISOString(), ...(newestCommitTimestamp === null ? {} : { newestCommitTimestamp }),
  };
  await writeJson(s3, uri, stored);
}
