// npm start's port check: a bad PORT or a busy port is said in words before any build.
import net from 'node:net';
import { checkPortFree, DEFAULT_PORT, parsePort, PortError } from '../../../dev/playground/port';

test('PORT unset or empty is the default; a whole number from 1 to 65535 is taken', () => {
  expect(parsePort(undefined)).toBe(DEFAULT_PORT);
  expect(parsePort('  ')).toBe(DEFAULT_PORT);
  expect(parsePort('3000')).toBe(3000);
  expect(parsePort(' 65535 ')).toBe(65535);
});

test('anything else is refused with what to type instead', () => {
  for (const bad of ['abc', '0', '65536', '80.5', '-1', '8080x', '1e3']) {
    expect(() => parsePort(bad)).toThrow(PortError);
  }
  expect(() => parsePort('abc')).toThrow('PORT must be a whole number from 1 to 65535, not "abc". Try PORT=8081 npm start');
});

test('a free port passes; a busy one says so and suggests the next', async () => {
  const holder = net.createServer();
  await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', () => resolve()));
  const port = (holder.address() as net.AddressInfo).port;
  try {
    await expect(checkPortFree(port)).rejects.toThrow(`Port ${port} is busy`);
    await expect(checkPortFree(port)).rejects.toThrow(`PORT=${port + 1} npm start`);
  } finally {
    await new Promise<void>((resolve) => holder.close(() => resolve()));
  }
  await expect(checkPortFree(port)).resolves.toBeUndefined();
});
