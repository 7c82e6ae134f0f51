// API key section: set, replace, remove (always shown masked), who may use it, the optional
// plan rate limit, and Test connection. The key typed here goes to the server once and the
// field is emptied at once: the page never holds it longer than that call.
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

export function apiKeyView(actions: ApiKeyViewActions): ApiKeyView {
  const headingId = uniqueId('h');
  let status: ApiKeyStatus = { isSet: false, masked: null, scope: null };
  let replacing = false;
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
    replacing = false;
    keyInput.value = '';
    render();
  });
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
      field('API key', keyInput),
      scopeGroup,
      field('Requests per minute (optional)', rateInput, 'Leave empty for the standard 15; raise it only if your plan allows more.'),
      formError,
      el('div', { className: 'buttons' }, [saveButton, cancelReplace]),
    ],
  );

  const replaceButton = button('Replace key', () => {
    replacing = true;
    render();
    keyInput.focus();
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
  const keyButtons = el('div', { className: 'buttons' }, [replaceButton, removeButton, testButton]);

  const root = el('section', { className: 'block', attrs: { 'aria-labelledby': headingId } }, [
    el('h2', { id: headingId, text: 'API key' }),
    statusLine,
    keyButtons,
    removePrompt,
    form,
    resultLine,
  ]);

  async function submit(): Promise<void> {
    const apiKey = keyInput.value.trim();
    formError.textContent = '';
    if (!apiKey) {
      formError.textContent = 'Paste the API key first.';
      keyInput.focus();
      return;
    }
    const rateText = rateInput.value.trim();
    const requestsPerMinute = rateText ? parsePositiveInt(rateText, 6000) : null;
    if (rateText && requestsPerMinute === null) {
      formError.textContent = 'Requests per minute must be a whole number from 1 to 6000.';
      rateInput.focus();
      return;
    }
    // Empty the field before the call: the key must not linger in the page.
    keyInput.value = '';
    const scope: KeyScope = scopeDocument.checked ? 'document' : 'user';
    saveButton.disabled = true;
    const request: SaveApiKeyRequest = { apiKey, scope };
    if (requestsPerMinute !== null) request.requestsPerMinute = requestsPerMinute;
    const saved = await actions.save(request);
    saveButton.disabled = false;
    if (saved) {
      replacing = false;
      resultLine.textContent = 'Key saved.';
      render();
      testButton.focus();
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
      ]);
    } else {
      replaceChildren(statusLine, ['No key yet. Paste the API key from your Crustdata account.']);
    }
    show(keyButtons, status.isSet && !replacing && !confirmingRemove);
    show(removePrompt, status.isSet && confirmingRemove);
    show(form, !status.isSet || replacing);
    show(cancelReplace, status.isSet && replacing);
    saveButton.textContent = status.isSet ? 'Save new key' : 'Save key';
  }

  render();
  return {
    root,
    update(next, requestsPerMinute) {
      status = next;
      if (next.scope === 'document') scopeDocument.checked = true;
      else scopeUser.checked = true;
      if (document.activeElement !== rateInput) rateInput.value = requestsPerMinute === 15 ? '' : String(requestsPerMinute);
      render();
    },
  };
}
