// One worker thread of the parallel mode: it runs executions one after another, each in a fresh vm
// context holding the script, exactly as the sequential mode does on the main thread. Its own
// stack lets an execution stop in the middle of a service call while others run. Every service
// global is a stub whose property reads and method calls are synchronous requests to the main
// thread (post a message, then sleep in Atomics.wait until the answer is posted back), where the
// services and the emulator's state live. Bundled with esbuild and started by scheduler.ts.
import vm from 'node:vm';
import { types } from 'node:util';
import { receiveMessageOnPort, workerData, type MessagePort } from 'node:worker_threads';
import { Realm } from '../realm';
import { isHandleRef, TO_MAIN, TO_WORKER, type HandleRef, type ToMain, type ToWorker } from './protocol';

interface WorkerInit {
  port: MessagePort;
  signal: SharedArrayBuffer;
  /** Float64 at 0: the virtual time, written by the main thread before it lets this worker run. */
  clock: SharedArrayBuffer;
  source: string;
  fileName: string;
}

const init = workerData as WorkerInit;
const signal = new Int32Array(init.signal);
const clock = new Float64Array(init.clock);

let lastReceived = 0;

function send(message: ToMain): void {
  init.port.postMessage({ ...message, r: lastReceived });
  Atomics.add(signal, TO_MAIN, 1);
  Atomics.notify(signal, TO_MAIN);
}

function receive(): ToWorker {
  // The slot counts messages sent: read it, look at the port, and sleep only if it has not moved
  // since (a message posted in between wakes us at once).
  for (;;) {
    const before = Atomics.load(signal, TO_WORKER);
    const received = receiveMessageOnPort(init.port);
    if (received) {
      const message = received.message as ToWorker;
      if (message.n !== lastReceived + 1) throw new Error(`parallel worker: message ${message.n} (${message.t}) after ${lastReceived}`);
      lastReceived = message.n;
      return message;
    }
    // Bounded, so even a message that became visible after its count cannot be missed for long.
    Atomics.wait(signal, TO_WORKER, before, 100);
  }
}

/** A service object living on the main thread (its methods are requests). */
class RemoteObject {}

const handleOfStub = new WeakMap<object, number>();
let stubs = new Map<number, object>();

class RemoteError extends Error {}

function request(message: ToMain): unknown {
  send(message);
  const answer = receive();
  if (answer.t === 'err') {
    const error = new RemoteError(answer.message);
    error.name = answer.name;
    throw error;
  }
  if (answer.t !== 'ok') throw new Error(`parallel worker: unexpected ${answer.t} during a call`);
  return fromMain(answer.v);
}

function stubFor(ref: HandleRef): object {
  const existing = stubs.get(ref.$emuHandle);
  if (existing) return existing;
  const id = ref.$emuHandle;
  const methods = new Set(ref.methods ?? []);
  const functions = new Map<string, Function>();
  const stub = new Proxy(new RemoteObject(), {
    get(_target, prop) {
      if (typeof prop === 'symbol' || prop === 'then') return undefined;
      if (methods.has(prop)) {
        let fn = functions.get(prop);
        if (!fn) {
          fn = (...args: unknown[]) => request({ t: 'call', h: id, p: prop, a: args.map(toMain) });
          functions.set(prop, fn);
        }
        return fn;
      }
      return request({ t: 'get', h: id, p: prop });
    },
    set(_target, prop, value) {
      if (typeof prop === 'symbol') return false;
      request({ t: 'set', h: id, p: prop, v: toMain(value) });
      return true;
    },
  });
  stubs.set(id, stub);
  handleOfStub.set(stub, id);
  return stub;
}

/** A value from the main thread: handles become stubs, data stays data. */
function fromMain(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (isHandleRef(value)) return stubFor(value);
  if (types.isDate(value)) return value;
  if (Array.isArray(value)) return value.map(fromMain);
  const copy: Record<string, unknown> = {};
  for (const key of Object.keys(value)) copy[key] = fromMain((value as Record<string, unknown>)[key]);
  return copy;
}

/** A host value (after the realm's toHost) for the main thread: stubs become handles again. */
function toMain(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return typeof value === 'function' ? undefined : value;
  const id = handleOfStub.get(value);
  if (id !== undefined) return { $emuHandle: id } satisfies HandleRef;
  if (types.isDate(value)) return new Date((value as Date).getTime());
  if (Array.isArray(value)) return value.map(toMain);
  const copy: Record<string, unknown> = {};
  for (const key of Object.keys(value)) copy[key] = toMain((value as Record<string, unknown>)[key]);
  return copy;
}

function describe(error: unknown): { name: string; message: string } {
  if (types.isNativeError(error)) return { name: (error as Error).name, message: (error as Error).message };
  return { name: 'Error', message: String(error) };
}

const script = new vm.Script(init.source, { filename: init.fileName });
send({ t: 'ready' });
for (;;) {
  const command = receive();
  if (command.t === 'exit') break;
  if (command.t !== 'run') throw new Error(`parallel worker: unexpected ${command.t} between executions`);
  stubs = new Map();
  // The main thread watches real time (it stops a worker that does not answer), so no vm timeout.
  const realm = new Realm(() => clock[0]);
  for (const [name, ref] of Object.entries(command.globals)) realm.defineGlobal(name, stubFor(ref));
  try {
    realm.run(script);
    const value = realm.callGlobal(command.functionName, fromMain(command.args) as unknown[]);
    if (types.isPromise(value)) throw new Error(`${command.functionName} returned a Promise; Apps Script entry points are synchronous here`);
    send({ t: 'done', ok: true, v: toMain(realm.toHost(value)) });
  } catch (error) {
    send({ t: 'done', ok: false, ...describe(error) });
  }
}
init.port.close();
