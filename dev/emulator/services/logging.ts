// Logger and console, captured into the emulator's log so tests can read what a script logged
// (and prove the API key never appears there).
import { inspect, types } from 'node:util';
import type { Execution } from '../execution';

export type LogLevel = 'log' | 'info' | 'warn' | 'error' | 'debug';

export interface LogEntry {
  level: LogLevel;
  message: string;
  atMs: number;
  executionId: number;
  functionName: string;
  source: 'Logger' | 'console';
}

function show(value: unknown): string {
  if (typeof value === 'string') return value;
  if (types.isNativeError(value)) return (value as Error).stack ?? String(value);
  return inspect(value, { depth: 6, breakLength: Infinity });
}

/** Logger.log("a %s b", x) substitutes like Apps Script; extra arguments are appended. */
function loggerMessage(format: unknown, args: unknown[]): string {
  if (args.length === 0) return show(format);
  let index = 0;
  const text = String(format).replace(/%s/g, () => (index < args.length ? show(args[index++]) : '%s'));
  return [text, ...args.slice(index).map(show)].join(' ');
}

export function createLogging(exec: Execution, logs: LogEntry[], echo: boolean) {
  let loggerText = '';
  const record = (level: LogLevel, source: LogEntry['source'], message: string) => {
    logs.push({ level, message, atMs: exec.clock.now(), executionId: exec.id, functionName: exec.functionName, source });
    if (echo) process.stderr.write(`[${exec.functionName} ${level}] ${message}\n`);
  };
  const logger = {
    log(format: unknown, ...args: unknown[]) {
      exec.enter('Logger.log');
      const message = loggerMessage(format, args);
      loggerText += `${new Date(exec.clock.now()).toISOString()} INFO: ${message}\n`;
      record('log', 'Logger', message);
      return logger;
    },
    getLog(): string {
      exec.enter('Logger.getLog');
      return loggerText;
    },
    clear(): void {
      exec.enter('Logger.clear');
      loggerText = '';
    },
  };
  const consoleMethod = (level: LogLevel) =>
    function (...args: unknown[]) {
      exec.enter(`console.${level}`);
      record(level, 'console', args.map(show).join(' '));
    };
  const console = {
    log: consoleMethod('log'),
    info: consoleMethod('info'),
    warn: consoleMethod('warn'),
    error: consoleMethod('error'),
    debug: consoleMethod('debug'),
  };
  return { Logger: logger, console };
}
