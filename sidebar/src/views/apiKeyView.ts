// API key section: the user's own key (set, replace, remove; always shown masked), which key the
// formulas of this spreadsheet use (only ever one shared with it, never someone's own key), sharing
// a key with them or stopping, the optional plan rate limit, and Test connection. Sharing is asked
// before it happens: anyone who can edit the spreadsheet can then spend credits on the key. The key
// typed here goes to the server once and the field is emptied at once: the page never holds it
// longer than that call (or the share question before it). The limit changes without the key.
import type { ApiKeyStatus, ConnectionResult, KeyScope, SaveApiKeyRequest } from '../../../src/common/contract';
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
  user: 'your own',
  document: 'shared with this spreadsheet',
};

/** What sharing a key means, said before it happens. */
export const SHARE_WARNING = 'Anyone who can edit this spreadsheet can then spend credits on this key.';

/** Which key the formulas of this spreadsheet use, in words (they only ever use a shared key). */
export function formulaKeyText(status: ApiKeyStatus): string {
  const formulas = status.formulas;
  if (!formulas) return 'Formulas (=CRUSTDATA_ENRICH) in this spreadsheet use no key: they show an error until a key is shared with them.';
  return `Formulas (=CRUSTDATA_ENRICH) in this spreadsheet use the shared key ${maskedKeyLabel(formulas.masked)}, shared by ${formulas.sharedByYou ? 'you' : 'another editor'}.`;
}

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
 * sends no apiKey at all and scope user: the server keeps the stored keys and changes only the
 * limit (sharing has its own buttons, each asking first).
 */
export function keyFormRequest(mode: KeyFormMode, input: KeyFormInput): { request: SaveApiKeyRequest } | { error: string; field: 'key' | 'rate' } {
  const apiKey = input.apiKey.trim();
  if (mode !== 'settings' && !apiKey) return { error: 'Paste the API key first.', field: 'key' };
  const rateText = input.rate.trim();
  const requestsPerMinute = rateText ? parsePositiveInt(rateText, 6000) : STANDARD_REQUESTS_PER_MINUTE;
  if (requestsPerMinute === null) return { error: 'Requests per minute must be a whole number from 1 to 6000.', field: 'rate' };
  // The settings form changes only the limit: with no key, scope document would share the own key.
  const request: SaveApiKeyRequest = { scope: mode === 'settings' ? 'user' : input.scope, requestsPerMinute };
  if (mode !== 'settings') request.apiKey = apiKey;
  return { request };
}

type Confirming = 'remove' | 'share-own' | 'share-new' | 'stop' | null;

