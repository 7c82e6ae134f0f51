// Utilities: sleep on the emulator's clock, digests and base64 as SIGNED bytes (Java bytes, as
// Apps Script returns them: code that hex-encodes must add 256 to negatives), formatDate, a
// deterministic getUuid, and a small Blob.
import crypto from 'node:crypto';
import type { Execution } from '../execution';
import { ServiceError } from '../execution';
import { formatDate } from './formatDate';

export const SLEEP_LIMIT_MS = 300_000;

export const DigestAlgorithm = { MD2: 'MD2', MD5: 'MD5', SHA_1: 'SHA_1', SHA_256: 'SHA_256', SHA_384: 'SHA_384', SHA_512: 'SHA_512' } as const;
export const MacAlgorithm = {
  HMAC_MD5: 'HMAC_MD5',
  HMAC_SHA_1: 'HMAC_SHA_1',
  HMAC_SHA_256: 'HMAC_SHA_256',
  HMAC_SHA_384: 'HMAC_SHA_384',
  HMAC_SHA_512: 'HMAC_SHA_512',
} as const;
export const Charset = { US_ASCII: 'US_ASCII', UTF_8: 'UTF_8' } as const;

const NODE_HASH: Record<string, string> = { MD5: 'md5', SHA_1: 'sha1', SHA_256: 'sha256', SHA_384: 'sha384', SHA_512: 'sha512' };

export function toSignedBytes(buffer: Uint8Array): number[] {
  return Array.from(buffer, (b) => (b > 127 ? b - 256 : b));
}

/** A string in a charset, or a byte array (signed or not), as raw bytes. */
export function toBuffer(value: unknown, charset: string = Charset.UTF_8): Buffer {
  if (Array.isArray(value)) return Buffer.from(value.map((b) => Number(b) & 0xff));
  if (value instanceof Blob) return Buffer.from(value.bytes);
  const text = String(value);
  if (charset === Charset.US_ASCII) return Buffer.from(text.replace(/[^\x00-\x7f]/g, '?'), 'latin1');
  if (charset !== Charset.UTF_8) throw new ServiceError(`Invalid argument: charset ${charset}`);
  return Buffer.from(text, 'utf8');
}

/** Apps Script's Blob, enough for byte/string conversions. */
export class Blob {
  constructor(
    readonly bytes: Buffer,
    private contentType: string | null = null,
    private name: string | null = null,
  ) {}

  getBytes(): number[] {
    return toSignedBytes(this.bytes);
  }

  getDataAsString(charset: string = Charset.UTF_8): string {
    return charset === Charset.US_ASCII ? this.bytes.toString('latin1') : this.bytes.toString('utf8');
  }

  setDataFromString(text: string, charset?: string): Blob {
    return new Blob(toBuffer(text, charset), this.contentType, this.name);
  }

  getContentType(): string | null {
    return this.contentType;
  }

  setContentType(contentType: string): Blob {
    this.contentType = contentType;
    return this;
  }

  getName(): string | null {
    return this.name;
  }

  setName(name: string): Blob {
    this.name = name;
    return this;
  }

  copyBlob(): Blob {
    return new Blob(Buffer.from(this.bytes), this.contentType, this.name);
  }
}

/** Deterministic UUIDs (v4 layout) from a seed, so runs are reproducible. */
export class UuidSource {
  private counter = 0;
  constructor(private readonly seed: string) {}

  next(): string {
    const hex = crypto.createHash('sha256').update(`${this.seed}:${this.counter++}`).digest('hex');
    const variant = ((parseInt(hex[16], 16) & 0x3) | 0x8).toString(16);
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
  }
}

function formatString(template: string, ...args: unknown[]): string {
  let index = 0;
  return String(template).replace(/%(\d*\.?\d*)([sdif%])/g, (match, width: string, kind: string) => {
    if (kind === '%') return '%';
    const arg = args[index++];
    if (kind === 's') return String(arg);
    if (kind === 'd' || kind === 'i') return String(Math.trunc(Number(arg)));
    const digits = width.includes('.') ? Number(width.split('.')[1]) : 6;
    return Number(arg).toFixed(digits);
  });
}

export function createUtilities(exec: Execution, uuids: UuidSource) {
  const enter = (name: string) => exec.enter(`Utilities.${name}`);
  return {
    DigestAlgorithm,
    MacAlgorithm,
    Charset,
    sleep(milliseconds: number): void {
      enter('sleep');
      const ms = Number(milliseconds);
      if (!Number.isFinite(ms) || ms < 0 || ms > SLEEP_LIMIT_MS) {
        throw new ServiceError(`Invalid argument: milliseconds must be between 0 and ${SLEEP_LIMIT_MS} (got ${milliseconds})`);
      }
      exec.passTime(ms);
    },
    computeDigest(algorithm: string, value: unknown, charset?: string): number[] {
      enter('computeDigest');
      const hash = NODE_HASH[algorithm];
      if (!hash) throw new ServiceError(`Invalid argument: algorithm ${algorithm}`);
      return toSignedBytes(crypto.createHash(hash).update(toBuffer(value, charset)).digest());
    },
    computeHmacSignature(algorithm: string, value: unknown, key: unknown, charset?: string): number[] {
      enter('computeHmacSignature');
      const hash = NODE_HASH[String(algorithm).replace(/^HMAC_/, '')];
      if (!hash) throw new ServiceError(`Invalid argument: algorithm ${algorithm}`);
      return toSignedBytes(crypto.createHmac(hash, toBuffer(key, charset)).update(toBuffer(value, charset)).digest());
    },
    computeHmacSha256Signature(value: unknown, key: unknown, charset?: string): number[] {
      enter('computeHmacSha256Signature');
      return toSignedBytes(crypto.createHmac('sha256', toBuffer(key, charset)).update(toBuffer(value, charset)).digest());
    },
    base64Encode(data: unknown, charset?: string): string {
      enter('base64Encode');
      return toBuffer(data, charset).toString('base64');
    },
    base64EncodeWebSafe(data: unknown, charset?: string): string {
      enter('base64EncodeWebSafe');
      return toBuffer(data, charset).toString('base64').replace(/\+/g, '-').replace(/\//g, '_');
    },
    base64Decode(encoded: string): number[] {
      enter('base64Decode');
      return toSignedBytes(Buffer.from(String(encoded), 'base64'));
    },
    base64DecodeWebSafe(encoded: string): number[] {
      enter('base64DecodeWebSafe');
      return toSignedBytes(Buffer.from(String(encoded).replace(/-/g, '+').replace(/_/g, '/'), 'base64'));
    },
    newBlob(data: unknown, contentType?: string, name?: string): Blob {
      enter('newBlob');
      return new Blob(toBuffer(data ?? ''), contentType ?? null, name ?? null);
    },
    formatDate(date: Date, timeZone: string, format: string): string {
      enter('formatDate');
      if (!(date instanceof Date) || Number.isNaN(date.getTime())) throw new ServiceError('Invalid argument: date');
      try {
        return formatDate(date.getTime(), String(timeZone), String(format));
      } catch (error) {
        throw new ServiceError(`Invalid argument: ${(error as Error).message}`);
      }
    },
    formatString(template: string, ...args: unknown[]): string {
      enter('formatString');
      return formatString(template, ...args);
    },
    getUuid(): string {
      enter('getUuid');
      return uuids.next();
    },
  };
}
