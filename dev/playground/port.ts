// `npm start` checks its port before anything slow (the build), so a typo in PORT or a port that
// another program holds is said at once, in words, with what to do.
import net from 'node:net';

export const DEFAULT_PORT = 8080;

export class PortError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PortError';
  }
}

/** PORT from the environment: unset or empty is the default; anything but 1–65535 is refused. */
export function parsePort(value: string | undefined): number {
  if (value === undefined || value.trim() === '') return DEFAULT_PORT;
  const text = value.trim();
  const port = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!(port >= 1 && port <= 65535)) {
    throw new PortError(`PORT must be a whole number from 1 to 65535, not "${value}". Try PORT=${DEFAULT_PORT + 1} npm start, or leave PORT unset for ${DEFAULT_PORT}.`);
  }
  return port;
}

/** Resolves when the port can be listened on; rejects with a PortError that says what to do. */
export function checkPortFree(port: number, host = '127.0.0.1'): Promise<void> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EADDRINUSE') {
        reject(new PortError(`Port ${port} is busy: another program (perhaps another npm start) is listening on it. Stop it, or choose another port: PORT=${port === 65535 ? 8081 : port + 1} npm start`));
      } else if (error.code === 'EACCES') {
        reject(new PortError(`Port ${port} needs special permission on this computer. Choose a port above 1023: PORT=${DEFAULT_PORT} npm start`));
      } else {
        reject(new PortError(`Port ${port} cannot be used: ${error.message}`));
      }
    });
    probe.listen(port, host, () => probe.close(() => resolve()));
  });
}
