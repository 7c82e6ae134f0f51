// The typed google.script.run client: Promises over handlers, at most 10 calls in flight,
// errors with the server's message, and calls named as the add-on's entry points name them.
import fs from 'node:fs';
import path from 'node:path';
import { SIDEBAR_CALLS, sidebarCallNames } from '../../dev/playground/sidebarCalls';
import { CONNECTION_LOST_MESSAGE, createClient, errorMessage, GoogleScriptRun, isConnectionError, MAX_CALLS_IN_FLIGHT, ServerCallError } from '../../sidebar/src/client';

type Pending = { name: string; args: unknown[]; ok: (v: unknown) => void; fail: (e: unknown) => void };

/** A google.script.run that parks every call until the test answers it. */
function fakeRun(names: readonly string[] = SIDEBAR_CALLS) {
  const pending: Pending[] = [];
  const make = (ok: (v: unknown) => void = () => {}, fail: (e: unknown) => void = () => {}): GoogleScriptRun => {
    const runner: GoogleScriptRun = {
      withSuccessHandler: (fn) => make(fn, fail),
      withFailureHandler: (fn) => make(ok, fn),
    };
    for (const name of names) runner[name] = (...args: unknown[]) => pending.push({ name, args, ok, fail });
    return runner;
  };
  return { run: make(), pending };
}

test('a call resolves with the server value and passes its argument through', async () => {
  const { run, pending } = fakeRun();
  const client = createClient(() => run);
  const answer = client.sidebarJobStatus({ jobId: 'j1' });
  expect(pending).toHaveLength(1);
  expect(pending[0]).toMatchObject({ name: 'sidebarJobStatus', args: [{ jobId: 'j1' }] });
  pending[0].ok(null);
  await expect(answer).resolves.toBeNull();
});

test('a server failure rejects with its message and the function name', async () => {
  const { run, pending } = fakeRun();
  const client = createClient(() => run);
  const answer = client.sidebarGetState();
  pending[0].fail(new Error('The API key was rejected.'));
  await expect(answer).rejects.toEqual(expect.any(ServerCallError));
  await expect(answer).rejects.toMatchObject({ message: 'The API key was rejected.', functionName: 'sidebarGetState' });
});

test('no more than 10 calls are in flight; the rest wait their turn', async () => {
  const { run, pending } = fakeRun();
  const client = createClient(() => run);
  const answers = Array.from({ length: 14 }, (_, i) => client.sidebarJobStatus({ jobId: `j${i}` }));
  expect(pending).toHaveLength(MAX_CALLS_IN_FLIGHT);
  pending[0].ok(null);
  pending[1].fail('boom');
  await Promise.resolve();
  expect(pending).toHaveLength(12);
  for (const call of pending.slice(2)) call.ok(null);
  await Promise.resolve();
  for (const call of pending.slice(12)) call.ok(null);
  const results = await Promise.allSettled(answers);
  expect(results.filter((r) => r.status === 'rejected')).toHaveLength(1);
  expect(pending.map((p) => (p.args[0] as { jobId: string }).jobId)).toEqual(Array.from({ length: 14 }, (_, i) => `j${i}`));
});

test('a function the page does not offer rejects instead of throwing', async () => {
  const { run, pending } = fakeRun(['sidebarGetState']);
  const client = createClient(() => run);
  await expect(client.sidebarStopSchedule()).rejects.toThrow(/no function sidebarStopSchedule/);
  // Each refused call gives its slot back: after more refusals than there are slots, a real call
  // still goes out at once instead of queueing behind slots that were never freed.
  for (let i = 0; i < MAX_CALLS_IN_FLIGHT; i++) await expect(client.sidebarStopSchedule()).rejects.toThrow(/no function/);
  const answer = client.sidebarGetState();
  expect(pending.map((call) => call.name)).toEqual(['sidebarGetState']);
  pending[0].ok('state');
  await expect(answer).resolves.toBe('state');
});

test('each sidebar entry point is called under its own name; other names are no calls', async () => {
  const entrySource = fs.readFileSync(path.join(__dirname, '../../src/entrypoints.ts'), 'utf8');
  expect(SIDEBAR_CALLS).toEqual(sidebarCallNames(entrySource));
  expect(SIDEBAR_CALLS).toContain('sidebarGetState');
  expect(sidebarCallNames('export function sidebarX() {}\nexport function menuY() {}\nfunction sidebarZ() {}')).toEqual(['sidebarX']);
  const { run, pending } = fakeRun();
  const client = createClient(() => run, SIDEBAR_CALLS.length) as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>;
  for (const name of SIDEBAR_CALLS) void client[name]({ n: name });
  expect(pending.map((call) => [call.name, call.args])).toEqual(SIDEBAR_CALLS.map((name) => [name, [{ n: name }]]));
  // Not thenable: a promise resolved with the client does not take it for a promise and call the server.
  expect((client as Record<string, unknown>).then).toBeUndefined();
  await expect(Promise.resolve(client)).resolves.toBe(client);
  expect(pending).toHaveLength(SIDEBAR_CALLS.length);
});

test('a dropped connection reads in plain words, never as the transport error', async () => {
  const { run, pending } = fakeRun();
  const client = createClient(() => run);
  const answer = client.sidebarGetState();
  const transport = new Error('NetworkError: Connection failure due to HTTP 0');
  pending[0].fail(transport);
  const error = await answer.catch((e: unknown) => e);
  expect(error).toBeInstanceOf(ServerCallError);
  expect((error as Error).message).toBe(CONNECTION_LOST_MESSAGE);
  expect((error as Error).message).not.toMatch(/NetworkError|HTTP 0/);
  expect(isConnectionError(error)).toBe(true);
  expect(errorMessage(new TypeError('Failed to fetch'))).toBe(CONNECTION_LOST_MESSAGE);
  // The server's own words pass through, and are not taken for a connection problem.
  const refused = new ServerCallError('sidebarStartJob', 'Choose the column where the results should start.');
  expect(errorMessage(refused)).toBe('Choose the column where the results should start.');
  expect(isConnectionError(refused)).toBe(false);
});
