// The messages between the parallel scheduler (main thread) and an execution's worker thread.
// Service objects never cross: they stay on the main thread in a handle table and cross as
// handles; plain data (primitives, arrays, plain objects, Dates) crosses by value.

/** A service object on the main thread, as the worker knows it: its id and its method names. */
export interface HandleRef {
  $emuHandle: number;
  methods?: string[];
}

/**
 * Every message to a worker carries the next number `n`; every message back carries `r`, the
 * number of the last one the worker received. A mismatch is a broken exchange, reported loudly.
 */
export interface Numbered {
  n?: number;
  r?: number;
}

export type ToMain = Numbered &
  (
    | { t: 'ready' }
    | { t: 'get'; h: number; p: string }
    | { t: 'set'; h: number; p: string; v: unknown }
    | { t: 'call'; h: number; p: string; a: unknown[] }
    | { t: 'done'; ok: true; v: unknown }
    | { t: 'done'; ok: false; name: string; message: string }
  );

export type ToWorker = Numbered &
  (
    | { t: 'run'; functionName: string; args: unknown[]; globals: Record<string, HandleRef> }
    | { t: 'ok'; v: unknown }
    | { t: 'err'; name: string; message: string }
    | { t: 'exit' }
  );

/** Slots of the Int32Array over the shared signal buffer: each counts the messages sent that way. */
export const TO_WORKER = 0;
export const TO_MAIN = 1;

export function isHandleRef(value: unknown): value is HandleRef {
  return typeof value === 'object' && value !== null && typeof (value as HandleRef).$emuHandle === 'number';
}
