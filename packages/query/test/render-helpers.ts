import { Cell, ResultColumn, RowStream, TextSink, kindOfType } from '../src/render';

export function columns(...specs: [string, string][]): ResultColumn[] {
  return specs.map(([name, type]) => ({ name, type, kind: kindOfType(type) }));
}

export function stream(cols: readonly ResultColumn[], ...batches: (readonly Cell[])[][]): RowStream {
  return { columns: cols, batches: (async function* () { yield* batches; })() };
}

/** A sink that keeps every chunk. */
export function memorySink(): TextSink & { readonly chunks: string[]; text(): string } {
  const chunks: string[] = [];
  return { chunks, write: async (c) => { chunks.push(c); }, text: () => chunks.join('') };
}
