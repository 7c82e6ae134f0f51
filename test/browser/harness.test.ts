// Without chromium the browser tests must fail, saying how to install it, never skip.
import fs from 'node:fs';
import { BROWSER_PATH_VARIABLE, CHROMIUM_CANDIDATES, chromiumPath } from './harness';

afterEach(() => jest.restoreAllMocks());

test('a missing chromium is an error that says how to install it', () => {
  jest.spyOn(fs, 'existsSync').mockReturnValue(false);
  expect(() => chromiumPath({})).toThrow(/Chromium is not installed .*apt-get install -y chromium.*set CHROME_PATH/);
});

test('the real binary is preferred over the wrapper script', () => {
  jest.spyOn(fs, 'existsSync').mockImplementation((file) => CHROMIUM_CANDIDATES.includes(String(file)));
  expect(chromiumPath({})).toBe('/usr/lib/chromium/chromium');
});

test('finds Chrome where macOS installs it', () => {
  const mac = '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome';
  jest.spyOn(fs, 'existsSync').mockImplementation((file) => String(file) === mac);
  expect(chromiumPath({})).toBe(mac);
});

test('takes an explicit path from the environment, and says so when it does not exist', () => {
  jest.spyOn(fs, 'existsSync').mockImplementation((file) => String(file) === '/opt/my/chrome' || CHROMIUM_CANDIDATES.includes(String(file)));
  expect(chromiumPath({ [BROWSER_PATH_VARIABLE]: '/opt/my/chrome' })).toBe('/opt/my/chrome');
  expect(() => chromiumPath({ [BROWSER_PATH_VARIABLE]: '/nowhere/chrome' })).toThrow('CHROME_PATH is set to /nowhere/chrome, which does not exist.');
});
