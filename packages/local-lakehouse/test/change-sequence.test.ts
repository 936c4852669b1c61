import { ChangeSequencer, changeSequence, changeSequencePrefix } from '../src/capture/change-sequence';
import { formatLsn, parseLsn } from '../src/source/lsn';

describe('change sequence ($AR_H_CHANGE_SEQ emulation)', () => {
  test('is 35 digits: 16 of commit time, 19 of position in the transaction', () => {
    const seq = changeSequence(changeSequencePrefix(1_763_744_109_761_483), 42);
    expect(seq).toBe('17637441097614830000000000000000042');
    expect(seq).toHaveLength(35);
  });

  test('prefixes strictly increase in commit order, even for equal or earlier commit times', () => {
    const sequencer = new ChangeSequencer();
    const a = sequencer.nextTransaction(1_000_000);
    const b = sequencer.nextTransaction(1_000_000);
    const c = sequencer.nextTransaction(999_999);
    const d = sequencer.nextTransaction(2_000_000);
    expect([a, b, c, d]).toEqual([...[a, b, c, d]].sort());
    expect(new Set([a, b, c, d]).size).toBe(4);
    expect(d).toBe('0000000002000000');
  });

  test('a sequencer restarted from the persisted prefix repeats the prefixes of re-delivered transactions', () => {
    const first = new ChangeSequencer();
    first.nextTransaction(5_000);
    const persisted = first.last;
    const redelivered = [first.nextTransaction(5_000), first.nextTransaction(7_000)];
    const restarted = new ChangeSequencer(persisted);
    expect([restarted.nextTransaction(5_000), restarted.nextTransaction(7_000)]).toEqual(redelivered);
  });

  test('string order is change order, across transactions and positions', () => {
    const seqs = [changeSequence('0000000000001000', 9), changeSequence('0000000000001000', 10), changeSequence('0000000000001001', 0)];
    expect([...seqs].sort()).toEqual(seqs);
  });

  test('times that do not fit 16 digits fail loudly', () => {
    expect(() => changeSequencePrefix(1e16)).toThrow(/does not fit/);
  });
});

describe('LSN', () => {
  test('parses and formats PostgreSQL WAL positions', () => {
    expect(parseLsn('16/B374D848')).toBe(0x16B374D848n);
    expect(formatLsn(0x16B374D848n)).toBe('16/B374D848');
    expect(formatLsn(parseLsn('0/0'))).toBe('0/0');
    expect(() => parseLsn('nope')).toThrow(/not a WAL position/);
  });
});
