import type { S3Client } from '@aws-sdk/client-s3';
import type { Watermark } from '@cdc-lakehouse/curation';
import { readJson, writeJson } from './s3-io';

/** The watermark object: the watermark, plus when and for which table it was written (for people reading it). */
interface StoredWatermark extends Watermark {
  readonly table?: string;
  readonly committedAt?: string;
}

/** The stored watermark, or `undefined` before the first commit. */
export async function readWatermark(s3: S3Client, uri: string): Promise<Watermark | undefined> {
  const stored = await readJson<StoredWatermark>(s3, uri);
  if (stored === undefined) return undefined;
  if (typeof stored.loadFingerprint !== 'string' || typeof stored.lastFile !== 'string' || typeof stored.filesApplied !== 'number') {
    throw new Error(`${uri}: not a curation watermark (needs loadFingerprint, lastFile, lastCdcOrderKey, filesApplied); `
      + 'restore the previous version of the object (the bucket is versioned) or delete it to rebuild the table');
  }
  const { loadFingerprint, lastFile, filesApplied } = stored;
  return { loadFingerprint, lastFile, lastCdcOrderKey: stored.lastCdcOrderKey ?? null, filesApplied };
}

/** Stores a watermark. */
export async function writeWatermark(s3: S3Client, uri: string, table: string, watermark: Watermark, now = new Date()): Promise<void> {
  const stored: StoredWatermark = { ...watermark, table, committedAt: now.toISOString() };
  await writeJson(s3, uri, stored);
}
