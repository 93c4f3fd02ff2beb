// The Mapping screen's state, kept pure so it is unit-tested: header →
// field, each field mapped to one header at most, what mandatory fields
// are missing, and a saved template applied to a file's headers.

import type { Analysis, Catalog, CatalogField, Template } from './types';

/** Header → field id, or null when the header is not imported. */
export type MappingState = Record<string, string | null>;

/** Suggestions below this confidence are marked for review. */
export const REVIEW_BELOW = 0.8;

export function fieldsOf(catalog: Catalog): (CatalogField & { category: string })[] {
  return catalog.categories.flatMap((c) => c.fields.map((f) => ({ ...f, category: c.category })));
}

/** The state the page starts with: the accepted suggestions. */
export function initialState(analysis: Analysis): MappingState {
  const state: MappingState = {};
  for (const header of analysis.headers) state[header] = analysis.suggested_mapping[header] ?? null;
  return state;
}

/** Maps `header` to `field` (or clears it); a field taken from another header leaves it. */
export function assign(state: MappingState, header: string, field: string | null): MappingState {
  const next: MappingState = {};
  for (const [h, f] of Object.entries(state)) next[h] = field !== null && f === field && h !== header ? null : f;
  next[header] = field;
  return next;
}

/** The mapping the API takes: mapped headers only. */
export function toMapping(state: MappingState): Record<string, string> {
  const mapping: Record<string, string> = {};
  for (const [h, f] of Object.entries(state)) if (f) mapping[h] = f;
  return mapping;
}

/** Mandatory fields no header is mapped to, in catalog order. */
export function missingMandatory(catalog: Catalog, state: MappingState): CatalogField[] {
  const mapped = new Set(Object.values(state).filter(Boolean));
  return fieldsOf(catalog).filter((f) => f.mandatory && !mapped.has(f.id));
}

export interface Applied {
  state: MappingState;
  /** Template headers this file does not have. */
  absent: string[];
}

/**
 * A template over this file's headers: its mapping where it knows the
 * header (matched as written, then ignoring case and spaces), nothing
 * elsewhere; fields unknown to the catalog are dropped.
 */
export function applyTemplate(headers: string[], template: Pick<Template, 'mapping'>, catalog: Catalog): Applied {
  const known = new Set(fieldsOf(catalog).map((f) => f.id));
  const byLoose = new Map(Object.entries(template.mapping).map(([h, f]) => [loose(h), f]));
  let state: MappingState = Object.fromEntries(headers.map((h) => [h, null]));
  const used = new Set<string>();
  for (const header of headers) {
    const field = template.mapping[header] ?? byLoose.get(loose(header));
    if (field && known.has(field) && !used.has(field)) {
      state = assign(state, header, field);
      used.add(field);
    }
  }
  const present = new Set(headers.map(loose));
  const absent = Object.keys(template.mapping).filter((h) => !present.has(loose(h)));
  return { state, absent };
}

/** Update: the template's mapping with this file's choices over it. */
export function mergeIntoTemplate(template: Pick<Template, 'mapping' | 'headers'>, state: MappingState) {
  const mapping: Record<string, string> = { ...template.mapping };
  for (const header of Object.keys(state)) delete mapping[header];
  const taken = new Set(Object.values(toMapping(state)));
  for (const [h, f] of Object.entries(mapping)) if (taken.has(f)) delete mapping[h];
  Object.assign(mapping, toMapping(state));
  const headers = [...new Set([...template.headers, ...Object.keys(state)])];
  return { mapping, headers };
}

function loose(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9]/g, '');
}

/** Whether a field matches what was typed: label, synonyms, category, subcategory or id. */
export function matches(field: CatalogField & { category?: string }, search: string): boolean {
  const words = search.toLowerCase().split(/\s+/).filter(Boolean);
  if (words.length === 0) return true;
  const haystack = [field.label, field.id, field.subcategory, field.category ?? '', ...field.synonyms]
    .join(' | ')
    .toLowerCase();
  return words.every((w) => haystack.includes(w));
}

export interface OptionGroup {
  group: string;
  items: { value: string; label: string }[];
}

/**
 * The dropdown of `header`: fields grouped by "Category › Subcategory",
 * without those mapped to another header.
 */
export function optionsFor(catalog: Catalog, state: MappingState, header: string): OptionGroup[] {
  const elsewhere = new Set(
    Object.entries(state)
      .filter(([h, f]) => h !== header && f)
      .map(([, f]) => f as string),
  );
  const groups = new Map<string, OptionGroup>();
  for (const field of fieldsOf(catalog)) {
    if (elsewhere.has(field.id)) continue;
    const name = field.subcategory ? `${field.category} › ${field.subcategory}` : field.category;
    let group = groups.get(name);
    if (!group) groups.set(name, (group = { group: name, items: [] }));
    group.items.push({ value: field.id, label: field.mandatory ? `${field.label} *` : field.label });
  }
  return [...groups.values()];
}

/** Sample values of a column, non-blank, at most `n`. */
export function samples(analysis: Analysis, column: number, n = 3): string[] {
  return analysis.sample_rows
    .map((r) => r.cells[column] ?? '')
    .filter((v) => v.trim() !== '')
    .slice(0, n);
}
