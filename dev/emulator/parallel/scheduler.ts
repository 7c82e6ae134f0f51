// The parallel mode's scheduler (main thread): up to `concurrency` executions in flight, each on
// its own worker thread (worker.ts), interleaved deterministically on the shared virtual clock.
// Exactly one worker runs at a time. It runs until a service call that takes virtual time: a
// sleep or a fetch (its answer is due later, Execution.answerDueMs) or a lock another execution
// holds (LockWait). That execution is parked; the next runnable one runs; when none can run, the
// clock moves to the earliest wake-up. Ties go to the lower execution id, so a run is reproducible.
// Services and all state stay on this thread; workers reach them through handles (protocol.ts).
import path from 'node:path';
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import { buildSync } from 'esbuild';
import type { VirtualClock } from '../clock';
import { EXCEEDED_MESSAGE, type Execution } from '../execution';
import { LockWait, type LockTable } from '../services/lock';
import { isHandleRef, TO_MAIN, TO_WORKER, type HandleRef, type ToMain, type ToWorker } from './protocol';

/** One execution to run: the scheduler starts it, runs it and hands back how it ended. */
export interface ParallelTask {
  /** Called when the task gets its turn to start, at the virtual time it starts. */
  start(): { exec: Execution; functionName: string; args: unknown[]; globals: Record<string, object> };
  /** Called every time the execution is about to run (e.g. to make its cell the active range). */
  resume?(): void;
  /** Called once it ended (locks already released). */
  end(outcome: { ok: true; value: unknown } | { ok: false; name: string; message: string }): void;
}

export interface SchedulerOptions {
  clock: VirtualClock;
  locks: LockTable;
  source: string;
  fileName: string;
  concurrency: number;
  /** Real time a running worker may go without calling a service (endless-loop watchdog). */
  realTimeoutMs: number;
}

interface Flight {
  task: ParallelTask;
  exec: Execution;
  worker: PooledWorker;
  handles: Map<number, object>;
  handleIds: Map<object, number>;
  /** What the worker gets when it next runs (the start command, or a service call's answer). */
  next: ToWorker;
  /** Parked until this virtual time (null: waiting for a lock). */
  dueMs: number | null;
  lockWait: { wait: LockWait; sinceMs: number } | null;
}

let workerCode: string | null = null;

/** worker.ts bundled to one CommonJS file (workers run JavaScript; built once per process). */
function bundledWorker(): string {
  if (workerCode === null) {
    const result = buildSync({
      entryPoints: [path.join(__dirname, 'worker.ts')],
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      write: false,
      external: ['esbuild'],
    });
    workerCode = result.outputFiles[0].text;
  }
  return workerCode;
}

class PooledWorker {
  readonly signal = new Int32Array(new SharedArrayBuffer(8));
  private readonly worker: Worker;
  private readonly port: MessagePort;
  private sent = 0;
  /** Running an execution (an idle worker is not). */
  busy = false;

  constructor(source: string, fileName: string, clock: SharedArrayBuffer, bootTimeoutMs: number) {
    const { port1, port2 } = new MessageChannel();
    this.port = port1;
    this.worker = new Worker(bundledWorker(), {
      eval: true,
      workerData: { port: port2, signal: this.signal.buffer, clock, source, fileName },
      transferList: [port2],
    });
    this.worker.unref();
    const ready = this.receive(bootTimeoutMs);
    if (ready?.t !== 'ready') throw new Error('parallel worker did not start');
  }

  send(message: ToWorker): void {
    this.port.postMessage({ ...message, n: ++this.sent });
    Atomics.add(this.signal, TO_WORKER, 1);
    Atomics.notify(this.signal, TO_WORKER);
  }

  /** The worker's next message, or null if it sent none within timeoutMs of real time. */
  receive(timeoutMs: number): ToMain | null {
    const giveUpAt = Date.now() + timeoutMs;
    for (;;) {
      // The slot counts messages: sleep only if it has not moved since the port was found empty.
      const before = Atomics.load(this.signal, TO_MAIN);
      const message = receiveMessageOnPort(this.port)?.message as ToMain | undefined;
      if (message) {
        if (message.r !== this.sent) throw new Error(`parallel scheduler: a worker answered message ${message.r} (${message.t}) after ${this.sent} was sent`);
        return message;
      }
      const left = giveUpAt - Date.now();
      if (left <= 0) return null;
      Atomics.wait(this.signal, TO_MAIN, before, Math.min(left, 100));
    }
  }

  exit(): void {
    this.send({ t: 'exit' });
    this.port.close();
  }

  kill(): void {
    this.port.close();
    void this.worker.terminate();
  }
}

