// The add-on menu and its handlers.
export function onOpen(e: unknown): void {
  SpreadsheetApp.getUi()
    .createAddonMenu()
    .addItem('Open sidebar', 'menuOpenSidebar')
    .addItem('Enrich selected rows', 'menuEnrichSelection')
    .addItem('Refresh now', 'menuRefreshNow')
    .addSeparator()
    .addItem('Set API key…', 'menuSetApiKey')
    .addItem('Help', 'menuHelp')
    .addToUi();
}
export function onInstall(e: unknown): void {
  onOpen(e);
}
export function openSidebar(): void {
  throw new Error('not ready');
}
export function enrichSelection(): void {
  throw new Error('not ready');
}
export function setApiKey(): void {
  throw new Error('not ready');
}
export function refreshNow(): void {
  throw new Error('not ready');
}
export function help(): void {
  throw new Error('not ready');
}
