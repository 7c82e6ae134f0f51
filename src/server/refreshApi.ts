// Scheduled refresh: sidebar calls and the trigger handler. Placeholder.
const notReady = (): never => {
  throw new Error('not ready');
};
export const setSchedule = (request: unknown) => notReady();
export const stopSchedule = notReady;
export const scheduleStatus = notReady;
export const onScheduledRun = (e: unknown) => notReady();