export function apiKeyView(actions: ApiKeyViewActions): ApiKeyView {
  const headingId = uniqueId('h');
  let status: ApiKeyStatus = { isSet: false, masked: null, scope: null, hasOwnKey: false, formulas: null };
  let limit = STANDARD_REQUESTS_PER_MINUTE;
  /** The form is open to replace the key or to change only the limit (with a key set). */
  let editing: 'replace' | 'settings' | null = null;
  /** A step that asks before it acts: removing, sharing (own key, or the one in the form), stopping. */
  let confirming: Confirming = null;
  /** The form's request waiting for the share confirmation. */
  let pendingShare: SaveApiKeyRequest | null = null;

  const statusLine = el('p', { className: 'key-status' });
  const formulaLine = el('p', { className: 'formula-key' });
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
      text: "Only me: your sidebar and menu jobs use it; formulas can't. Shared: this spreadsheet's formulas and every editor's jobs can use it, and nobody sees it.",
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
  const settingsButton = button('Change limit', () => {
    editing = 'settings';
    render();
    rateInput.focus();
  });
  const removeButton = button('Remove key', () => ask('remove'));
  const shareButton = button('Share with formulas', () => ask('share-own'));
  const stopButton = button('Stop sharing', () => ask('stop'));
  const testButton = button('Test connection', () => void runTest());

  const confirmText = el('p');
  const confirmYes = button('', () => void confirmed(), 'danger');
  const confirmNo = button('', () => {
    const was = confirming;
    confirming = null;
    pendingShare = null;
    render();
    (was === 'share-new' ? saveButton : was === 'remove' ? removeButton : was === 'stop' ? stopButton : shareButton).focus();
  });
  const confirmPrompt = el('div', { className: 'confirm', attrs: { role: 'group', 'aria-label': 'Confirm' } }, [
    confirmText,
    el('div', { className: 'buttons' }, [confirmYes, confirmNo]),
  ]);
  const keyButtons = el('div', { className: 'buttons' }, [replaceButton, removeButton, testButton, settingsButton, shareButton, stopButton]);

  const root = el('section', { className: 'block', attrs: { 'aria-labelledby': headingId } }, [
    el('h2', { id: headingId, text: 'API key' }),
    statusLine,
    formulaLine,
    keyButtons,
    confirmPrompt,
    form,
    resultLine,
  ]);

  function mode(): KeyFormMode {
    return !status.isSet ? 'first' : editing === 'settings' ? 'settings' : 'replace';
  }

  function ask(what: Exclude<Confirming, null>): void {
    confirming = what;
    render();
    confirmYes.focus();
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
    // A key for everyone who can edit: said, and confirmed, before it leaves the page.
    if (built.request.scope === 'document' && built.request.apiKey) {
      pendingShare = built.request;
      ask('share-new');
      return;
    }
    await send(built.request, formMode);
  }

  async function send(request: SaveApiKeyRequest, formMode: KeyFormMode): Promise<void> {
    // Empty the field before the call: the key must not linger in the page.
    keyInput.value = '';
    saveButton.disabled = true;
    const saved = await actions.save(request);
    saveButton.disabled = false;
    if (saved) {
      editing = null;
      resultLine.className = 'result';
      resultLine.textContent = formMode === 'settings' ? 'Settings saved.' : 'Key saved.';
      render();
      (formMode === 'settings' ? settingsButton : testButton).focus();
    }
  }

  async function confirmed(): Promise<void> {
    const what = confirming;
    const request = pendingShare;
    confirming = null;
    pendingShare = null;
    if (what === 'share-new' && request) {
      await send(request, mode());
      return;
    }
    confirmYes.disabled = true;
    const outcome: Record<Exclude<Confirming, null | 'share-new'>, { request: SaveApiKeyRequest; done: string }> = {
      remove: { request: { apiKey: null, scope: 'user' }, done: 'Key removed.' },
      'share-own': { request: { scope: 'document' }, done: "Your key is shared with this spreadsheet's formulas." },
      stop: { request: { apiKey: null, scope: 'document' }, done: "Formulas in this spreadsheet no longer have a key." },
    };
    const step = outcome[what as Exclude<Confirming, null | 'share-new'>];
    const saved = await actions.save(step.request);
    confirmYes.disabled = false;
    resultLine.className = 'result';
    if (saved) resultLine.textContent = step.done;
    render();
    if (saved && !status.isSet) keyInput.focus();
    else testButton.focus();
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

  /** Sharing replaces the key the formulas use now, if any: said in the question. */
  function replacing(): string {
    return status.formulas ? ` It replaces the shared key ${maskedKeyLabel(status.formulas.masked)}.` : '';
  }

  function confirmation(): { text: string; yes: string; no: string } | null {
    const own = maskedKeyLabel(status.masked);
    switch (confirming) {
      case 'remove':
        return {
          text: `Remove your key? Your jobs stop until a key is set.${status.formulas?.isYourKey ? " Formulas here keep using the shared copy until you stop sharing." : ''}`,
          yes: 'Remove',
          no: 'Keep it',
        };
      case 'share-own':
        return {
          text: `Share your key ${own} with this spreadsheet's formulas?${replacing()} ${SHARE_WARNING}`,
          yes: 'Share',
          no: 'Cancel',
        };
      case 'share-new':
        return {
          text: `Share this key with this spreadsheet? Its formulas and every editor's jobs can use it.${replacing()} ${SHARE_WARNING}`,
          yes: 'Share',
          no: 'Cancel',
        };
      case 'stop':
        return {
          text: `Stop sharing ${maskedKeyLabel(status.formulas?.masked ?? null)}? Formulas in this spreadsheet then have no key until one is shared again.`,
          yes: 'Stop sharing',
          no: 'Keep sharing',
        };
      default:
        return null;
    }
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
    formulaLine.textContent = formulaKeyText(status);
    const formMode = mode();
    const question = confirmation();
    show(keyButtons, status.isSet && editing === null && question === null);
    show(removeButton, status.hasOwnKey);
    show(shareButton, status.hasOwnKey && !status.formulas?.isYourKey);
    show(stopButton, status.formulas !== null);
    replaceButton.textContent = status.hasOwnKey ? 'Replace key' : 'Set your own key';
    show(confirmPrompt, question !== null);
    if (question) {
      confirmText.textContent = question.text;
      confirmYes.textContent = question.yes;
      confirmNo.textContent = question.no;
    }
    show(form, !status.isSet || editing !== null);
    saveButton.disabled = confirming === 'share-new';
    show(keyField, formMode !== 'settings');
    show(scopeGroup, formMode !== 'settings');
    show(cancelReplace, status.isSet && editing !== null);
    saveButton.textContent = formMode === 'first' ? 'Save key' : formMode === 'replace' ? 'Save new key' : 'Save settings';
  }

  /** The scope and limit fields show what is stored (on load, after a save, on Cancel). */
  function showStored(): void {
    if (status.scope === 'document' && !status.hasOwnKey) scopeDocument.checked = true;
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
