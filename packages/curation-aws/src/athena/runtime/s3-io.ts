import { GetObjectCommand, ListObjectsV2Command, NoSuchKey, PutObjectCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import type { RawListingEntry } from '@cdc-lakehouse/curation';
import { ParquetFooter, footerLength, parseParquetFooter } from './parquet-footer';

/** Bucket and key (or key prefix) of an `s3://` URI. */
export interface S3Location {
  readonly bucket: string;
  readonly key: string;
}

/** Splits `s3://bucket/key`; throws a one-line error naming `what` otherwise. */
export function parseS3Uri(uri: string, what: string): S3Location {
  const match = /^s3:\/\/([^/]+)\/?(.*)$/.exec(uri);
  if (!match) throw new Error(`${what}: '${uri}' is not an s3:// URI; pass s3://bucket/prefix/`);
  return { bucket: match[1], key: match[2] };
}

/** Every object below a folder (all pages of ListObjectsV2), paths relative to the folder. */
export async function listFolder(s3: S3Client, folderUri: string): Promise<RawListingEntry[]> {
  const { bucket, key } = parseS3Uri(folderUri, 'raw location');
  const prefix = key === '' || key.endsWith('/') ? key : `${key}/`;
  const entries: RawListingEntry[] = [];
  let token: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
    for (const object of page.Contents ?? []) {
      if (!object.Key || object.Key.endsWith('/')) continue;
      entries.push({
        relativePath: object.Key.slice(prefix.length),
        sizeBytes: object.Size ?? 0,
        modifiedMs: object.LastModified?.getTime() ?? 0,
        path: `s3://${bucket}/${object.Key}`,
      });
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return entries;
}

/** A JSON object, or `undefined` when it does not exist. */
export async function readJson<T>(s3: S3Client, uri: string): Promise<T | undefined> {
  const { bucket, key } = parseS3Uri(uri, 'watermark location');
  try {
    const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    const text = await object.Body!.transformToString('utf-8');
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new Error(`${uri}: not JSON; delete it to rebuild the table from all raw files, or restore the previous version (the bucket is versioned)`);
    }
  } catch (e) {
    if (e instanceof NoSuchKey || (e instanceof S3ServiceException && e.name === 'NoSuchKey')) return undefined;
    throw e;
  }
}

/** Writes a JSON object. */
export async function writeJson(s3: S3Client, uri: string, value: unknown): Promise<void> {
  const { bucket, key } = parseS3Uri(uri, 'watermark location');
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: `${JSON.stringify(value, null, 2)}\n`, ContentType: 'application/json' }));
}

/** How many bytes the first ranged GET reads from a file's end: most DMS footers fit, so one request usually does. */
export const FOOTER_FIRST_READ = 64 * 1024;

/** Reads only a Parquet file's footer: its last bytes (ranged GET), then the rest of the footer when longer. */
export async function readFooter(s3: S3Client, uri: string, sizeBytes: number): Promise<ParquetFooter> {
  const { bucket, key } = parseS3Uri(uri, 'raw file');
  if (sizeBytes < 12) throw new Error(`${uri}: ${sizeBytes} bytes, too short for a Parquet file; move it out of the raw zone`);
  const range = async (from: number, to: number): Promise<Uint8Array> => {
    const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key, Range: `bytes=${from}-${to}` }));
    return object.Body!.transformToByteArray();
  };
  const firstFrom = Math.max(0, sizeBytes - FOOTER_FIRST_READ);
  let tail = await range(firstFrom, sizeBytes - 1);
  const length = footerLength(tail.subarray(tail.length - 8), uri);
  if (length + 8 > sizeBytes - 4) throw new Error(`${uri}: footer length ${length} does not fit a ${sizeBytes}-byte file; the file is damaged, move it out of the raw zone`);
  const footerStart = sizeBytes - 8 - length;
  if (footerStart < firstFrom) {
    const rest = await range(footerStart, firstFrom - 1);
    const joined = new Uint8Array(rest.length + tail.length);
    joined.set(rest, 0);
    joined.set(tail, rest.length);
    tail = joined;
  }
  const offset = tail.length - 8 - length;
  try {
    return parseParquetFooter(tail.subarray(offset, tail.length - 8));
  } catch (e) {
    throw new Error(`${uri}: unreadable Parquet footer (${(e as Error).message}); move the file out of the raw zone or replace it with the file DMS wrote`);
  }
}
