// `npm run mock-api`: its options in both spellings, --help, and one log line per request, run the
// way the README says (through npm, options after `--`).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { formatRequestLine, parseCliArgs, USAGE } from '../../../dev/mock-api/cli';
import { API_VERSION, DEMO_API_KEY, type RequestLogEntry } from '../../../dev/mock-api/handler';
import { SPECIAL } from '../../../dev/mock-api/dataset';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';

describe('parseCliArgs', () => {
  test('defaults: port 8787, 15/min, the demo key, real latency', () => {
    expect(parseCliArgs([])).toEqual({ help: false, port: 8787, rpm: 15, key: DEMO_API_KEY, latencyScale: 1 });
  });

  test('`--port 9000` and `--port=9000` mean the same, for every option', () => {
    const spaced = parseCliArgs(['--port', '9000', '--rpm', '60', '--key', 'k1', '--latency-scale', '0']);
    const joined = parseCliArgs(['--port=9000', '--rpm=60', '--key=k1', '--latency-scale=0']);
    expect(spaced).toEqual({ help: false, port: 9000, rpm: 60, key: 'k1', latencyScale: 0 });
    expect(joined).toEqual(spaced);
  });

  test('--help and -h ask for the usage', () => {
    expect(parseCliArgs(['--help']).help).toBe(true);
    expect(parseCliArgs(['--port', '1', '-h']).help).toBe(true);
  });

  test('bad values and unknown options are refused with the usage', () => {
    expect(() => parseCliArgs(['--rpm', 'fast'])).toThrow(/--rpm must be a positive integer\nusage:/);
    expect(() => parseCliArgs(['--port', '70000'])).toThrow(/--port must be 0..65535/);
    expect(() => parseCliArgs(['--port'])).toThrow(/--port needs a value/);
    expect(() => parseCliArgs(['--nope', '1'])).toThrow(/unknown option --nope\nusage:/);
  });
});

describe('formatRequestLine', () => {
  const entry: RequestLogEntry = {
    seq: 3, atMs: Date.UTC(2026, 0, 5, 12, 0, 1), keyLabel: 'cli', method: 'POST', path: '/person/enrich',
    identifierType: 'professional_network_profile_url', identifierCount: 25, matched: 24, status: 200, errorType: null,
    creditsUsed: 24, latencyMs: 8000, fault: null, counted: true, preview: false, forceFetch: false, enrichRealtime: false,
    minSimilarityScore: null, endpoint: 'enrich',
  };

  test('one line with time, status, key label, identifiers, credits and latency', () => {
    expect(formatRequestLine(entry)).toBe('12:00:01 #3 POST /person/enrich 200 key=cli urls=25 matched=24 credits=24 latency=8000ms');
  });

  test('errors, faults and flags are named; a request without a key says so', () => {
    const line = formatRequestLine({
      ...entry, keyLabel: null, identifierType: 'business_email', identifierCount: 2, matched: 0, status: 429,
      errorType: 'rate_limit_error', creditsUsed: 0, fault: '429', preview: true, forceFetch: true,
    });
    expect(line).toBe('12:00:01 #3 POST /person/enrich 429 key=none emails=2 matched=0 credits=0 error=rate_limit_error fault=429 preview force_fetch latency=8000ms');
    expect(line).not.toContain('\n');
  });

  test('enrich_realtime and min_similarity_score are named when sent', () => {
    const line = formatRequestLine({ ...entry, path: '/person/professional_network/enrich/live', endpoint: 'live', enrichRealtime: true, minSimilarityScore: 0.8 });
    expect(line).toBe('12:00:01 #3 POST /person/professional_network/enrich/live 200 key=cli urls=25 matched=24 credits=24 enrich_realtime min_similarity_score=0.8 latency=8000ms');
  });
});

describe('npm run mock-api', () => {
  let child: ChildProcess | null = null;

  afterEach(() => {
    // npm starts sh and node under it: end the whole group this test started.
    if (child?.pid) {
      try {
        process.kill(-child.pid, 'SIGTERM');
      } catch {
        // already gone
      }
    }
    child = null;
  });

  test('`npm run mock-api -- --help` prints the usage and exits 0', () => {
    const result = spawnSync(NPM, ['run', '--silent', 'mock-api', '--', '--help'], { cwd: ROOT, encoding: 'utf8' });
    expect(result.status).toBe(0);
    expect(result.stdout.trim()).toBe(USAGE);
  });

  test('`npm run mock-api -- --nope` says what is wrong and exits 2', () => {
    const result = spawnSync(NPM, ['run', '--silent', 'mock-api', '--', '--nope', '1'], { cwd: ROOT, encoding: 'utf8' });
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('unknown option --nope');
  });

  test.each(['--port 0', '--port=0'])('`npm run mock-api -- %s` listens there and logs each request on one line', async (portOption) => {
    const args = [...portOption.split(' '), '--latency-scale', '0'];
    const started = spawn(NPM, ['run', '--silent', 'mock-api', '--', ...args], { cwd: ROOT, detached: true });
    child = started;
    let output = '';
    const waiting = new Set<() => void>();
    const collect = (chunk: string) => {
      output += chunk;
      for (const check of waiting) check();
    };
    started.stdout!.setEncoding('utf8').on('data', collect);
    started.stderr!.setEncoding('utf8').on('data', collect);
    const waitFor = (pattern: RegExp) =>
      new Promise<RegExpMatchArray>((resolve, reject) => {
        const check = () => {
          const match = output.match(pattern);
          if (!match) return;
          waiting.delete(check);
          resolve(match);
        };
        waiting.add(check);
        started.once('exit', () => reject(new Error(`mock-api exited early:\n${output}`)));
        check();
      });

    const [, url] = await waitFor(/listening on (http:\/\/127\.0\.0\.1:\d+)/);
    const headers = { authorization: `Bearer ${DEMO_API_KEY}`, 'x-api-version': API_VERSION, 'content-type': 'application/json' };
    const body = JSON.stringify({ professional_network_profile_urls: [SPECIAL.hostileHeadline.profileUrl], fields: ['basic_profile'] });
    expect((await fetch(`${url}/person/enrich`, { method: 'POST', headers, body })).status).toBe(200);
    expect((await fetch(`${url}/person/enrich`, { method: 'POST', headers: { ...headers, authorization: 'Bearer wrong-key' }, body })).status).toBe(401);

    const [second] = await waitFor(/^.*#2 POST \/person\/enrich 401 .*$/m);
    const lines = output.split('\n').filter((line) => / POST \/person\/enrich /.test(line));
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/#1 POST \/person\/enrich 200 key=cli urls=1 matched=1 credits=1 /);
    expect(second).toMatch(/key=key-[0-9a-f]{8} .*error=/);
    expect(output).not.toContain('wrong-key');
  });
});
