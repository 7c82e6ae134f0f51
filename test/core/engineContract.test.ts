// One contract, three engines: the real one (jobEngineFor over an EnrichContext whose HTTP is the
// fake API of fakes.ts) and the two fakes the other unit tests run over. Where a fake disagreed
// with the real engine (its deadline rule, its fatal codes), the fake was fixed.
import { jobEngineFor } from '../../src/core/jobEngine';
import type { ErrorCode } from '../../src/core/errors';
import { classifyIdentifier } from '../../src/core/identifiers';
import { fakeEngine } from './customFunctionFakes';
import { FakeClock, fakeWorld, okServer, type FakeReply, type FakeServer } from './fakes';
import { FakeEngine, person } from './refreshFakes';
import { describeEngineContract } from '../helpers/engineContract';

/** How the API answers every request of a key in each fatal state (the mock API's envelopes). */
const REJECTIONS: Partial<Record<ErrorCode, FakeReply>> = {
  invalid_api_key: { status: 401, body: JSON.stringify({ error: { type: 'unauthorized', message: 'Invalid API key in request' } }) },
  insufficient_credits: { status: 403, body: JSON.stringify({ error: { type: 'insufficient_credits', message: 'Insufficient credits: this request needs 3 credits and the account has 0.' } }) },
  permission_denied: { status: 403, body: JSON.stringify({ error: { type: 'permission_error', message: 'This API key does not have permission for this endpoint.' } }) },
};

function cannotProvoke(code: ErrorCode): never {
  throw new Error(`the adapter has no way to make the API answer ${code}: add one`);
}

describeEngineContract('the real engine (jobEngineFor over the fake HTTP API)', (notFound) => {
  let rejection: FakeReply | null = null;
  const answer = okServer({ notFound: new Set(notFound) });
  const server: FakeServer = (request, now) => rejection ?? answer(request, now);
  const world = fakeWorld({ server });
  const engine = jobEngineFor(world.ctx);
  return {
    now: () => world.clock.now(),
    enrich: (cells, options) => engine.enrich(cells, options),
    sent: () => world.http.log.flatMap((request) => request.identifiers),
    rejectKey(code) {
      if (code === 'missing_api_key') world.ctx.apiKey = null;
      else rejection = REJECTIONS[code] ?? cannotProvoke(code);
    },
  };
});

describeEngineContract('FakeEngine (the refresh tests)', (notFound) => {
  const engine = new FakeEngine(new FakeClock());
  let rejected: ErrorCode | null = null;
  return {
    now: () => engine['clock'].now(),
    enrich(cells, options) {
      for (const cell of cells) {
        const id = classifyIdentifier(cell);
        if (id.kind !== 'profile_url' && id.kind !== 'business_email') continue;
        engine.answers.set(id.normalized, rejected ? { failed: rejected } : notFound.has(id.normalized) ? 'not_found' : { person: person(id.normalized, 'Acme', 'Engineer') });
      }
      return engine.enrich(cells, options);
    },
    sent: () => engine.sent(),
    rejectKey(code) {
      rejected = code;
    },
  };
});

describeEngineContract('fakeEngine (the custom function tests)', (notFound) => {
  let engine = fakeEngine({ notFound: new Set(notFound) });
  return {
    now: () => engine.clock.now(),
    enrich: (cells, options) => engine.enrich(engine.ctx, cells, options),
    sent: () => engine.log.flatMap((request) => request.identifiers),
    rejectKey(code) {
      engine = fakeEngine({ notFound: new Set(notFound), fail: { code, message: `The key was refused (${code}).` } });
    },
  };
});
