// Shared pieces for the emulator's tests: a scripted transport that records what it was sent.
import type { Transport, TransportRequest, TransportResult } from '../../../dev/emulator';

export interface ScriptedTransport extends Transport {
  /** Every batch, with the virtual time it was sent at. */
  batches: Array<{ nowMs: number; requests: TransportRequest[] }>;
}

/** Answers each request with answer(request); default 200 "{}" in 1 s. */
export function scriptedTransport(answer: (request: TransportRequest, nowMs: number) => Partial<TransportResult> = () => ({})): ScriptedTransport {
  const batches: ScriptedTransport['batches'] = [];
  return {
    batches,
    send(requests, nowMs) {
      batches.push({ nowMs, requests });
      return requests.map((request) => {
        const partial = answer(request, nowMs);
        if ('failure' in partial) return { latencyMs: 0, message: '', ...partial } as TransportResult;
        return { status: 200, headers: { 'content-type': 'application/json' }, body: '{}', latencyMs: 1000, ...partial } as TransportResult;
      });
    },
  };
}

export const CRUSTDATA_MANIFEST = {
  timeZone: 'Etc/UTC',
  runtimeVersion: 'V8',
  oauthScopes: [
    'https://www.googleapis.com/auth/spreadsheets.currentonly',
    'https://www.googleapis.com/auth/script.external_request',
    'https://www.googleapis.com/auth/script.container.ui',
    'https://www.googleapis.com/auth/script.scriptapp',
  ],
  urlFetchWhitelist: ['https://api.crustdata.com/'],
};
