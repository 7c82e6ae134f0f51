// A tiny DOM builder. Text only ever goes in through textContent or attribute values, never as
// markup, so a headline like `<img src=x onerror=alert(1)>` or a sheet name shows as text.

type Child = Node | string | null | undefined | false;

export interface ElementOptions {
  className?: string;
  id?: string;
  text?: string;
  attrs?: Record<string, string | number | boolean | null | undefined>;
  on?: Partial<{ [K in keyof HTMLElementEventMap]: (event: HTMLElementEventMap[K]) => void }>;
}

export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  options: ElementOptions = {},
  children: Child[] = [],
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  if (options.className) element.className = options.className;
  if (options.id) element.id = options.id;
  if (options.text !== undefined) element.textContent = options.text;
  for (const [name, value] of Object.entries(options.attrs ?? {})) {
    if (value === null || value === undefined || value === false) continue;
    element.setAttribute(name, value === true ? '' : String(value));
  }
  for (const [type, handler] of Object.entries(options.on ?? {})) {
    element.addEventListener(type, handler as EventListener);
  }
  append(element, children);
  return element;
}

export function append(parent: Node, children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    parent.appendChild(typeof child === 'string' ? document.createTextNode(child) : child);
  }
}

/** Replaces all children (text nodes are created, never parsed). */
export function replaceChildren(parent: Node, children: Child[]): void {
  while (parent.firstChild) parent.removeChild(parent.firstChild);
  append(parent, children);
}

export function show(element: HTMLElement, visible: boolean): void {
  element.hidden = !visible;
}

let idCounter = 0;
/** Unique ids for label/aria wiring. */
export function uniqueId(prefix: string): string {
  idCounter += 1;
  return `${prefix}-${idCounter}`;
}

export function button(
  label: string,
  onClick: () => void,
  className = '',
  attrs: ElementOptions['attrs'] = {},
): HTMLButtonElement {
  return el('button', { className, text: label, attrs: { type: 'button', ...attrs }, on: { click: () => onClick() } });
}

/** A labelled checkbox; `role=switch` when it turns something on or off. */
export function checkbox(
  label: string,
  onChange: (checked: boolean) => void,
  options: { switchRole?: boolean; description?: string } = {},
): { root: HTMLElement; input: HTMLInputElement } {
  const id = uniqueId('cb');
  const input = el('input', {
    id,
    attrs: { type: 'checkbox', role: options.switchRole ? 'switch' : null },
    on: { change: () => onChange(input.checked) },
  });
  const describedBy = options.description ? uniqueId('desc') : null;
  if (describedBy) input.setAttribute('aria-describedby', describedBy);
  const root = el('div', { className: 'check' }, [
    input,
    el('label', { attrs: { for: id } }, [label]),
    options.description ? el('div', { className: 'gray hint', id: describedBy ?? undefined, text: options.description }) : null,
  ]);
  return { root, input };
}

/** A label above a control. */
export function field(label: string, control: HTMLElement, hint?: string): HTMLElement {
  if (!control.id) control.id = uniqueId('f');
  const hintId = hint ? uniqueId('hint') : null;
  if (hintId) control.setAttribute('aria-describedby', hintId);
  return el('div', { className: 'form-group' }, [
    el('label', { attrs: { for: control.id } }, [label]),
    control,
    hint ? el('div', { className: 'gray hint', id: hintId ?? undefined, text: hint }) : null,
  ]);
}
