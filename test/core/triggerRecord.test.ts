// The user's record of each spreadsheet's hourly trigger: one property per spreadsheet, read back
// validated, and listed across spreadsheets (to tell which trigger is whose).
import { allTriggerRecords, deleteTriggerRecord, loadTriggerRecord, saveTriggerRecord, TRIGGER_RECORD_PREFIX } from '../../src/core/triggerRecord';
import { FakeStore } from './refreshFakes';

test('one record per spreadsheet, under its id', () => {
  const store = new FakeStore();
  saveTriggerRecord(store, 'sheet-a', { v: 1, triggerId: 't1' });
  saveTriggerRecord(store, 'sheet-b', { v: 1, triggerId: null, noDocumentAt: 5 });
  expect(store.get(`${TRIGGER_RECORD_PREFIX}sheet-a`)).toBe('{"v":1,"triggerId":"t1"}');
  expect(loadTriggerRecord(store, 'sheet-a')).toEqual({ v: 1, triggerId: 't1' });
  expect(loadTriggerRecord(store, 'sheet-c')).toBeNull();
  deleteTriggerRecord(store, 'sheet-a');
  expect(loadTriggerRecord(store, 'sheet-a')).toBeNull();
  expect(loadTriggerRecord(store, 'sheet-b')).toEqual({ v: 1, triggerId: null, noDocumentAt: 5 });
});

test('a damaged or foreign value reads as no record; the list skips it and other properties', () => {
  const store = new FakeStore();
  store.set(`${TRIGGER_RECORD_PREFIX}broken`, '{not json');
  store.set(`${TRIGGER_RECORD_PREFIX}other-version`, JSON.stringify({ v: 2, id: 'x' }));
  store.set('crustdata.apiKey', 'secret');
  saveTriggerRecord(store, 'good', { v: 1, triggerId: 't9', unidentifiedSince: 1 });
  expect(loadTriggerRecord(store, 'broken')).toBeNull();
  expect(loadTriggerRecord(store, 'other-version')).toBeNull();
  expect([...allTriggerRecords(store)]).toEqual([['good', { v: 1, triggerId: 't9', unidentifiedSince: 1 }]]);
});
