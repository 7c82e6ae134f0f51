// Functions the sidebar calls through google.script.run. Placeholder.
const notReady = (): never => {
  throw new Error('not ready');
};
export const getState = notReady;
export const saveApiKey = (request: unknown) => notReady();
export const testConnection = notReady;
export const detectSource = notReady;
export const estimate = (request: unknown) => notReady();
export const startJob = (request: unknown) => notReady();
export const continueJob = (request: unknown) => notReady();
export const controlJob = (request: unknown) => notReady();
export const jobStatus = (request: unknown) => notReady();
export const selectFailedRows = (request: unknown) => notReady();
