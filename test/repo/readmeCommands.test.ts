// The README's clasp commands against the pinned clasp: every `clasp <command> [flags]` in its code
// (fenced blocks and inline code), every `npm run <script>` that wraps clasp, and setup's own clasp
// calls must name a command and flags that `clasp --help` / `clasp <command> --help` list. The
// README once told users to run `clasp setting scriptId`, which clasp 3 does not have.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { CLASP_LOGIN_CHECK_ARGS, claspCreateArgs, USAGE as SETUP_USAGE } from '../../scripts/setup';

const ROOT = path.resolve(__dirname, '../..');
const CLASP = path.join(ROOT, 'node_modules', '.bin', 'clasp');
const CLASP_VERSION: string = JSON.parse(fs.readFileSync(path.join(ROOT, 'node_modules/@google/clasp/package.json'), 'utf8')).version;
const run = promisify(execFile);

interface Invocation {
  /** Where it was found, for the failure message. */
  source: string;
  /** The words after `clasp`. */
  args: string[];
}

/** The text of every fenced block and inline code span of a Markdown document. */
function codeOf(markdown: string): string[] {
  const pieces: string[] = [];
  const prose = markdown.replace(/^```[^\n]*\n([\s\S]*?)^```/gm, (_, block: string) => {
    pieces.push(block);
    return '';
  });
  for (const match of prose.matchAll(/`([^`\n]+)`/g)) pieces.push(match[1]);
  return pieces;
}

/** Shell-like words: quotes group, `#` starts a comment. */
function words(text: string): string[] {
  const found: string[] = [];
  for (const match of text.replace(/\s#.*$/, '').matchAll(/"([^"]*)"|'([^']*)'|(\S+)/g)) found.push(match[1] ?? match[2] ?? match[3]);
  return found;
}

/** `clasp …` and `npx clasp …` in a piece of code, up to the end of the line or a shell separator. */
function claspCalls(code: string, source: string): Invocation[] {
  const uncommented = code.replace(/(^|\s)#.*$/gm, '$1');
  return [...uncommented.matchAll(/(?:^|[\s(;&|])(?:npx\s+)?clasp(?=\s|$)([^\n;&|]*)/gm)].map((match) => ({ source, args: words(match[1]) }));
}

/** `npm run <script> [-- args]` in a piece of code. */
function npmRuns(code: string): { script: string; args: string[] }[] {
  return [...code.matchAll(/npm run\s+(?:(?:-s|--silent)\s+)?([\w:-]+)([^\n;&|]*)/g)].map((match) => {
    const rest = words(match[2]);
    return { script: match[1], args: rest[0] === '--' ? rest.slice(1) : [] };
  });
}

/** Every flag a help text's Options section lists (`-f, --force`, `-u,--user <name>` …). */
function flagsOf(help: string): Set<string> {
  const flags = new Set<string>();
  const options = help.split(/^Options:$/m)[1]?.split(/^Commands:$/m)[0] ?? '';
  for (const line of options.split('\n')) {
    if (!line.trim().startsWith('-')) continue; // a wrapped description line
    const signature = line.trim().split(/\s{2,}/)[0];
    for (const match of signature.matchAll(/(?:^|[\s,])(--?[A-Za-z][\w-]*)/g)) flags.add(match[1]);
  }
  return flags;
}

/** Every command and alias in `clasp --help`'s Commands section (`create-script|create [options]`). */
function commandsOf(help: string): Set<string> {
  const commands = new Set<string>();
  const section = help.split(/^Commands:$/m)[1] ?? '';
  for (const line of section.split('\n')) {
    const name = line.trim().split(/\s/)[0];
    if (name) for (const alias of name.split('|')) commands.add(alias);
  }
  return commands;
}

/**
 * `clasp --help` and `clasp <command> --help` for the given commands. The help texts come from
 * clasp's own commander program in one node process (each clasp start costs over a second of CPU);
 * a test below checks that they match what the installed binary prints.
 */
async function helpTexts(commands: string[]): Promise<{ main: string; byCommand: Record<string, string> }> {
  const program = path.join(ROOT, 'node_modules/@google/clasp/build/src/commands/program.js');
  const script = `
    const { makeProgram } = await import(${JSON.stringify(pathToFileURL(program).href)});
    const program = makeProgram();
    const byCommand = {};
    for (const name of ${JSON.stringify(commands)}) {
      const command = program.commands.find((c) => c.name() === name || c.aliases().includes(name));
      if (command) byCommand[name] = command.helpInformation();
    }
    process.stdout.write(JSON.stringify({ main: program.helpInformation(), byCommand }));
  `;
  const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], { cwd: ROOT, encoding: 'utf8' });
  return JSON.parse(stdout);
}

/** What is wrong with one clasp call, checked against the help texts; [] when nothing is. */
function problemsOf(call: Invocation, commands: Set<string>, globalFlags: Set<string>, flagsByCommand: Map<string, Set<string>>): string[] {
  const command = call.args.find((word) => !word.startsWith('-'));
  const flags = call.args.filter((word) => word.startsWith('-')).map((word) => word.split('=')[0]);
  const where = `${call.source}: clasp ${call.args.join(' ')}`;
  if (command === undefined) return flags.filter((flag) => !globalFlags.has(flag)).map((flag) => `${where}: clasp has no option ${flag}`);
  if (!commands.has(command)) return [`${where}: clasp ${CLASP_VERSION} has no command "${command}"`];
  const own = flagsByCommand.get(command)!;
  return flags.filter((flag) => !own.has(flag) && !globalFlags.has(flag)).map((flag) => `${where}: "clasp ${command}" has no option ${flag}`);
}

describe("the README's clasp commands exist in the pinned clasp", () => {
  let commands: Set<string>;
  let globalFlags: Set<string>;
  const flagsByCommand = new Map<string, Set<string>>();
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const scripts: Record<string, string> = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).scripts;

  /** The README's own clasp calls, the clasp calls inside the npm scripts it runs, and setup's. */
  function allCalls(): Invocation[] {
    const calls: Invocation[] = [];
    for (const code of codeOf(readme)) {
      calls.push(...claspCalls(code, 'README'));
      for (const { script } of npmRuns(code)) {
        if (scripts[script]) calls.push(...claspCalls(scripts[script], `package.json script "${script}"`));
      }
    }
    calls.push({ source: 'scripts/setup.ts (create)', args: claspCreateArgs({ kind: 'create', title: 'T' }, ROOT) });
    calls.push({ source: 'scripts/setup.ts (bind)', args: claspCreateArgs({ kind: 'bind', title: 'T', spreadsheetId: 'x' }, ROOT) });
    calls.push({ source: 'scripts/setup.ts (standalone)', args: claspCreateArgs({ kind: 'standalone', title: 'T' }, ROOT) });
    calls.push({ source: 'scripts/setup.ts (login check)', args: CLASP_LOGIN_CHECK_ARGS });
    return calls;
  }

  let mainHelp: string;

  beforeAll(async () => {
    const named = [...new Set(allCalls().map((call) => call.args.find((word) => !word.startsWith('-'))).filter((c): c is string => !!c))];
    const help = await helpTexts([...named, 'create']);
    mainHelp = help.main;
    commands = commandsOf(help.main);
    globalFlags = flagsOf(help.main);
    for (const [command, text] of Object.entries(help.byCommand)) flagsByCommand.set(command, flagsOf(text));
  });

  test('those help texts are what `npx clasp --help` and `npx clasp create --help` print', async () => {
    const [main, create] = await Promise.all([run(CLASP, ['--help'], { cwd: ROOT }), run(CLASP, ['create', '--help'], { cwd: ROOT })]);
    expect(main.stdout).toBe(mainHelp);
    expect(flagsOf(create.stdout)).toEqual(flagsByCommand.get('create'));
  });

  test('the help texts were read (commands, global options, per-command options)', () => {
    expect([...commands]).toEqual(expect.arrayContaining(['login', 'create-script', 'create', 'push', 'show-file-status', 'status']));
    expect([...globalFlags]).toEqual(expect.arrayContaining(['--json', '-P', '--project']));
    expect([...flagsByCommand.get('create')!]).toEqual(expect.arrayContaining(['--type', '--title', '--rootDir', '--parentId']));
  });

  test('the README shows how to install with clasp (login, setup, push)', () => {
    const calls = allCalls().filter((call) => call.source === 'README').map((call) => call.args.join(' '));
    expect(calls).toEqual(expect.arrayContaining(['login', 'create --type sheets --title Crustdata --rootDir dist', 'push --force']));
    const runs = codeOf(readme).flatMap(npmRuns).map((r) => r.script);
    expect(runs).toEqual(expect.arrayContaining(['setup', 'push']));
  });

  test('every clasp command and flag the README, its npm scripts and setup use is in clasp --help', () => {
    const problems = allCalls().flatMap((call) => problemsOf(call, commands, globalFlags, flagsByCommand));
    expect(problems).toEqual([]);
  });

  test('every `npm run` in the README names a script, and setup gets only the options its --help lists', () => {
    const setupFlags = new Set([...SETUP_USAGE.matchAll(/\s(--[a-z-]+)/g)].map((m) => m[1]));
    const problems: string[] = [];
    for (const { script, args } of codeOf(readme).flatMap(npmRuns)) {
      if (!scripts[script]) problems.push(`npm run ${script}: package.json has no such script`);
      if (script === 'setup') {
        for (const flag of args.filter((a) => a.startsWith('-')).map((a) => a.split('=')[0])) {
          if (!setupFlags.has(flag)) problems.push(`npm run setup -- ${args.join(' ')}: setup has no option ${flag}`);
        }
      }
    }
    expect(problems).toEqual([]);
  });

  test('the check catches what the README used to say', () => {
    const old = claspCalls('npx clasp setting scriptId <ID>', 'old README');
    expect(old.flatMap((call) => problemsOf(call, commands, globalFlags, flagsByCommand))).toEqual([
      expect.stringContaining('has no command "setting"'),
    ]);
    const wrongFlag = claspCalls('`npx clasp create --type sheets --rootdir dist`', 'example').flatMap((call) =>
      problemsOf(call, commands, globalFlags, flagsByCommand),
    );
    expect(wrongFlag).toEqual([expect.stringContaining('"clasp create" has no option --rootdir')]);
    expect(codeOf('text `npx clasp login` and\n```sh\nnpm run setup -- --script-id X\n```\n')).toEqual(['npm run setup -- --script-id X\n', 'npx clasp login']);
  });
});

test("every #link in the README leads to one of its headings (sections were moved and renamed)", () => {
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const withoutCode = readme.replace(/^```[\s\S]*?^```/gm, '');
  // GitHub's heading anchors: lower case, punctuation dropped, spaces become hyphens.
  const slug = (heading: string) => heading.trim().toLowerCase().replace(/[^\p{L}\p{N}_\- ]/gu, '').replace(/ /g, '-');
  const anchors = new Set([...withoutCode.matchAll(/^#{1,6} (.+)$/gm)].map((match) => slug(match[1])));
  const links = [...withoutCode.matchAll(/\]\(#([^)]+)\)/g)].map((match) => match[1]);
  expect(links.length).toBeGreaterThan(10);
  expect(links.filter((link) => !anchors.has(link))).toEqual([]);
  expect(slug('The consent screen and "Google hasn\'t verified this app"')).toBe('the-consent-screen-and-google-hasnt-verified-this-app');
});
