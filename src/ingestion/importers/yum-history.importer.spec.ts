import { readFileSync } from 'node:fs';
import path from 'node:path';

import { parseYumHistory } from './yum-history.importer.js';

const table = readFileSync(
  path.resolve('../shared/realdata/linux/azure-docs_cloudinit-update-vm_yum-history.txt'),
  'utf8',
);
const options = { timeZone: 'UTC', hostname: 'centos-vm' };

describe('yum-history on the Azure cloud-init table', () => {
  it('gives one deploy per transaction, the "EE" output marks being no failure', () => {
    const outcome = parseYumHistory(table, options);
    expect(outcome.problems).toEqual([]);
    expect(outcome.read).toBe(5);
    expect(outcome.events.map((e) => [e.kind, e.patch.id, e.occurredAt, e.patch.title])).toEqual([
      ['deployed', 'yum-transaction-3', '2022-02-18T18:30:00.000Z', 'yum -y install httpd'],
      ['deployed', 'yum-transaction-2', '2022-02-18T18:23:00.000Z', 'yum -y upgrade'],
      ['deployed', 'yum-transaction-1', '2021-02-04T19:20:00.000Z', 'yum transaction 1'],
    ]);
    expect(outcome.events[1]).toMatchObject({
      source: 'yum-history',
      sourceEventId: 'centos-vm:yum-history:2',
      asset: { hostname: 'centos-vm' },
      raw: expect.stringContaining('I, O, U'),
    });
    expect(outcome.events[1].actor).toBeUndefined();
  });

  it('converts host-local minutes with the zone it is given, and needs one', () => {
    const berlin = parseYumHistory(table, { ...options, timeZone: 'Europe/Berlin' });
    expect(berlin.events[0].occurredAt).toBe('2022-02-18T17:30:00.000Z');
    const noZone = parseYumHistory(table, { hostname: 'centos-vm' });
    expect(noZone.events).toEqual([]);
    expect(noZone.problems.map((p) => p.line)).toEqual([3, 4, 5]);
  });
});

describe('yum-history, the yum 3 layout and odd rows', () => {
  it('reads Login user, failed and undone transactions, and reports removals it cannot attribute', () => {
    const text = [
      'Loaded plugins: product-id, refresh-packagekit, subscription-manager',
      'ID     | Login user               | Date and time    | Action(s)      | Altered',
      '-------------------------------------------------------------------------------',
      '     7 | root <root>              | 2011-08-02 09:12 | Erase          |    1',
      '     6 | Jaromir ... <jhradilek>  | 2011-08-01 10:00 | Update         |    4 ##',
      '     5 | Jaromir ... <jhradilek>  | 2011-07-29 15:33 | Install        |    1',
      '     2 | System <unset>           | 2011-07-16 15:19 | Update         |    1',
      '     x | System <unset>           | yesterday        | Update         |    1',
      'history list',
    ].join('\n');
    const outcome = parseYumHistory(text, options);
    expect(outcome.events.map((e) => [e.kind, e.patch.id, e.actor])).toEqual([
      ['failed', 'yum-transaction-6', 'jhradilek'],
      ['deployed', 'yum-transaction-5', 'jhradilek'],
      ['deployed', 'yum-transaction-2', undefined],
    ]);
    expect(outcome.problems.map((p) => [p.line, p.message])).toEqual([
      [4, expect.stringContaining('transaction 7 only removed or downgraded packages')],
      [8, expect.stringContaining('cannot read transaction row')],
      [9, expect.stringContaining('not a row of the yum history table')],
    ]);
  });

  it('makes "history undo N" the rollback of transaction N', () => {
    const text = [
      'ID | Command line      | Date and time    | Action(s) | Altered',
      ' 9 | history undo 8    | 2024-03-02 10:00 | Erase     |    2',
      ' 8 | install nginx     | 2024-03-01 10:00 | Install   |    2',
    ].join('\n');
    expect(parseYumHistory(text, options).events.map((e) => [e.kind, e.patch.id])).toEqual([
      ['rolled_back', 'yum-transaction-8'],
      ['deployed', 'yum-transaction-8'],
    ]);
  });

  it('survives binary input, a file without a table and a 1 MB line', () => {
    expect(parseYumHistory('\u0000\u0000', options).problems[0].message).toContain('binary');
    expect(parseYumHistory('Loaded plugins: fastestmirror\nNo transactions\n', options).problems).toEqual([
      { line: 1, message: expect.stringContaining('no yum history table') },
    ]);
    const giant = parseYumHistory(`${table}${'|'.repeat(1 << 20)}\n`, options);
    expect(giant.events).toHaveLength(3);
    expect(giant.problems).toEqual([{ line: 6, message: expect.stringContaining('characters long') }]);
  });
});
