import { walTextDecoder } from '../src/source/server-encoding';

describe('walTextDecoder', () => {
  test('LATIN1 bytes are read as LATIN1, 0x80-0x9F included (not windows-1252)', () => {
    const decode = walTextDecoder('LATIN1');
    expect(decode(Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x20, 0xfc, 0xdf, 0x80]))).toBe('café üß\u0080');
  });

  test('UTF8 and SQL_ASCII are read as UTF-8; a legacy encoding through its WHATWG label', () => {
    expect(walTextDecoder('UTF8')(Buffer.from('café €', 'utf8'))).toBe('café €');
    expect(walTextDecoder('SQL_ASCII')(Buffer.from('naïve', 'utf8'))).toBe('naïve');
    expect(walTextDecoder('WIN1252')(Buffer.from([0x80, 0xe9]))).toBe('€é');
    expect(walTextDecoder('LATIN9')(Buffer.from([0xa4]))).toBe('€');
  });

  test('an encoding it cannot decode is a one-line error naming it', () => {
    expect(() => walTextDecoder('MULE_INTERNAL')).toThrow(/^the source database's encoding MULE_INTERNAL is not one capture can decode/);
  });
});
