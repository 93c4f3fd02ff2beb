import { describe, expect, it } from 'vitest';
import {
  applyTemplate,
  assign,
  initialState,
  matches,
  mergeIntoTemplate,
  missingMandatory,
  optionsFor,
  toMapping,
} from './mapping';
import type { Analysis, Catalog } from './types';
import { MAX_BYTES, refusal } from './upload';

const field = (id: string, label: string, subcategory: string, mandatory = false, synonyms: string[] = []) => ({
  id,
  label,
  subcategory,
  type: 'text',
  mandatory,
  key: false,
  synonyms,
});

const catalog: Catalog = {
  entity: 'employees',
  categories: [
    {
      category: 'Personal',
      fields: [
        field('email', 'Email', 'Contact', true, ['username', 'e-mail address']),
        field('first_name', 'First Name', 'Name', true, ['given name']),
        field('last_name', 'Last Name', 'Name', true, ['surname', 'family name']),
        field('phone', 'Phone', 'Contact'),
      ],
    },
    { category: 'Employment', fields: [field('status', 'Employee Status', 'Status', true, ['state'])] },
  ],
};

const analysis = (headers: string[], suggested: Record<string, string>): Analysis => ({
  import_id: 'i',
  entity: 'employees',
  format: 'csv',
  headers,
  header_problems: [],
  row_count: 1,
  sample_rows: [{ row: 2, cells: headers.map((h) => `${h}-value`) }],
  suggestions: [],
  suggested_mapping: suggested,
  missing_mandatory: [],
  warnings: [],
  templates: [],
});

describe('a field is mapped once', () => {
  it('moves a field taken by another header and clears the first', () => {
    let state = initialState(analysis(['Mail', 'Email Address'], { Mail: 'email' }));
    state = assign(state, 'Email Address', 'email');
    expect(state).toEqual({ Mail: null, 'Email Address': 'email' });
    expect(toMapping(state)).toEqual({ 'Email Address': 'email' });
  });

  it('leaves fields mapped elsewhere out of a dropdown, but keeps its own', () => {
    const state = { Mail: 'email', Surname: 'last_name', Tel: null };
    const ids = (h: string) => optionsFor(catalog, state, h).flatMap((g) => g.items.map((i) => i.value));
    expect(ids('Tel')).not.toContain('email');
    expect(ids('Tel')).not.toContain('last_name');
    expect(ids('Mail')).toContain('email');
    expect(optionsFor(catalog, state, 'Tel').map((g) => g.group)).toEqual([
      'Personal › Name',
      'Personal › Contact',
      'Employment › Status',
    ]);
  });

  it('searches labels, synonyms and categories', () => {
    const [email, , lastName] = catalog.categories[0].fields;
    expect(matches({ ...lastName, category: 'Personal' }, 'surn')).toBe(true);
    expect(matches({ ...email, category: 'Personal' }, 'USERNAME')).toBe(true);
    expect(matches({ ...email, category: 'Personal' }, 'personal contact')).toBe(true);
    expect(matches({ ...email, category: 'Personal' }, 'surname')).toBe(false);
  });
});

describe('mandatory check', () => {
  it('lists the mandatory fields still unmapped, in catalog order', () => {
    const state = { Email: 'email', First: 'first_name', Phone: 'phone' };
    expect(missingMandatory(catalog, state).map((f) => f.id)).toEqual(['last_name', 'status']);
    const full = { ...state, Last: 'last_name', Status: 'status' };
    expect(missingMandatory(catalog, full)).toEqual([]);
  });
});

describe('template apply', () => {
  it('maps the headers the template knows, loosely, and reports the rest', () => {
    const template = { mapping: { 'E-mail': 'email', Surname: 'last_name', Fax: 'phone', Old: 'gone_field' } };
    const { state, absent } = applyTemplate(['e mail', 'Surname', 'Status'], template, catalog);
    expect(state).toEqual({ 'e mail': 'email', Surname: 'last_name', Status: null });
    expect(absent).toEqual(['Fax', 'Old']);
  });

  it('update keeps the template mapping of headers this file lacks', () => {
    const merged = mergeIntoTemplate(
      { mapping: { Fax: 'phone', Mail: 'email' }, headers: ['Fax', 'Mail'] },
      { Mail: null, 'Email Address': 'email' },
    );
    expect(merged.mapping).toEqual({ Fax: 'phone', 'Email Address': 'email' });
    expect(merged.headers).toEqual(['Fax', 'Mail', 'Email Address']);
  });
});

describe('upload check', () => {
  it('refuses a file over 10 MB before upload, with the message', () => {
    expect(refusal({ name: 'big.csv', size: MAX_BYTES + 1 })).toMatch(/under 10 MB.*CSV UTF-8/);
    expect(refusal({ name: 'ok.csv', size: MAX_BYTES })).toBeNull();
    expect(refusal({ name: 'a.pdf', size: 10 })).toMatch(/not a CSV/);
  });
});
