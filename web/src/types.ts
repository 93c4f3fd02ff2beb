// The admin API's shapes (shared/api/openapi.json), as the page reads them.

export const ENTITIES = ['employees', 'providers', 'locations', 'enrollments'] as const;
export type Entity = (typeof ENTITIES)[number];

export type Status =
  | 'pending_upload'
  | 'uploaded'
  | 'in_progress'
  | 'finished'
  | 'finished_with_errors'
  | 'failed';

export const STATUS_LABELS: Record<Status, string> = {
  pending_upload: 'Pending upload',
  uploaded: 'Uploaded',
  in_progress: 'In Progress',
  finished: 'Finished',
  finished_with_errors: 'Finished with Errors',
  failed: 'Failed',
};

export interface Counts {
  total: number;
  created: number;
  updated: number;
  unchanged: number;
  failed: number;
  processed: number;
}

export interface Settings {
  mode: 'create_and_update' | 'create_only' | 'update_only';
  date_format: 'auto' | 'iso' | 'month_first' | 'day_first';
  blank_on_update: 'keep' | 'clear';
}

export const DEFAULT_SETTINGS: Settings = { mode: 'create_and_update', date_format: 'auto', blank_on_update: 'keep' };

export interface Import {
  import_id: string;
  entity: Entity;
  status: Status;
  status_label: string;
  reason?: string;
  reason_code?: string;
  file_name: string;
  source: 'upload' | 'feed';
  feed_id?: string;
  template_id?: string;
  corrects?: string;
  format?: string;
  encoding?: string;
  delimiter?: string;
  counts: Counts;
  settings: Settings;
  created_at: string;
  updated_at: string;
  started_at?: string;
  finished_at?: string;
  created_by?: string;
  started_by?: string;
}

export interface ImportPage {
  imports: Import[];
  next_cursor?: string;
}

export interface CreatedImport {
  import_id: string;
  upload: { url: string; fields: Record<string, string> };
  max_bytes: number;
  expires_in_seconds: number;
}

export interface Suggestion {
  column: number;
  header: string;
  field?: string;
  label?: string;
  confidence: number;
  reason?: string;
}

export interface Analysis {
  import_id: string;
  entity: Entity;
  format: string;
  encoding?: string;
  delimiter?: string;
  headers: string[];
  header_problems: { code: string; column?: number; name?: string; columns?: number[] }[];
  row_count: number;
  sample_rows: { row: number; cells: string[] }[];
  suggestions: Suggestion[];
  suggested_mapping: Record<string, string>;
  missing_mandatory: string[];
  warnings: string[];
  templates: { template_id: string; name: string; fit: number }[];
}

export interface CellIssue {
  code: string;
  column?: number;
  header?: string;
  field?: string;
  value: string;
  message: string;
}

export interface PreviewRow {
  row: number;
  valid: boolean;
  values: Record<string, string>;
  errors: CellIssue[];
  warnings: CellIssue[];
}

export interface Preview {
  rows: PreviewRow[];
  summary: {
    rows: number;
    valid: number;
    invalid: number;
    errors_by_code: Record<string, number>;
    would_create: number;
    would_update: number;
    would_leave_unchanged: number;
    would_fail: number;
  };
}

export type Outcome = 'created' | 'updated' | 'unchanged' | 'failed';

export interface RowLog {
  row: number;
  outcome: Outcome;
  errors: CellIssue[];
  warnings: CellIssue[];
}

export interface RowPage {
  rows: RowLog[];
  next_cursor?: string;
}

export interface CatalogField {
  id: string;
  label: string;
  subcategory: string;
  type: string;
  mandatory: boolean;
  key: boolean;
  synonyms: string[];
}

export interface Catalog {
  entity: Entity;
  categories: { category: string; fields: CatalogField[] }[];
}

export interface Template {
  template_id: string;
  name: string;
  entity: Entity;
  mapping: Record<string, string>;
  headers: string[];
  settings: Settings;
  created_at: string;
  updated_at: string;
}

export interface Feed {
  feed_id: string;
  entity: Entity;
  template_id?: string;
  prefix: string;
}

export interface WebConfig {
  dev_sign_in: boolean;
  oidc?: { issuer: string; client_id: string; scope: string };
}
