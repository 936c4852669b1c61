import {
  ApplyPlan, RawListingEntry, RawZoneError, RawZoneErrorCode, Watermark, advanceWatermark, classifyListing, planApply,
} from '../../src';

/** One vector: a listing and a watermark in, an apply plan (or an error code) out. */
export interface ApplyVector {
  readonly name: string;
  readonly description: string;
  readonly listing: readonly RawListingEntry[];
  readonly watermark: Watermark | null;
  readonly expected: ExpectedApply | { readonly error: RawZoneErrorCode };
}

/** What planApply decides, by relative path, plus the watermark after applying all of it in one batch. */
export interface ExpectedApply {
  readonly kind: ApplyPlan['kind'];
  readonly load: readonly string[];
  readonly changes: readonly string[];
  readonly superseded: readonly string[];
  readonly loadFingerprint: string;
  readonly loadStartedMs: number | null;
  /** Order keys of the files to apply (the watermark compares CDC order keys). */
  readonly orderKeys: Readonly<Record<string, string>>;
  /** The watermark once `load` and `changes` are applied (the input watermark when up to date). */
  readonly watermarkAfter: Watermark | null;
}

const T = 1_700_000_000_000;
const file = (relativePath: string, modifiedMs: number, sizeBytes = 1000): RawListingEntry => ({ relativePath, sizeBytes, modifiedMs });
const L1 = file('LOAD00000001.parquet', T, 4096);
const L2 = file('LOAD00000002.parquet', T + 10, 2048);
const C1 = file('20231114-221400000.parquet', T + 60_000);
const C2 = file('20231114-221500000.parquet', T + 120_000);
const C3 = file('20231114-221600000.parquet', T + 180_000);

/** Applies everything planApply finds (one batch) and returns the watermark after it. */
function applied(listing: readonly RawListingEntry[], previous?: Watermark): Watermark {
  const plan = planApply(classifyListing(listing), previous);
  const batch = [...plan.load, ...plan.changes];
  if (batch.length === 0) return previous!;
  return advanceWatermark(previous, batch, plan.kind === 'initial' || plan.kind === 'reload', plan.files.loadFingerprint);
}

/** The inputs of every vector. */
function inputs(): Omit<ApplyVector, 'expected'>[] {
  const reloadedL1 = file('LOAD00000001.parquet', T + 300_000, 5000);
  const reloadedL2 = file('LOAD00000002.parquet', T + 300_010, 1000);
  const afterReload = file('20231114-222000000.parquet', T + 360_000);
  return [
    { name: 'empty', description: 'no files, nothing applied yet', listing: [], watermark: null },
    { name: 'initial-load-only', description: 'a full load in two files', listing: [L2, L1], watermark: null },
    {
      name: 'initial-load-and-cdc',
      description: 'load then CDC files, listed out of order; temporary, dot and non-Parquet files are ignored',
      listing: [C2, file('notes.txt', T), L1, file('.20231114-221700000.parquet', T + 200_000), file('.tmp/20231114-221800000.parquet', T + 200_000), C1,
        file('20231114-221900000.parquet.tmp', T + 200_000)],
      watermark: null,
    },
    { name: 'incremental', description: 'new CDC files after the watermark', listing: [L1, L2, C1, C2, C3], watermark: applied([L1, L2, C1]) },
    { name: 'up-to-date', description: 'nothing new since the watermark', listing: [L1, L2, C1, C2], watermark: applied([L1, L2, C1, C2]) },
    {
      name: 'reload-after-new-load-files',
      description: 'the LOAD files were rewritten after CDC: rebuild from the new load plus the CDC after it; older CDC is superseded',
      listing: [reloadedL1, reloadedL2, C1, C2, afterReload],
      watermark: applied([L1, L2, C1, C2]),
    },
    {
      name: 'cdc-superseded-by-load',
      description: 'CDC files last-modified before the earliest LOAD file are never applied on top of it',
      listing: [file('20231114-220000000.parquet', T - 60_000), L1, L2, C1],
      watermark: null,
    },
    {
      name: 'cdc-date-folders',
      description: 'CDC files in date folders (DDMMYYYY here, where folder order is not time order) are ordered by the time in their names',
      listing: [L1, file('30112023/20231130-235959999.parquet', T + 60_000), file('01122023/20231201-000000001.parquet', T + 61_000),
        file('30112023/20231130-120000000.parquet', T + 59_000), file('2023/12/01/20231201-000000002.parquet', T + 62_000)],
      watermark: null,
    },
    {
      name: 'cdc-date-folders-incremental',
      description: 'the watermark in a YYYY/MM/DD layout; a new day folder continues after it',
      listing: [L1, file('2023/11/30/20231130-235959999.parquet', T + 60_000), file('2023/12/01/20231201-000000001.parquet', T + 61_000)],
      watermark: applied([L1, file('2023/11/30/20231130-235959999.parquet', T + 60_000)]),
    },
    {
      name: 'parallel-load-subfolders',
      description: 'LOAD files of a parallel load in sub-folders are ordered by their hexadecimal counter, then path',
      listing: [file('part_b/LOAD00000001.parquet', T), file('part_a/LOAD0000000A.parquet', T + 5), file('part_a/LOAD00000009.parquet', T + 4),
        file('part_a/LOAD00000001.parquet', T + 1), file('part_b/LOAD0000000b.parquet', T + 6), C1],
      watermark: null,
    },
    {
      name: 'cdc-same-name-two-folders',
      description: 'two CDC files with the same time in their names are ordered by path',
      listing: [L1, file('b/20231114-221400000.parquet', T + 60_000), file('a/20231114-221400000.parquet', T + 60_001)],
      watermark: null,
    },
    {
      name: 'cdc-only-incremental',
      description: 'a table with no LOAD files (created after the full load): the fingerprint is empty',
      listing: [C1, C2],
      watermark: applied([C1]),
    },
    {
      name: 'late-file',
      description: 'a CDC file sorting before the watermark that was not applied: refused',
      listing: [L1, C1, C2, C3],
      watermark: applied([L1, C1, C3]),
    },
    {
      name: 'load-files-gone',
      description: 'the LOAD files the table was built from vanished and no new load is present: refused',
      listing: [C1, C2],
      watermark: applied([L1, C1]),
    },
    { name: 'unclassified-file', description: 'a .parquet name that is neither LOAD nor CDC: refused', listing: [L1, file('LOAD1.parquet', T)], watermark: null },
  ];
}

/** Every vector, its expected output computed by classifyListing / planApply / advanceWatermark. */
export function applyVectors(): ApplyVector[] {
  return inputs().map((input) => {
    try {
      const plan = planApply(classifyListing(input.listing), input.watermark ?? undefined);
      const toApply = [...plan.load, ...plan.changes];
      const expected: ExpectedApply = {
        kind: plan.kind,
        load: plan.load.map((f) => f.relativePath),
        changes: plan.changes.map((f) => f.relativePath),
        superseded: plan.files.superseded.map((f) => f.relativePath),
        loadFingerprint: plan.files.loadFingerprint,
        loadStartedMs: plan.files.loadStartedMs,
        orderKeys: Object.fromEntries(toApply.map((f) => [f.relativePath, f.orderKey])),
        watermarkAfter: toApply.length === 0
          ? input.watermark
          : advanceWatermark(input.watermark ?? undefined, toApply, plan.kind === 'initial' || plan.kind === 'reload', plan.files.loadFingerprint),
      };
      return { ...input, expected };
    } catch (e) {
      if (!(e instanceof RawZoneError)) throw e;
      return { ...input, expected: { error: e.code } };
    }
  });
}
