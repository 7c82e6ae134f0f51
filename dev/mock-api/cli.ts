// `npm run mock-api -- [--port 8787] [--rpm 15] [--key demo-key] [--latency-scale 1]`: runs the
// mock Crustdata API on loopback for manual tries and the playground, one log line per request.
// npm passes options to the script only after `--`; `--port 9000` and `--port=9000` both work.
import { DEMO_API_KEY, ENRICH_PATH, API_VERSION, LIVE_ENRICH_PATH, MockCrustdataApi, type RequestLogEntry } from './handler';
import { SPECIAL } from './dataset';
import { startMockServer } from './server';

interface CliOptions {
  /** --help / -h: print the usage and start nothing. */
  help: boolean;
  port: number;
  rpm: number;
  key: string;
  latencyScale: number;
}

export const USAGE = [
  'usage: npm run mock-api -- [--port 8787] [--rpm 15] [--key demo-key] [--latency-scale 1]',
  '  --port N           port on 127.0.0.1 (0 picks a free one); default 8787',
  '  --rpm N            requests per minute the key may send; default 15',
  '  --key TEXT         the API key the mock accepts; default demo-key',
  '  --latency-scale X  0 answers at once, 1 is as slow as the real API; default 1',
  '  --help             this text',
  'Each option also takes the form --port=9000.',
].join('\n');

export function parseCliArgs(argv: readonly string[]): CliOptions {
  const options: CliOptions = { help: false, port: 8787, rpm: 15, key: DEMO_API_KEY, latencyScale: 1 };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--help' || argv[i] === '-h') {
      options.help = true;
      continue;
    }
    const [flag, inline] = argv[i].split(/=(.*)/s, 2);
    const value = inline ?? argv[++i];
    if (value === undefined) throw new Error(`${flag} needs a value\n${USAGE}`);
    const number = Number(value);
    switch (flag) {
      case '--port':
        if (!Number.isInteger(number) || number < 0 || number > 65535) throw new Error(`--port must be 0..65535\n${USAGE}`);
        options.port = number;
        break;
      case '--rpm':
        if (!Number.isInteger(number) || number < 1) throw new Error(`--rpm must be a positive integer\n${USAGE}`);
        options.rpm = number;
        break;
      case '--key':
        if (!value.trim()) throw new Error(`--key must not be empty\n${USAGE}`);
        options.key = value.trim();
        break;
      case '--latency-scale':
        if (!(number >= 0)) throw new Error(`--latency-scale must be a number >= 0\n${USAGE}`);
        options.latencyScale = number;
        break;
      default:
        throw new Error(`unknown option ${flag}\n${USAGE}`);
    }
  }
  return options;
}

/**
 * One line per answered request, e.g.
 * `12:00:01 #3 POST /person/enrich 200 key=cli urls=25 matched=24 credits=24 latency=8000ms`.
 * The key itself never appears: the log entry holds only its label.
 */
export function formatRequestLine(entry: RequestLogEntry): string {
  const time = new Date(entry.atMs).toISOString().slice(11, 19);
  const parts = [time, `#${entry.seq}`, entry.method, entry.path, String(entry.status)];
  parts.push(`key=${entry.keyLabel ?? 'none'}`);
  if (entry.identifierType) {
    parts.push(`${entry.identifierType === 'business_email' ? 'emails' : 'urls'}=${entry.identifierCount}`, `matched=${entry.matched}`);
  }
  parts.push(`credits=${entry.creditsUsed}`);
  if (entry.errorType) parts.push(`error=${entry.errorType}`);
  if (entry.fault) parts.push(`fault=${entry.fault}`);
  if (entry.preview) parts.push('preview');
  if (entry.forceFetch) parts.push('force_fetch');
  if (entry.enrichRealtime) parts.push('enrich_realtime');
  if (entry.minSimilarityScore !== null) parts.push(`min_similarity_score=${entry.minSimilarityScore}`);
  parts.push(`latency=${entry.latencyMs}ms`);
  return parts.join(' ');
}

async function main(): Promise<void> {
  let options: CliOptions;
  try {
    options = parseCliArgs(process.argv.slice(2));
  } catch (error) {
    console.error((error as Error).message);
    process.exitCode = 2;
    return;
  }
  if (options.help) {
    console.log(USAGE);
    return;
  }
  const api = new MockCrustdataApi({ keys: { [options.key]: { label: 'cli', requestsPerMinute: options.rpm } } });
  const server = await startMockServer(api, {
    port: options.port,
    latencyScale: options.latencyScale,
    onRequest: (entry) => console.log(formatRequestLine(entry)),
  });
  const example = JSON.stringify({ professional_network_profile_urls: [SPECIAL.hostileHeadline.profileUrl], fields: ['basic_profile'] });
  console.log(`Mock Crustdata API listening on ${server.url}  (one line per request below; Ctrl+C stops it)`);
  console.log(`  endpoint:  POST ${server.url}${ENRICH_PATH}`);
  console.log(`  live:      POST ${server.url}${LIVE_ENRICH_PATH}   (slower; also finds live-only-<n>)`);
  console.log(`  API key:   ${options.key}   (authorization: Bearer ${options.key})`);
  console.log(`  header:    x-api-version: ${API_VERSION}`);
  console.log(`  limit:     ${options.rpm} requests per minute; latency x${options.latencyScale}`);
  console.log(`  people:    https://www.linkedin.com/in/synthetic-<n>, synthetic-<n>@<company>.example, and ~300 samples`);
  console.log(`  try:       curl -s -X POST ${server.url}${ENRICH_PATH} -H 'authorization: Bearer ${options.key}' -H 'x-api-version: ${API_VERSION}' -H 'content-type: application/json' -d '${example}'`);
  const stop = () => {
    void server.close().then(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

// Run only as the entry file (scripts/run-ts.mjs puts it in argv[1]), so tests can import parseCliArgs.
if (/[\\/]mock-api[\\/]cli\.ts$/.test(process.argv[1] ?? '')) void main();
