// Field groups section: every group as a checkbox with its one-line description and cost (partly
// ticked, naming the fields, when single fields of it are chosen), what the choice writes, and
// an advanced, filterable picker of single dot-paths for groups not taken whole.
import type { FieldPathInfo } from '../../../src/common/contract';
import { el, replaceChildren, uniqueId } from '../dom';
import { plural } from '../format';
import { describeChoice, FieldCatalog, filterPaths, isPathChosen, toggleGroup, togglePath } from '../fields';

export interface FieldsView {
  root: HTMLElement;
  update(catalog: FieldCatalog, fields: string[]): void;
  /** Data columns the choice writes, from the server's estimate; null while it is being counted. */
  setColumns(count: number | null): void;
}

/** A dot-path with a line-break opportunity after each dot, so a long path wraps there. */
export function pathWithBreaks(path: string): Array<Node> {
  const nodes: Node[] = [];
  path.split('.').forEach((part, i) => {
    if (i > 0) nodes.push(document.createTextNode('.'), document.createElement('wbr'));
    nodes.push(document.createTextNode(part));
  });
  return nodes;
}

/** The fields section's summary line: the choice and, once the server counted them, its columns. */
export function choiceSummary(choice: string, columns: number | null): string {
  if (columns === null) return `Chosen: ${choice}.`;
  return `Chosen: ${choice}, written as ${plural(columns, 'column')} and a status column.`;
}

export function fieldsView(changed: (fields: string[]) => void): FieldsView {
  const headingId = uniqueId('h');
  let catalog: FieldCatalog = { groups: [], paths: [] };
  let fields: string[] = [];
  let columns: number | null = null;
  const groupInputs = new Map<string, HTMLInputElement>();
  /** Per group: the line naming its single fields that are chosen (the group not taken whole). */
  const partLines = new Map<string, HTMLElement>();
  const pathRows = new Map<string, { row: HTMLElement; input: HTMLInputElement; info: FieldPathInfo }>();

  const groupList = el('div', { className: 'group-list', attrs: { role: 'group', 'aria-labelledby': headingId } });
  const summary = el('p', { className: 'gray', attrs: { 'aria-live': 'polite' } });
  const filterInput = el('input', {
    attrs: { type: 'search', placeholder: 'Filter, e.g. title or email', 'aria-label': 'Filter single fields', autocomplete: 'off' },
    on: { input: () => applyFilter() },
  });
  const filterCount = el('p', { className: 'gray hint', attrs: { 'aria-live': 'polite' } });
  const pathList = el('div', { className: 'path-list', attrs: { role: 'group', 'aria-label': 'Single fields' } });
  const advanced = el('details', { className: 'advanced' }, [
    el('summary', { text: 'Pick single fields' }),
    el('p', { className: 'gray hint', text: 'Fields of a group ticked above are already included.' }),
    filterInput,
    filterCount,
    pathList,
  ]);

  const root = el('section', { className: 'block', attrs: { 'aria-labelledby': headingId } }, [
    el('h2', { id: headingId, text: 'Fields' }),
    groupList,
    summary,
    advanced,
  ]);

  function set(next: string[]): void {
    fields = next;
    sync();
    changed(fields);
  }

  function build(): void {
    groupInputs.clear();
    partLines.clear();
    pathRows.clear();
    replaceChildren(
      groupList,
      catalog.groups.map((group) => {
        const id = uniqueId('grp');
        const descId = uniqueId('desc');
        const input = el('input', {
          id,
          attrs: { type: 'checkbox', value: group.name, 'aria-describedby': descId },
          on: { change: () => set(toggleGroup(catalog, fields, group.name, input.checked)) },
        });
        groupInputs.set(group.name, input);
        const partLine = el('div', { className: 'hint partial' });
        partLines.set(group.name, partLine);
        return el('div', { className: 'check group' }, [
          input,
          el('label', { attrs: { for: id } }, [
            el('span', { className: 'group-label', text: group.label }),
            ' ',
            el('span', { className: group.extraCredits > 0 ? 'cost extra' : 'cost', text: group.costNote }),
          ]),
          el('div', { className: 'gray hint', id: descId, text: group.description }),
          partLine,
        ]);
      }),
    );
    const labelOf = new Map(catalog.groups.map((g) => [g.name, g.label]));
    const byGroup = new Map<string, FieldPathInfo[]>();
    for (const path of catalog.paths) {
      const list = byGroup.get(path.group) ?? [];
      list.push(path);
      byGroup.set(path.group, list);
    }
    const blocks: HTMLElement[] = [];
    for (const [group, paths] of byGroup) {
      const heading = el('div', { className: 'path-group', text: labelOf.get(group) ?? group });
      const rows = paths.map((info) => {
        const id = uniqueId('path');
        const input = el('input', {
          id,
          attrs: { type: 'checkbox', value: info.path },
          on: { change: () => set(togglePath(catalog, fields, info.path, input.checked)) },
        });
        const row = el('div', { className: 'check path' }, [
          input,
          // The human label first; the path below it, wrapping at its dots.
          el('label', { attrs: { for: id } }, [
            el('span', { className: 'path-label', text: info.header }),
            el('span', { className: 'gray mono path-name' }, pathWithBreaks(info.path)),
          ]),
        ]);
        pathRows.set(info.path, { row, input, info });
        return row;
      });
      blocks.push(el('div', { className: 'path-block', attrs: { 'data-group': group } }, [heading, ...rows]));
    }
    replaceChildren(pathList, blocks);
    applyFilter();
  }

  function sync(): void {
    const partly = new Map<string, string[]>();
    for (const { input, info } of pathRows.values()) {
      const wholeGroup = fields.includes(info.group);
      input.checked = isPathChosen(fields, info);
      input.disabled = wholeGroup;
      if (!wholeGroup && fields.includes(info.path)) partly.set(info.group, [...(partly.get(info.group) ?? []), info.header]);
    }
    for (const [name, input] of groupInputs) {
      input.checked = fields.includes(name);
      const chosen = partly.get(name) ?? [];
      // Partly chosen: the box shows it (mixed), and the line under the group names the fields.
      input.indeterminate = chosen.length > 0;
      const line = partLines.get(name);
      if (line) {
        line.textContent = chosen.length ? `Only: ${chosen.join(', ')}` : '';
        line.hidden = chosen.length === 0;
      }
    }
    summary.textContent = fields.length === 0 ? 'Choose at least one group or field.' : choiceSummary(describeChoice(catalog, fields), columns);
    summary.className = fields.length === 0 ? 'error' : 'gray';
  }

  function applyFilter(): void {
    const visible = new Set(filterPaths(catalog.paths, filterInput.value).map((p) => p.path));
    for (const { row, info } of pathRows.values()) row.hidden = !visible.has(info.path);
    for (const block of Array.from(pathList.children) as HTMLElement[]) {
      block.hidden = !Array.from(block.querySelectorAll('.path')).some((row) => !(row as HTMLElement).hidden);
    }
    filterCount.textContent = filterInput.value.trim()
      ? `${visible.size} of ${catalog.paths.length} fields match.`
      : `${catalog.paths.length} fields.`;
  }

  return {
    root,
    update(nextCatalog, nextFields) {
      if (nextCatalog !== catalog) {
        catalog = nextCatalog;
        build();
        // Closed: a choice of single fields shows on its groups ("Only: …").
        advanced.open = false;
      }
      fields = nextFields;
      sync();
    },
    setColumns(count) {
      columns = count;
      sync();
    },
  };
}