export class ParallelScheduler {
  private readonly clockCell = new SharedArrayBuffer(8);
  private readonly clockView = new Float64Array(this.clockCell);
  private readonly idle: PooledWorker[] = [];
  private nextHandle = 1;

  constructor(private readonly options: SchedulerOptions) {
    if (!Number.isInteger(options.concurrency) || options.concurrency < 1) throw new RangeError(`concurrency must be a positive integer (got ${options.concurrency})`);
  }

  /** Runs every task, at most `concurrency` at once, starting them in order. */
  run(tasks: ParallelTask[]): void {
    const queue = [...tasks];
    const flights: Flight[] = [];
    try {
      for (;;) {
        while (queue.length && flights.length < this.options.concurrency) flights.push(this.start(queue.shift()!));
        if (!flights.length) break;
        const flight = this.nextRunnable(flights);
        if (!flight) {
          this.options.clock.setTime(this.earliestWake(flights));
          continue;
        }
        if (this.run1(flight)) flights.splice(flights.indexOf(flight), 1);
      }
    } finally {
      for (const flight of flights) flight.worker.kill();
      for (const worker of this.idle.splice(0)) worker.exit();
    }
  }

  private start(task: ParallelTask): Flight {
    const { exec, functionName, args, globals } = task.start();
    exec.deferTime = true;
    const worker = this.idle.pop() ?? this.newWorker();
    if (worker.busy) throw new Error('parallel scheduler: a worker was handed two executions');
    worker.busy = true;
    const flight: Flight = { task, exec, worker, handles: new Map(), handleIds: new Map(), next: { t: 'exit' }, dueMs: this.options.clock.now(), lockWait: null };
    const refs: Record<string, HandleRef> = {};
    for (const [name, service] of Object.entries(globals)) refs[name] = this.handleFor(flight, service);
    flight.next = { t: 'run', functionName, args: this.toWorker(flight, args) as unknown[], globals: refs };
    return flight;
  }

  private newWorker(): PooledWorker {
    return new PooledWorker(this.options.source, this.options.fileName, this.clockCell, Math.max(30_000, this.options.realTimeoutMs));
  }

  /** The parked execution to run now: due ones and lock waiters that can go, earliest first, then lowest id. */
  private nextRunnable(flights: Flight[]): Flight | null {
    const now = this.options.clock.now();
    let best: { flight: Flight; atMs: number } | null = null;
    for (const flight of flights) {
      let atMs: number | null = null;
      if (flight.lockWait) {
        const { wait, sinceMs } = flight.lockWait;
        if (!this.options.locks.holderOf(wait.name, now)) atMs = sinceMs;
        else if (now >= Math.min(wait.timeoutAtMs, flight.exec.deadlineMs)) atMs = Math.min(wait.timeoutAtMs, flight.exec.deadlineMs);
      } else if (flight.dueMs !== null && flight.dueMs <= now) {
        atMs = flight.dueMs;
      }
      if (atMs === null) continue;
      if (!best || atMs < best.atMs || (atMs === best.atMs && flight.exec.id < best.flight.exec.id)) best = { flight, atMs };
    }
    return best?.flight ?? null;
  }

  private earliestWake(flights: Flight[]): number {
    let earliest = Number.POSITIVE_INFINITY;
    for (const flight of flights) {
      const wake = flight.lockWait ? Math.min(flight.lockWait.wait.timeoutAtMs, flight.exec.deadlineMs) : flight.dueMs!;
      earliest = Math.min(earliest, wake);
    }
    if (!Number.isFinite(earliest)) throw new Error('parallel scheduler: every execution waits and none can wake');
    return Math.max(earliest, this.options.clock.now());
  }

  /** Lets one execution run until it parks (false) or ends (true). */
  private run1(flight: Flight): boolean {
    const { exec } = flight;
    if (flight.lockWait) {
      const { wait } = flight.lockWait;
      flight.lockWait = null;
      const now = this.options.clock.now();
      if (!this.options.locks.holderOf(wait.name, now)) flight.next = this.answer(flight, () => wait.acquired());
      else if (now >= exec.deadlineMs) {
        exec.killed = true;
        flight.next = { t: 'err', name: 'Exception', message: EXCEEDED_MESSAGE };
      } else flight.next = this.answer(flight, () => wait.timedOut());
      if (this.park(flight)) return false;
    }
    flight.dueMs = null;
    flight.task.resume?.();
    this.clockView[0] = this.options.clock.now();
    flight.worker.send(flight.next);
    for (;;) {
      const message = flight.worker.receive(this.options.realTimeoutMs);
      if (!message) {
        flight.worker.kill();
        this.finish(flight, { ok: false, name: 'EmulatorError', message: `${exec.functionName} ran for more than ${this.options.realTimeoutMs} ms of real time (an endless loop?)` }, false);
        return true;
      }
      if (message.t === 'done') {
        this.finish(flight, message.ok ? { ok: true, value: this.fromWorker(flight, message.v) } : { ok: false, name: message.name, message: message.message }, true);
        return true;
      }
      if (message.t === 'ready') throw new Error('parallel worker restarted mid-execution');
      flight.next = this.answer(flight, () => this.serve(flight, message));
      if (this.park(flight)) return false;
      flight.worker.send(flight.next);
    }
  }

