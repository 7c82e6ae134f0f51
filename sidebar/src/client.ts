// A typed, Promise-returning client over google.script.run. Its method names and types come
// from SidebarServer (src/common/contract.ts), which src/entrypoints.ts is checked against, so a
// renamed or retyped server function breaks the build. No list of names is kept here.
import type { SidebarServer } from '../../src/common/contract';

/** The part of google.script.run this sidebar uses (the client-side types clash with the server's). */
export interface GoogleScriptRun {
  withSuccessHandler(handler: (value: unknown) => void): GoogleScriptRun;
  withFailureHandler(handler: (error: unknown) => void): GoogleScriptRun;
  [serverFunction: string]: unknown;
}

declare global {
  interface Window {
    google?: { script: { run: GoogleScriptRun } };
  }
}

export type SidebarClient = {
  [Name in keyof SidebarServer]: (...args: Parameters<SidebarServer[Name]>) => Promise<ReturnType<SidebarServer[Name]>>;
};

/** Apps Script lets a page have at most 10 google.script.run calls in flight (PLATFORM.md). */
export const MAX_CALLS_IN_FLIGHT = 10;

/** An error from the server or the transport, with the server's message when there is one. */
export class ServerCallError extends Error {
  readonly functionName: string;
  constructor(functionName: string, message: string) {
    super(message);
    this.name = 'ServerCallError';
    this.functionName = functionName;
  }
}

/** What a dropped connection reads as: plain words, and what to do. */
export const CONNECTION_LOST_MESSAGE = 'The connection to Google dropped, so the add-on could not answer. Check your internet connection, then press Try again.';

/**
 * Apps Script reports a call that never reached the server as "NetworkError: Connection failure
 * due to HTTP 0" (or the browser's "Failed to fetch"): transport words, not the user's.
 */
export function isConnectionFailure(message: string): boolean {
  return /NetworkError|Connection failure|HTTP 0\b|Failed to fetch|network error|ERR_INTERNET/i.test(message);
}

function rawMessage(error: unknown): string | null {
  if (error instanceof Error && error.message) return error.message;
  if (typeof error === 'string' && error) return error;
  if (error && typeof error === 'object' && typeof (error as { message?: unknown }).message === 'string') {
    return (error as { message: string }).message;
  }
  return null;
}

export function errorMessage(error: unknown): string {
  const raw = rawMessage(error);
  if (raw === null || isConnectionFailure(raw)) return CONNECTION_LOST_MESSAGE;
  return raw;
}

/** The call failed on the way, not on the server: the same call may work once the connection is back. */
export function isConnectionError(error: unknown): boolean {
  const raw = rawMessage(error);
  return raw === null || isConnectionFailure(raw) || raw === CONNECTION_LOST_MESSAGE;
}

/**
 * Builds the client. `getRun` is asked for a fresh runner per call, because handlers set with
 * withSuccessHandler stick to the runner object they were set on.
 */
export function createClient(getRun: () => GoogleScriptRun, maxInFlight = MAX_CALLS_IN_FLIGHT): SidebarClient {
  let inFlight = 0;
  const waiting: Array<() => void> = [];

  const release = () => {
    inFlight--;
    const next = waiting.shift();
    if (next) next();
  };

  const send = (name: keyof SidebarServer, args: unknown[]) =>
    new Promise<unknown>((resolve, reject) => {
      const start = () => {
        inFlight++;
        let runner: GoogleScriptRun;
        try {
          runner = getRun()
            .withSuccessHandler((value) => {
              release();
              resolve(value);
            })
            .withFailureHandler((error) => {
              release();
              reject(new ServerCallError(name, errorMessage(error)));
            });
          const fn = runner[name];
          if (typeof fn !== 'function') throw new Error(`The add-on has no function ${name}.`);
          (fn as (...a: unknown[]) => void).apply(runner, args);
        } catch (error) {
          release();
          reject(new ServerCallError(name, errorMessage(error)));
        }
      };
      if (inFlight < maxInFlight) start();
      else waiting.push(start);
    });

  // Any sidebar* name the type allows becomes a call of that server function; other names (such
  // as `then`, asked when the client passes through a promise) are not calls.
  const calls = new Map<string, (...args: unknown[]) => Promise<unknown>>();
  const client = new Proxy({} as Record<string, unknown>, {
    get(_target, name) {
      if (typeof name !== 'string' || !name.startsWith('sidebar')) return undefined;
      let call = calls.get(name);
      if (!call) calls.set(name, (call = (...args: unknown[]) => send(name as keyof SidebarServer, args)));
      return call;
    },
  });
  return client as unknown as SidebarClient;
}

/** The client of the page the sidebar runs in (Apps Script's iframe or the playground's shim). */
export function pageClient(): SidebarClient {
  return createClient(() => {
    const run = window.google?.script?.run;
    if (!run) throw new Error('google.script.run is not available: open the sidebar from the add-on menu.');
    return run;
  });
}
