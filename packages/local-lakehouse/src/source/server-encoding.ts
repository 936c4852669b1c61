import { TextDecoder } from 'node:util';
import { LakehouseError } from '../errors';

/** Turns the bytes of one logical-decoding message into text. */
export type WalTextDecoder = (data: Buffer) => string;

/**
 * WHATWG labels of the PostgreSQL server encodings Node's TextDecoder reads. LATIN1 and WIN1252 are not here: the
 * WHATWG `iso-8859-1` label means windows-1252, and Node 20's windows-1252 decoder reads 0x80–0x9F as LATIN1 does.
 */
const WHATWG_LABELS: ReadonlyMap<string, string> = new Map([
  ['LATIN2', 'iso-8859-2'], ['LATIN3', 'iso-8859-3'], ['LATIN4', 'iso-8859-4'], ['LATIN5', 'windows-1254'], ['LATIN6', 'iso-8859-10'],
  ['LATIN7', 'iso-8859-13'], ['LATIN8', 'iso-8859-14'], ['LATIN9', 'iso-8859-15'], ['LATIN10', 'iso-8859-16'],
  ['ISO_8859_5', 'iso-8859-5'], ['ISO_8859_6', 'iso-8859-6'], ['ISO_8859_7', 'iso-8859-7'], ['ISO_8859_8', 'iso-8859-8'],
  ['WIN866', 'ibm866'], ['WIN874', 'windows-874'], ['WIN1250', 'windows-1250'], ['WIN1251', 'windows-1251'],
  ['WIN1253', 'windows-1253'], ['WIN1254', 'windows-1254'], ['WIN1255', 'windows-1255'], ['WIN1256', 'windows-1256'], ['WIN1257', 'windows-1257'],
  ['WIN1258', 'windows-1258'], ['KOI8R', 'koi8-r'], ['KOI8U', 'koi8-u'], ['EUC_JP', 'euc-jp'], ['EUC_KR', 'euc-kr'], ['EUC_CN', 'gb18030'],
  ['GB18030', 'gb18030'], ['GBK', 'gbk'], ['SJIS', 'shift_jis'], ['BIG5', 'big5'],
]);

/** What windows-1252 has at 0x80–0x9F (the bytes it does not define stay as LATIN1 reads them). */
const WIN1252_HIGH = [
  0x20ac, 0x81, 0x201a, 0x192, 0x201e, 0x2026, 0x2020, 0x2021, 0x2c6, 0x2030, 0x160, 0x2039, 0x152, 0x8d, 0x17d, 0x8f,
  0x90, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014, 0x2dc, 0x2122, 0x161, 0x203a, 0x153, 0x9d, 0x17e, 0x178,
];

function decodeWin1252(data: Buffer): string {
  return data.toString('latin1').replace(/[\u0080-\u009f]/g, (c) => String.fromCharCode(WIN1252_HIGH[c.charCodeAt(0) - 0x80]));
}

/**
 * The decoder of test_decoding's output for a database of `serverEncoding` (`SHOW server_encoding`). Logical decoding
 * writes its messages in the database's encoding whatever the replication connection's client_encoding, while the full
 * load's COPY arrives in UTF-8: reading the messages as UTF-8 garbled every non-ASCII character of a LATIN1 database.
 * SQL_ASCII databases hold bytes of no declared encoding; they are read as UTF-8 (what the full load does too).
 *
 * @throws LakehouseError for a server encoding Node cannot decode
 */
export function walTextDecoder(serverEncoding: string): WalTextDecoder {
  const name = serverEncoding.toUpperCase();
  if (name === 'UTF8' || name === 'SQL_ASCII') return (data) => data.toString('utf8');
  if (name === 'LATIN1') return (data) => data.toString('latin1');
  if (name === 'WIN1252') return decodeWin1252;
  const label = WHATWG_LABELS.get(name);
  let decoder: TextDecoder | undefined;
  try {
    decoder = label ? new TextDecoder(label) : undefined;
  } catch (err) {
    // a Node built without full ICU lacks the legacy encodings: refused below like an unknown one
    if (!(err instanceof RangeError)) throw err;
  }
  if (!decoder) {
    throw new LakehouseError(`the source database's encoding ${serverEncoding} is not one capture can decode its changes from; `
      + 'capture databases of encoding UTF8, LATIN1-10, WIN125x, KOI8, EUC, SJIS, GBK or BIG5 (a Node with full ICU)');
  }
  const ready = decoder;
  return (data) => ready.decode(data);
}