  /** Parks the flight if its last call takes virtual time or waits for a lock. */
  private park(flight: Flight): boolean {
    if (flight.lockWait) return true;
    const due = flight.exec.answerDueMs;
    if (due === null) return false;
    flight.exec.answerDueMs = null;
    flight.dueMs = due;
    return true;
  }

  /** Runs a service call on this thread; a LockWait parks the flight instead of answering. */
  private answer(flight: Flight, call: () => unknown): ToWorker {
    try {
      return { t: 'ok', v: this.toWorker(flight, call()) };
    } catch (error) {
      if (error instanceof LockWait) {
        flight.lockWait = { wait: error, sinceMs: this.options.clock.now() };
        return { t: 'exit' }; // replaced when the wait ends
      }
      const failure = error instanceof Error ? error : new Error(String(error));
      return { t: 'err', name: failure.name, message: failure.message };
    }
  }

  private serve(flight: Flight, message: Exclude<ToMain, { t: 'ready' } | { t: 'done' }>): unknown {
    const target = flight.handles.get(message.h);
    if (!target) throw new Error(`parallel scheduler: unknown handle ${message.h}`);
    if (message.t === 'get') return Reflect.get(target, message.p, target);
    if (message.t === 'set') {
      Reflect.set(target, message.p, this.fromWorker(flight, message.v), target);
      return undefined;
    }
    const method = Reflect.get(target, message.p, target);
    if (typeof method !== 'function') throw new TypeError(`${message.p} is not a function`);
    return method.apply(target, this.fromWorker(flight, message.a) as unknown[]);
  }

  private finish(flight: Flight, outcome: { ok: true; value: unknown } | { ok: false; name: string; message: string }, reusable: boolean): void {
    this.options.locks.releaseAll(flight.exec);
    flight.worker.busy = false;
    if (reusable) this.idle.push(flight.worker);
    flight.task.end(outcome);
  }

  private handleFor(flight: Flight, service: object): HandleRef {
    const known = flight.handleIds.get(service);
    if (known !== undefined) return { $emuHandle: known };
    const id = this.nextHandle++;
    flight.handles.set(id, service);
    flight.handleIds.set(service, id);
    return { $emuHandle: id, methods: methodNames(service) };
  }

  /** Main-thread value -> message data: service objects become handles. */
  private toWorker(flight: Flight, value: unknown): unknown {
    if (value === null || (typeof value !== 'object' && typeof value !== 'function')) return value;
    if (value instanceof Date) return value;
    if (Array.isArray(value)) return value.map((item) => this.toWorker(flight, item));
    if (isPlainData(value)) {
      const copy: Record<string, unknown> = {};
      for (const key of Object.keys(value)) copy[key] = this.toWorker(flight, (value as Record<string, unknown>)[key]);
      return copy;
    }
    return this.handleFor(flight, value as object);
  }

  private fromWorker(flight: Flight, value: unknown): unknown {
    if (value === null || typeof value !== 'object') return value;
    if (isHandleRef(value)) return flight.handles.get(value.$emuHandle);
    if (value instanceof Date) return value;
    if (Array.isArray(value)) return value.map((item) => this.fromWorker(flight, item));
    const copy: Record<string, unknown> = {};
    for (const key of Object.keys(value)) copy[key] = this.fromWorker(flight, (value as Record<string, unknown>)[key]);
    return copy;
  }
}

/** A plain object holding data (no methods): crosses by value. */
function isPlainData(value: object): boolean {
  const proto = Object.getPrototypeOf(value);
  if (proto !== null && proto !== Object.prototype) return false;
  return Object.keys(value).every((key) => typeof (value as Record<string, unknown>)[key] !== 'function');
}

/** Every method a service object has, own or inherited (getters are not methods). */
function methodNames(target: object): string[] {
  const names = new Set<string>();
  for (let obj: object | null = target; obj && obj !== Object.prototype && obj !== Function.prototype; obj = Object.getPrototypeOf(obj)) {
    for (const name of Object.getOwnPropertyNames(obj)) {
      if (name === 'constructor') continue;
      const descriptor = Object.getOwnPropertyDescriptor(obj, name);
      if (descriptor && 'value' in descriptor && typeof descriptor.value === 'function') names.add(name);
    }
  }
  return [...names];
}
