// Which hourly trigger belongs to which spreadsheet, kept in the user's own properties.
//
// Triggers are per user, and Google gives no way to find a document's time-driven trigger by
// listing: getUserTriggers(spreadsheet) lists triggers "in the given spreadsheet", a clock
// trigger's source id is null, and getProjectTriggers() lists this user's triggers of every
// spreadsheet the add-on runs in. So the add-on keeps the unique id of the trigger it created in
// each spreadsheet, under `crustdata.trigger.<spreadsheetId>`, and finds it by that id. User
// properties are used because a trigger run may have no document (no document properties), and
// because a second user of the same spreadsheet has a trigger of their own and a record of their own.
import * as z from 'zod/mini';
import type { KeyValueStore } from './ports';
import { lazySchema, parseStoredJson } from './schemas';

export const TRIGGER_RECORD_PREFIX = 'crustdata.trigger.';

const triggerRecordSchema = lazySchema(() =>
  z.object({
    v: z.literal(1),
    /** The trigger's unique id (getUniqueId(), the event's triggerUid); null when none is known. */
    triggerId: z.nullable(z.string()),
    /**
     * Google refused a new trigger because this user already has one in this spreadsheet, and it
     * could not be told apart from the user's triggers of other spreadsheets. It names itself at
     * its next run in this spreadsheet.
     */
    unidentifiedSince: z.optional(z.number()),
    /** A run of the trigger found no document, removed the trigger, and left this for the sidebar. */
    noDocumentAt: z.optional(z.number()),
  }),
);

export type TriggerRecord = z.infer<ReturnType<typeof triggerRecordSchema>>;

const keyOf = (documentId: string) => `${TRIGGER_RECORD_PREFIX}${documentId}`;

/** A value that fails validation reads as no record: the trigger is then found again (ensureTrigger). */
export function loadTriggerRecord(store: KeyValueStore, documentId: string): TriggerRecord | null {
  return parseRecord(store.get(keyOf(documentId)));
}

export function saveTriggerRecord(store: KeyValueStore, documentId: string, record: TriggerRecord): void {
  store.set(keyOf(documentId), JSON.stringify(record));
}

export function deleteTriggerRecord(store: KeyValueStore, documentId: string): void {
  store.delete(keyOf(documentId));
}

/** Every spreadsheet's record of this user, by spreadsheet id. */
export function allTriggerRecords(store: KeyValueStore): Map<string, TriggerRecord> {
  const records = new Map<string, TriggerRecord>();
  for (const key of store.keys()) {
    if (!key.startsWith(TRIGGER_RECORD_PREFIX)) continue;
    const record = parseRecord(store.get(key));
    if (record) records.set(key.slice(TRIGGER_RECORD_PREFIX.length), record);
  }
  return records;
}

function parseRecord(raw: string | null): TriggerRecord | null {
  return parseStoredJson(triggerRecordSchema, raw);
}
