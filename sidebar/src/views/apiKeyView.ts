// API key section: set, replace, remove (always shown masked), who may use it, the optional
// plan rate limit, and Test connection. The key typed here goes to the server once and the
// field is emptied at once: the page never holds it longer than that call. Who may use it and
// the limit change without the key (apiKey absent keeps the stored one).
import type { ApiKeyStatus, ConnectionResult, KeyScope, SaveApiKeyRequest } from '../../../src/server/sidebarContract';
import { button, el, field, replaceChildren, show, uniqueId } from '../dom';
import { formatCount, maskedKeyLabel, parsePositiveInt } from '../format';

export interface ApiKeyViewActions {
  save(request: SaveApiKeyRequest): Promise<boolean>;
  test(): Promise<ConnectionResult | null>;
}

export interface ApiKeyView {
  root: HTMLElement;
  update(status: ApiKeyStatus, requestsPerMinute: number): void;
}

const SCOPE_LABEL: Record<KeyScope, string> = {
  user: 'only you',
  document: 'shared with this spreadsheet',
};

/** What the form is for: the first key, a new key in place of the stored one, or only the settings. */
export type KeyFormMode = 'first' | 'replace' | 'settings';

export interface KeyFormInput {
  apiKey: string;
  scope: KeyScope;
  /** The requests-per-minute field as typed; empty means the standard limit. */
  rate: string;
}

export const STANDARD_REQUESTS_PER_MINUTE = 15;

/**
 * The save request for the form, or what is wrong and which field to fix. The settings form
 * sends no apiKey at all: the server keeps the stored key and changes only scope and limit.
 */
export function keyFormRequest(mode: KeyFormMode, input: KeyFormInput): { request: SaveApiKeyRequest } | { error: string; field: 'key' | 'rate' } {
  const apiKey = input.apiKey.trim();
  if (mode !== 'settings' && !apiKey) return { error: 'Paste the API key first.', field: 'key' };
  const rateText = input.rate.trim();
  const requestsPerMinute = rateText ? parsePositiveInt(rateText, 6000) : STANDARD_REQUESTS_PER_MINUTE;
  if (requestsPerMinute === null) return { error: 'Requests per minute must be a whole number from 1 to 6000.', field: 'rate' };
  const request: SaveApiKeyRequest = { scope: input.scope, requestsPerMinute };
  if (mode !== 'settings') request.apiKey = apiKey;
  return { request };
}

