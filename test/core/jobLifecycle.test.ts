// The bulk job's lifecycle, exhaustively: every event from every state (and from no job at all),
// with the transitions the sidebar, the slices and the hourly trigger rely on, and every other one refused.
import { JOB_STATES, transition, type JobEvent, type Lifecycle, type PausedBy } from '../../src/core/jobLifecycle';

const EVENTS: JobEvent[] = [
  { type: 'start' },
  { type: 'pause' },
  { type: 'resume', by: 'user' },
  { type: 'resume', by: 'background' },
  { type: 'cancel' },
  { type: 'finish' },
  { type: 'problem', message: 'The key was rejected.', code: 'invalid_api_key' },
  { type: 'problem', message: 'Stopped after repeated problems: Service Spreadsheets failed', code: null },
  { type: 'fail', message: 'The sheet of this job was deleted.' },
  { type: 'fail', message: 'Crustdata refuses every request: bad version', code: 'bad_request' },
  { type: 'note', message: 'A problem interrupted the job; it carries on.' },
  { type: 'note', message: null },
];

/** Every state a stored job can be in: paused by either side, the others with or without a message. */
const STATES: Array<Lifecycle | null> = [
  null,
  ...JOB_STATES.flatMap((state): Lifecycle[] =>
    state === 'paused'
      ? (['user', 'problem'] as PausedBy[]).map((pausedBy) => ({ state, pausedBy, message: pausedBy === 'problem' ? 'No credits left.' : null }))
      : [{ state, pausedBy: null, message: null }, { state, pausedBy: null, message: 'an earlier note' }],
  ),
];

const name = (life: Lifecycle | null) => (life ? `${life.state}${life.pausedBy ? ` by ${life.pausedBy}` : ''}${life.message ? ' (message)' : ''}` : 'no job');
const eventName = (event: JobEvent) => `${event.type}${'by' in event ? ` by ${event.by}` : ''}${'message' in event ? (event.message ? ' (message)' : ' (cleared)') : ''}${'code' in event && event.code ? ` [${event.code}]` : ''}`;

/** The table the add-on relies on: what each event does from each state, null where it is refused. */
function expected(from: Lifecycle | null, event: JobEvent): Lifecycle | null {
  const state = from?.state ?? 'none';
  const active = state === 'running' || state === 'paused';
  switch (event.type) {
    case 'start':
      return active ? null : { state: 'running', pausedBy: null, message: null, problemCode: null };
    case 'pause':
      return state === 'running' ? { state: 'paused', pausedBy: 'user', message: null, problemCode: null } : null;
    case 'resume':
      if (state !== 'paused') return null;
      // The hourly trigger carries on only what the user paused, never a problem the user must fix.
      return event.by === 'background' && from!.pausedBy === 'problem' ? null : { state: 'running', pausedBy: null, message: null, problemCode: null };
    case 'cancel':
      return active ? { state: 'cancelled', pausedBy: null, message: null, problemCode: null } : null;
    case 'finish':
      return state === 'running' ? { state: 'done', pausedBy: null, message: null, problemCode: null } : null;
    case 'problem':
      return state === 'running' ? { state: 'paused', pausedBy: 'problem', message: event.message, problemCode: event.code } : null;
    case 'fail':
      return state === 'running' ? { state: 'error', pausedBy: null, message: event.message, problemCode: event.code ?? null } : null;
    case 'note':
      return state === 'running' ? { state: 'running', pausedBy: null, message: event.message, problemCode: null } : null;
  }
}

describe('transition', () => {
  const cases = STATES.flatMap((from) => EVENTS.map((event) => ({ from, event, label: `${name(from)} --${eventName(event)}-->` })));

  test.each(cases)('$label', ({ from, event }) => {
    expect(transition(from, event)).toEqual(expected(from, event));
  });

  test('covers every state and event, and refuses most of them', () => {
    expect(cases).toHaveLength(STATES.length * EVENTS.length);
    const refused = cases.filter(({ from, event }) => transition(from, event) === null);
    expect(refused.length).toBeGreaterThan(cases.length / 2);
    // Ended jobs take no event but a new start.
    for (const from of STATES.filter((life) => life && !['running', 'paused'].includes(life.state))) {
      expect(EVENTS.filter((event) => transition(from, event) !== null).map((event) => event.type)).toEqual(['start']);
    }
  });

  test("a slice's events against a job the user paused or cancelled meanwhile are refused: the user's state stands", () => {
    for (const from of [{ state: 'paused', pausedBy: 'user', message: null }, { state: 'cancelled', pausedBy: null, message: null }] as Lifecycle[]) {
      for (const event of [{ type: 'finish' }, { type: 'problem', message: 'x', code: null }, { type: 'fail', message: 'x' }, { type: 'note', message: null }] as JobEvent[]) {
        expect(transition(from, event)).toBeNull();
      }
    }
  });

  test('a problem or an error keeps the code of its message; every other event clears it', () => {
    const running: Lifecycle = { state: 'running', pausedBy: null, message: null, problemCode: null };
    expect(transition(running, { type: 'problem', message: 'No credits left.', code: 'insufficient_credits' })?.problemCode).toBe('insufficient_credits');
    const paused = transition(running, { type: 'problem', message: 'No credits left.', code: 'insufficient_credits' });
    expect(transition(paused, { type: 'resume', by: 'user' })?.problemCode).toBeNull();
    expect(transition(paused, { type: 'cancel' })?.problemCode).toBeNull();
  });

  test('never returns a paused state without who paused it, or another state with one', () => {
    for (const from of STATES) {
      for (const event of EVENTS) {
        const to = transition(from, event);
        if (to) expect(to.pausedBy === null).toBe(to.state !== 'paused');
      }
    }
  });
});
