export type { OutputFormat, ValueKind, ResultColumn, Cell, RowStream, TextSink, RenderOptions } from './types';
export { streamSink } from './sink';
export { kindOfType } from './kinds';
export { renderRows } from './render';
