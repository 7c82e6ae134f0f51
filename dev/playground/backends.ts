// Picks the playground's backend from the environment:
//   (default)                  the emulator running dist/Code.js against the mock API
//   CRUSTDATA_API_KEY=...      the emulator against the real API (the key is stored in the
//                              emulator's user properties, never sent to the page)
//   PLAYGROUND_RPM=600         the mock's rate limit (default 15, like the real API)
//   PLAYGROUND_SPEED=10        virtual time may run this much faster than the wall clock (mock)
//   PLAYGROUND_LATENCY_MS=8000 how long the mock takes to answer a batch (default 8 s, so a
//                              300-row job at 15/min spans two sidebar calls and its progress shows)
//   PLAYGROUND_TRIGGER_DOCUMENT=detached
//                              the hourly trigger runs without the spreadsheet (Google does not say
//                              whether it has it), to see what Keep fresh then shows
import type { TriggerDocument } from '../emulator';
import type { PlaygroundBackend } from './backend';
import { createEmulatorBackend } from './emulatorBackend';

export const DEFAULT_PLAYGROUND_LATENCY_MS = 8000;

function positive(name: string, value: string | undefined): number | undefined {
  if (value === undefined || value === '') return undefined;
  const number = Number(value);
  if (!(number > 0)) throw new Error(`${name} must be a positive number, not "${value}"`);
  return number;
}

function triggerDocument(value: string | undefined): TriggerDocument | undefined {
  if (value === undefined || value === '') return undefined;
  if (value === 'attached' || value === 'detached') return value;
  throw new Error(`PLAYGROUND_TRIGGER_DOCUMENT must be attached or detached, not "${value}"`);
}

export function createBackend(env: NodeJS.ProcessEnv): PlaygroundBackend {
  return createEmulatorBackend({
    triggerDocument: triggerDocument(env.PLAYGROUND_TRIGGER_DOCUMENT),
    realApiKey: env.CRUSTDATA_API_KEY || undefined,
    mockRequestsPerMinute: positive('PLAYGROUND_RPM', env.PLAYGROUND_RPM),
    speed: positive('PLAYGROUND_SPEED', env.PLAYGROUND_SPEED),
    mockLatencyMs: positive('PLAYGROUND_LATENCY_MS', env.PLAYGROUND_LATENCY_MS) ?? DEFAULT_PLAYGROUND_LATENCY_MS,
  });
}
