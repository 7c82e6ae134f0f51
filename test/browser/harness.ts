// Browser-test harness: Chrome or Chromium through playwright-core (fresh profile per launch, flags
// that keep a headless run quiet and offline) against the playground started in this process on port 0, with
// the emulator running dist/Code.js and the mock API. A missing chromium fails, never skips.
//
// Time is virtual on both sides, so no test waits for time to pass: the emulator's clock moves by
// what each execution used and answers at once (FAST_MOCK), and the page's clock (Playwright's
// clock, installed by launchBrowser) is skipped ahead by reach() whenever the page waits on a
// timer: the sidebar's estimate pause, the job driver's waits between calls, the grid's refresh.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, errors, type BrowserContext, type Frame, type Locator, type Page } from 'playwright-core';
import { createEmulatorBackend, type EmulatorBackend, type EmulatorBackendOptions } from '../../dev/playground/emulatorBackend';
import { startPlayground, type Playground } from '../../dev/playground/server';

/** Set to the browser binary to use it instead of looking in the usual places. */
export const BROWSER_PATH_VARIABLE = 'CHROME_PATH';
/**
 * Where Chrome or Chromium lives on Linux and macOS. Debian's real binary first:
 * /usr/bin/chromium is a wrapper script that adds noise.
 */
export const CHROMIUM_CANDIDATES = [
  '/usr/lib/chromium/chromium',
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/usr/bin/google-chrome',
  '/usr/bin/google-chrome-stable',
  '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome',
  '/Applications/Chromium.app/Contents/MacOS/Chromium',
  path.join(os.homedir(), 'Applications/Google Chrome.app/Contents/MacOS/Google Chrome'),
];
const FLAGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
// The README's screenshots are refreshed only on request (UPDATE_SCREENSHOTS=1 npm test), so a
// plain test run leaves the tree clean; otherwise they go to out/ (ignored) to be looked at.
export const SCREENSHOT_DIR = process.env.UPDATE_SCREENSHOTS
  ? path.resolve(__dirname, '../../docs/screenshots')
  : path.resolve(__dirname, '../../out/screenshots');
/** Generous: a loaded 2-core CI machine. Every wait is for a state, never a fixed delay. */
export const STATE_TIMEOUT_MS = 60_000;
/** How long reach() watches for a state in real time before it skips the page's clock ahead. */
const LOOK_MS = 150;
/**
 * reach()'s skips of the page's clock: the first below the shortest wait that matters (the grid's
 * 1.5 s refresh), doubling while the state stays away, up to the job driver's longest wait between
 * calls. A skip past a timer only fires it sooner, as it would fire later anyway.
 */
const FIRST_SKIP_MS = 1_000;
const LONGEST_SKIP_MS = 10_000;
/**
 * The most page time one reach() may skip: longer than any wait the sidebar makes (its longest
 * retry wait is 15 s, its status poll 10 s), so a state that never comes fails the test instead of
 * skipping on.
 */
export const MAX_SKIPPED_MS = 5 * 60_000;

export function chromiumPath(env: NodeJS.ProcessEnv = process.env): string {
  const chosen = env[BROWSER_PATH_VARIABLE];
  if (chosen) {
    if (!fs.existsSync(chosen)) throw new Error(`${BROWSER_PATH_VARIABLE} is set to ${chosen}, which does not exist.`);
    return chosen;
  }
  const found = CHROMIUM_CANDIDATES.find((candidate) => fs.existsSync(candidate));
  if (!found) {
    throw new Error(
      `Chromium is not installed (looked for ${CHROMIUM_CANDIDATES.join(', ')}). The browser tests need Chrome or Chromium: ` +
        `on Debian, apt-get update && apt-get install -y chromium (.ci/run does this); elsewhere set ${BROWSER_PATH_VARIABLE} to the browser's binary.`,
    );
  }
  return found;
}

export interface Browser {
  context: BrowserContext;
  close(): Promise<void>;
}

