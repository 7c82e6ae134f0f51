// LockService: document, script and user locks. In the sequential mode one execution runs at a
// time, so a test stands in for "another execution" with LockTable.holdUntil(); waiting for the
// lock lets virtual time pass, inside the waiting execution's time limit. In the parallel mode
// (runCustomFunctionsInParallel) a lock held by another running execution parks the caller until
// it is released or the caller's timeout passes (LockWait, handled by the scheduler). Locks are
// released when an execution ends, as Apps Script does. One LockTable serves every document of a
// script: the script lock "cannot be executed simultaneously regardless of the identity of the
// user" (so every user of a published add-on, in every spreadsheet, shares it), user locks are per
// user, and each document has its own document lock (`document:<id>`).
// https://developers.google.com/apps-script/reference/lock/lock-service
// Google: "if you are working with a spreadsheet, you should call SpreadsheetApp.flush() prior to
// releasing the lock" (https://developers.google.com/apps-script/reference/lock/lock#releaseLock()).
// Apps Script may batch writes past the release, so a release with spreadsheet changes still
// pending is recorded in LockTable.unflushedReleases for tests to assert it never happens.
import type { Execution } from '../execution';
import { ServiceError } from '../execution';

export type LockName = 'script' | `document:${string}` | `user:${string}`;

interface Holder {
  executionId?: number;
  /** Held by a simulated other execution until this time. */
  untilMs?: number;
}

/** A Lock.releaseLock() made while the execution had spreadsheet changes not yet flushed. */
export interface UnflushedLockRelease {
  functionName: string;
  executionId: number;
  lock: LockName;
  /** Spreadsheet changes made since the last SpreadsheetApp.flush(). */
  unflushedWrites: number;
  atMs: number;
}

/** One wait for a lock: how long the execution waited and whether it got the lock. */
export interface LockWaitRecord {
  name: LockName;
  user: string;
  functionName: string;
  waitedMs: number;
  acquired: boolean;
}

export class LockTable {
  private readonly holders = new Map<LockName, Holder>();
  readonly unflushedReleases: UnflushedLockRelease[] = [];
  /** Every tryLock/waitLock that found the lock held by another execution, in order. */
  readonly waits: LockWaitRecord[] = [];

  /** Simulates another execution holding the lock until untilMs. */
  holdUntil(name: LockName, untilMs: number): void {
    this.holders.set(name, { untilMs });
  }

  holderOf(name: LockName, nowMs: number): Holder | null {
    const holder = this.holders.get(name);
    if (!holder) return null;
    if (holder.untilMs !== undefined && holder.untilMs <= nowMs) {
      this.holders.delete(name);
      return null;
    }
    return holder;
  }

  acquire(name: LockName, exec: Execution): void {
    this.holders.set(name, { executionId: exec.id });
    exec.heldLocks.add(name);
  }

  release(name: LockName, exec: Execution): void {
    if (this.holders.get(name)?.executionId === exec.id) this.holders.delete(name);
    exec.heldLocks.delete(name);
  }

  releaseAll(exec: Execution): void {
    for (const name of [...exec.heldLocks]) this.release(name as LockName, exec);
  }
}

/**
 * Parallel mode: the lock is held by another running execution. Thrown to the scheduler (never to
 * the script), which parks the caller and later calls acquired() when the lock is free, or
 * timedOut() at timeoutAtMs; either gives the call's answer.
 */
export class LockWait {
  constructor(
    readonly name: LockName,
    readonly timeoutAtMs: number,
    readonly acquired: () => unknown,
    readonly timedOut: () => unknown,
  ) {}
}

export class Lock {
  constructor(
    private readonly exec: Execution,
    private readonly table: LockTable,
    private readonly name: LockName,
  ) {}

  tryLock(timeoutInMillis: number): boolean {
    this.exec.enter('LockService.Lock.tryLock');
    return this.acquire(timeoutInMillis, (acquired) => acquired);
  }

  waitLock(timeoutInMillis: number): void {
    this.exec.enter('LockService.Lock.waitLock');
    this.acquire(timeoutInMillis, (acquired) => {
      if (!acquired) throw new ServiceError('Lock timeout: another process was holding the lock for too long.');
    });
  }

  releaseLock(): void {
    this.exec.enter('LockService.Lock.releaseLock');
    if (this.exec.heldLocks.has(this.name) && this.exec.unflushedSheetWrites > 0) {
      this.table.unflushedReleases.push({
        functionName: this.exec.functionName,
        executionId: this.exec.id,
        lock: this.name,
        unflushedWrites: this.exec.unflushedSheetWrites,
        atMs: this.exec.clock.now(),
      });
    }
    this.table.release(this.name, this.exec);
  }

  hasLock(): boolean {
    this.exec.enter('LockService.Lock.hasLock');
    return this.exec.heldLocks.has(this.name);
  }

  private acquire<T>(timeoutMs: number, finish: (acquired: boolean) => T): T {
    const timeout = Math.max(0, Number(timeoutMs) || 0);
    const now = this.exec.clock.now();
    const holder = this.table.holderOf(this.name, now);
    if (!holder || holder.executionId === this.exec.id) {
      this.table.acquire(this.name, this.exec);
      return finish(true);
    }
    if (holder.executionId !== undefined && this.exec.deferTime) {
      // Another execution running in parallel holds it: wait for its release, or time out.
      throw new LockWait(
        this.name,
        now + timeout,
        () => {
          this.table.acquire(this.name, this.exec);
          return finish(true);
        },
        () => finish(false),
      );
    }
    const wait = { name: this.name, user: this.exec.user, functionName: this.exec.functionName };
    if (holder.untilMs !== undefined && holder.untilMs - now <= timeout) {
      this.table.waits.push({ ...wait, waitedMs: holder.untilMs - now, acquired: true });
      this.exec.passTime(holder.untilMs - now);
      this.table.acquire(this.name, this.exec);
      return finish(true);
    }
    // Held by a simulated execution past our timeout (or by a leaked execution: never freed).
    this.table.waits.push({ ...wait, waitedMs: timeout, acquired: false });
    this.exec.passTime(timeout);
    return finish(false);
  }
}

export function createLockService(exec: Execution, table: LockTable, context: { documentId: string; hasDocument: boolean }) {
  return {
    getDocumentLock(): Lock | null {
      exec.enter('LockService.getDocumentLock');
      // "If this method is called outside of the context of a containing document … null is returned."
      if (!context.hasDocument) return null;
      return new Lock(exec, table, `document:${context.documentId}`);
    },
    getScriptLock(): Lock {
      exec.enter('LockService.getScriptLock');
      return new Lock(exec, table, 'script');
    },
    getUserLock(): Lock {
      exec.enter('LockService.getUserLock');
      return new Lock(exec, table, `user:${exec.user}`);
    },
  };
}
