// Without chromium the browser tests must fail, saying how to install it, never skip.
import fs from 'node:fs';
import { CHROMIUM_CANDIDATES, chromiumPath } from './harness';

afterEach(() => jest.restoreAllMocks());

test('a missing chromium is an error that says how to install it', () => {
  jest.spyOn(fs, 'existsSync').mockReturnValue(false);
  expect(() => chromiumPath()).toThrow(/Chromium is not installed .*apt-get install -y chromium/);
});

test('the real binary is preferred over the wrapper script', () => {
  jest.spyOn(fs, 'existsSync').mockImplementation((file) => CHROMIUM_CANDIDATES.includes(String(file)));
  expect(chromiumPath()).toBe('/usr/lib/chromium/chromium');
});