export async function launchBrowser(): Promise<Browser> {
  const executablePath = chromiumPath();
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'crustdata-browser-test-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath,
    headless: true,
    args: FLAGS,
    viewport: { width: 1280, height: 800 },
    deviceScaleFactor: 1,
  });
  context.setDefaultTimeout(STATE_TIMEOUT_MS);
  // Before any page loads: the pages' timers and Date run on this clock. It ticks with real time
  // (so the shim's setTimeout(0) answers arrive), and reach() skips it ahead.
  await context.clock.install();
  // Google's add-on stylesheet is unreachable here; the sidebar's own fallback styles apply.
  await context.route('**/ssl.gstatic.com/**', (route) => route.abort());
  return {
    context,
    async close() {
      await context.close();
      fs.rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Settings that make a 300-row job take a few real seconds in several continue calls. */
export const FAST_MOCK: EmulatorBackendOptions = {
  mockRequestsPerMinute: 600,
  // Slow answers (virtual time) split the job over several 30-second slices.
  mockLatencyMs: 12_000,
  speed: Infinity,
};

export interface Session {
  playground: Playground;
  backend: EmulatorBackend;
  page: Page;
  sidebar: Frame;
  /** Messages of every alert/confirm/prompt the pages tried to open (must stay empty). */
  dialogs: string[];
  close(): Promise<void>;
}

export async function openSession(browser: Browser, options: EmulatorBackendOptions = FAST_MOCK): Promise<Session> {
  const backend = createEmulatorBackend(options);
  const playground = await startPlayground({ port: 0, backend });
  const page = await browser.context.newPage();
  const dialogs: string[] = [];
  page.on('dialog', (dialog) => {
    dialogs.push(dialog.message());
    void dialog.dismiss();
  });
  await page.goto(playground.url);
  const sidebar = await sidebarFrame(page);
  await sidebar.getByRole('heading', { name: 'API key' }).waitFor();
  return {
    playground,
    backend,
    page,
    sidebar,
    dialogs,
    async close() {
      await page.close();
      await playground.close();
    },
  };
}

export async function sidebarFrame(page: Page): Promise<Frame> {
  const handle = await page.waitForSelector('#sidebar');
  const frame = await handle.contentFrame();
  if (!frame) throw new Error('the sidebar iframe has no frame');
  return frame;
}

/** Reloads only the sidebar, as closing and reopening it in Sheets does. */
export async function reopenSidebar(session: Session): Promise<void> {
  await session.sidebar.goto(new URL('/sidebar', session.playground.url).toString());
  session.sidebar = await sidebarFrame(session.page);
  await session.sidebar.getByRole('heading', { name: 'API key' }).waitFor();
}

export async function saveKey(sidebar: Frame, key = 'demo-key'): Promise<void> {
  await sidebar.getByRole('textbox', { name: 'API key' }).fill(key);
  await sidebar.getByRole('button', { name: /^Save (new )?key$/ }).click();
  await sidebar.getByText('Key saved.').waitFor();
}

/**
 * Waits until `locator` shows, skipping the page's clock ahead whenever it has
 * not shown for LOOK_MS of real time, so the page's timers fire without real time passing. Fails
 * with the locator and the page time skipped once MAX_SKIPPED_MS has gone by without it.
 */
export async function reach(locator: Locator, maxSkippedMs = MAX_SKIPPED_MS): Promise<void> {
  const clock = locator.page().clock;
  for (let skipped = 0, skip = FIRST_SKIP_MS; ; skipped += skip, skip = Math.min(2 * skip, LONGEST_SKIP_MS)) {
    try {
      await locator.waitFor({ timeout: LOOK_MS });
      return;
    } catch (error) {
      if (!(error instanceof errors.TimeoutError)) throw error;
    }
    if (skipped >= maxSkippedMs) throw new Error(`${locator} did not show within ${skipped / 1000} s of page time`);
    await clock.fastForward(skip);
  }
}

export async function waitForPhase(sidebar: Frame, phase: string): Promise<void> {
  await reach(sidebar.locator(`section.run[data-phase="${phase}"]`));
}

/** The estimate panel once figures for the current choice are in (not dimmed while recounting). */
export async function waitForEstimate(sidebar: Frame): Promise<void> {
  await reach(sidebar.locator('.estimate[aria-busy="false"] dl.figures'));
}

export async function count(sidebar: Frame, label: string): Promise<number> {
  const text = await sidebar.locator(`dd[data-count="${label}"]`).textContent();
  return Number((text ?? '').replace(/,/g, ''));
}

/** Screenshot of the sidebar as the user sees it (its 300 px iframe), with `focus` scrolled into view. */
export async function shootSidebar(session: Session, name: string, focus?: string): Promise<string> {
  if (focus) await session.sidebar.locator(focus).first().evaluate((el) => el.scrollIntoView({ block: 'start' }));
  fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const file = path.join(SCREENSHOT_DIR, `${name}.png`);
  await session.page.locator('#sidebar').screenshot({ path: file, animations: 'disabled' });
  return file;
}

export async function shootPage(session: Session, name: string): Promise<string> {
  fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const file = path.join(SCREENSHOT_DIR, `${name}.png`);
  await session.page.screenshot({ path: file, animations: 'disabled' });
  return file;
}

/**
 * One browser per test file and a fresh playground session per test, closed after it. Returns
 * the function that opens the test's session.
 */
export function useBrowser(): (options?: EmulatorBackendOptions) => Promise<Session> {
  let browser: Browser | undefined;
  let session: Session | null = null;
  beforeAll(async () => {
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
  });
  afterEach(async () => {
    await session?.close();
    session = null;
  });
  return async (options) => {
    if (!browser) throw new Error('useBrowser: the browser did not start');
    session = await openSession(browser, options);
    return session;
  };
}

/**
 * Every piece of text the sidebar shows now whose colour falls below WCAG AA's 4.5:1 against what
 * is painted behind it (https://www.w3.org/TR/WCAG21/#contrast-minimum), as "text: ratio" lines.
 * Computed styles, so inherited and overridden colours count as rendered; a gradient behind the
 * text is judged by its worst stop; disabled controls are exempt, as WCAG allows.
 */
export async function lowContrastText(frame: Frame): Promise<string[]> {
  return frame.evaluate(() => {
    type Rgba = [number, number, number, number];
    const parse = (value: string): Rgba[] =>
      [...value.matchAll(/rgba?\(([^)]+)\)/g)].map((m) => {
        const parts = m[1].split(/[\s,/]+/).filter(Boolean).map(Number);
        return [parts[0], parts[1], parts[2], parts.length > 3 ? parts[3] : 1];
      });
    const over = (top: Rgba, bottom: Rgba): Rgba => [0, 1, 2].map((i) => top[i] * top[3] + bottom[i] * (1 - top[3])).concat(1) as Rgba;
    const luminance = ([r, g, b]: Rgba) =>
      [r, g, b]
        .map((v) => v / 255)
        .map((s) => (s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4))
        .reduce((sum, v, i) => sum + v * [0.2126, 0.7152, 0.0722][i], 0);
    const ratio = (a: Rgba, b: Rgba) => {
      const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
      return (hi + 0.05) / (lo + 0.05);
    };
    /** The colours that may be behind an element: its layers down to the first opaque one, over white. */
    const grounds = (element: Element): Rgba[] => {
      const layers: Rgba[][] = [];
      for (let at: Element | null = element; at; at = at.parentElement) {
        const style = getComputedStyle(at);
        const stops = style.backgroundImage !== 'none' ? parse(style.backgroundImage) : [];
        if (stops.length) {
          layers.push(stops);
          if (stops.every((stop) => stop[3] === 1)) break;
        }
        const [color] = parse(style.backgroundColor);
        if (color && color[3] > 0) {
          layers.push([color]);
          if (color[3] === 1) break;
        }
      }
      let result: Rgba[] = [[255, 255, 255, 1]];
      for (const layer of layers.reverse()) result = layer.flatMap((top) => result.map((bottom) => over(top, bottom)));
      return result;
    };
    const problems: string[] = [];
    for (const element of Array.from(document.querySelectorAll('body *'))) {
      const text = Array.from(element.childNodes)
        .filter((node) => node.nodeType === Node.TEXT_NODE)
        .map((node) => node.textContent ?? '')
        .join('')
        .trim();
      if (!text || !(element as HTMLElement).checkVisibility?.({ opacityProperty: true, visibilityProperty: true })) continue;
      if (element.closest('button:disabled, [aria-disabled="true"], input:disabled + label, .stale')) continue;
      const [color] = parse(getComputedStyle(element).color);
      const worst = Math.min(...grounds(element).map((ground) => ratio(over(color, ground), ground)));
      if (worst < 4.5) problems.push(`${text.slice(0, 40)}: ${worst.toFixed(2)}:1`);
    }
    return problems;
  });
}