export function apiKeyView(actions: ApiKeyViewActions): ApiKeyView {
  const headingId = uniqueId('h');
  let status: ApiKeyStatus = { isSet: false, masked: null, scope: null };
  let limit = STANDARD_REQUESTS_PER_MINUTE;
  /** The form is open to replace the key or to change only the settings (with a key set). */
  let editing: 'replace' | 'settings' | null = null;
  let confirmingRemove = false;

  const statusLine = el('p', { className: 'key-status' });
  const resultLine = el('p', { className: 'result', attrs: { role: 'status', 'aria-live': 'polite' } });

  const keyInput = el('input', {
    attrs: { type: 'password', autocomplete: 'off', spellcheck: 'false', placeholder: 'Paste your Crustdata API key' },
  });
  const scopeName = uniqueId('scope');
  const scopeUser = el('input', { id: uniqueId('r'), attrs: { type: 'radio', name: scopeName, value: 'user', checked: true } });
  const scopeDocument = el('input', { id: uniqueId('r'), attrs: { type: 'radio', name: scopeName, value: 'document' } });
  const scopeHintId = uniqueId('hint');
  const scopeGroup = el('fieldset', { className: 'form-group scope', attrs: { 'aria-describedby': scopeHintId } }, [
    el('legend', { text: 'Who can use it' }),
    el('div', { className: 'check' }, [scopeUser, el('label', { attrs: { for: scopeUser.id }, text: 'Only me' })]),
    el('div', { className: 'check' }, [scopeDocument, el('label', { attrs: { for: scopeDocument.id }, text: 'Share with this spreadsheet' })]),
    el('div', {
      className: 'gray hint',
      id: scopeHintId,
      text: 'Only me: kept in your own settings. Shared: every editor of this file can enrich with it, but nobody sees it.',
    }),
  ]);
  const rateInput = el('input', { attrs: { type: 'number', min: 1, max: 6000, step: 1, inputmode: 'numeric', placeholder: '15' } });
  const formError = el('p', { className: 'error', attrs: { role: 'alert' } });

  const saveButton = el('button', { className: 'action', text: 'Save key', attrs: { type: 'submit' } });
  const cancelReplace = button('Cancel', () => {
    const was = editing;
    editing = null;
    keyInput.value = '';
    formError.textContent = '';
    showStored();
    render();
    (was === 'settings' ? settingsButton : replaceButton).focus();
  });
  const keyField = field('API key', keyInput);
  const form = el(
    'form',
    {
      className: 'key-form',
      attrs: { autocomplete: 'off' },
      on: {
        submit: (event) => {
          event.preventDefault();
          void submit();
        },
      },
    },
    [
      keyField,
      scopeGroup,
      field('Requests per minute (optional)', rateInput, 'Leave empty for the standard 15; raise it only if your plan allows more.'),
      formError,
      el('div', { className: 'buttons' }, [saveButton, cancelReplace]),
    ],
  );

  const replaceButton = button('Replace key', () => {
    editing = 'replace';
    render();
    keyInput.focus();
  });
  const settingsButton = button('Change limit or sharing', () => {
    editing = 'settings';
    render();
    rateInput.focus();
  });
  const removeButton = button('Remove key', () => {
    confirmingRemove = true;
    render();
    confirmRemove.focus();
  });
  const testButton = button('Test connection', () => void runTest());
  const confirmRemove = button('Remove', () => void remove(), 'danger');
  const keepButton = button('Keep it', () => {
    confirmingRemove = false;
    render();
    removeButton.focus();
  });
  const removePrompt = el('div', { className: 'confirm', attrs: { role: 'group', 'aria-label': 'Confirm removal' } }, [
    el('p', { text: 'Remove the key? Enrichment stops until a new one is set.' }),
    el('div', { className: 'buttons' }, [confirmRemove, keepButton]),
  ]);
  const keyButtons = el('div', { className: 'buttons' }, [replaceButton, removeButton, testButton, settingsButton]);

  const root = el('section', { className: 'block', attrs: { 'aria-labelledby': headingId } }, [
    el('h2', { id: headingId, text: 'API key' }),
    statusLine,
    keyButtons,
    removePrompt,
    form,
    resultLine,
  ]);

  function mode(): KeyFormMode {
    return !status.isSet ? 'first' : editing === 'settings' ? 'settings' : 'replace';
  }

  async function submit(): Promise<void> {
    formError.textContent = '';
    const formMode = mode();
    const built = keyFormRequest(formMode, {
      apiKey: formMode === 'settings' ? '' : keyInput.value,
      scope: scopeDocument.checked ? 'document' : 'user',
      rate: rateInput.value,
    });
    if ('error' in built) {
      formError.textContent = built.error;
      (built.field === 'key' ? keyInput : rateInput).focus();
      return;
    }
    // Empty the field before the call: the key must not linger in the page.
    keyInput.value = '';
    saveButton.disabled = true;
    const saved = await actions.save(built.request);
    saveButton.disabled = false;
    if (saved) {
      editing = null;
      resultLine.className = 'result';
      resultLine.textContent = formMode === 'settings' ? 'Settings saved.' : 'Key saved.';
      render();
      (formMode === 'settings' ? settingsButton : testButton).focus();
    }
  }

  async function remove(): Promise<void> {
    confirmRemove.disabled = true;
    const removed = await actions.save({ apiKey: null, scope: status.scope ?? 'user' });
    confirmRemove.disabled = false;
    confirmingRemove = false;
    if (removed) resultLine.textContent = 'Key removed.';
    render();
    if (removed) keyInput.focus();
  }

  async function runTest(): Promise<void> {
    testButton.disabled = true;
    resultLine.className = 'result gray';
    resultLine.textContent = 'Testing the key…';
    const result = await actions.test();
    testButton.disabled = false;
    if (!result) {
      resultLine.textContent = '';
      return;
    }
    resultLine.className = result.ok ? 'result ok' : 'result error';
    const parts = [result.message];
    // The server's message may already name the limit; add only what it leaves out.
    if (result.rateLimitPerMinute !== null && !/rate limit/i.test(result.message)) {
      parts.push(`Rate limit: ${formatCount(result.rateLimitPerMinute)} requests a minute.`);
    }
    if (result.remaining !== null) parts.push(`${formatCount(result.remaining)} left this minute.`);
    resultLine.textContent = parts.join(' ');
  }

  function render(): void {
    if (status.isSet) {
      replaceChildren(statusLine, [
        'Key ',
        el('span', { className: 'mono', text: maskedKeyLabel(status.masked) }),
        status.scope ? ` · ${SCOPE_LABEL[status.scope]}` : '',
        ` · ${formatCount(limit)} requests a minute`,
      ]);
    } else {
      replaceChildren(statusLine, ['No key yet. Paste the API key from your Crustdata account.']);
    }
    const formMode = mode();
    show(keyButtons, status.isSet && editing === null && !confirmingRemove);
    show(removePrompt, status.isSet && confirmingRemove);
    show(form, !status.isSet || editing !== null);
    show(keyField, formMode !== 'settings');
    show(cancelReplace, status.isSet && editing !== null);
    saveButton.textContent = formMode === 'first' ? 'Save key' : formMode === 'replace' ? 'Save new key' : 'Save settings';
  }

  /** The scope and limit fields show what is stored (on load, after a save, on Cancel). */
  function showStored(): void {
    if (status.scope === 'document') scopeDocument.checked = true;
    else scopeUser.checked = true;
    if (document.activeElement !== rateInput) rateInput.value = limit === STANDARD_REQUESTS_PER_MINUTE ? '' : String(limit);
  }

  render();
  return {
    root,
    update(next, requestsPerMinute) {
      status = next;
      limit = requestsPerMinute;
      showStored();
      render();
    },
  };
}
