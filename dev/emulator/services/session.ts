// Session: the script's time zone and the user running the execution. Without the userinfo.email
// scope Apps Script gives an empty email, so the emulator does too when a manifest says so.
import crypto from 'node:crypto';
import type { Execution } from '../execution';

export interface SessionOptions {
  timeZone: string;
  locale: string;
  /** False when the manifest lacks the userinfo.email scope. */
  emailVisible: boolean;
}

class User {
  constructor(private readonly email: string) {}
  getEmail(): string {
    return this.email;
  }
}

export function createSession(exec: Execution, options: SessionOptions) {
  const user = () => new User(options.emailVisible ? exec.user : '');
  return {
    getScriptTimeZone(): string {
      exec.enter('Session.getScriptTimeZone');
      return options.timeZone;
    },
    getActiveUserLocale(): string {
      exec.enter('Session.getActiveUserLocale');
      return options.locale;
    },
    getActiveUser(): User {
      exec.enter('Session.getActiveUser');
      return user();
    },
    getEffectiveUser(): User {
      exec.enter('Session.getEffectiveUser');
      return user();
    },
    /** Stable per user and script, not the email: what add-ons key per-user state on. */
    getTemporaryActiveUserKey(): string {
      exec.enter('Session.getTemporaryActiveUserKey');
      return crypto.createHash('sha256').update(`temporary-key:${exec.user}`).digest('base64').slice(0, 43);
    },
  };
}
