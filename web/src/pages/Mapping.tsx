import {
  Alert,
  Anchor,
  Badge,
  Button,
  Group,
  Loader,
  Modal,
  Select,
  SimpleGrid,
  Stack,
  Table,
  Text,
  TextInput,
  Title,
  Tooltip,
  type ComboboxItem,
  type ComboboxParsedItem,
  type OptionsFilter,
} from '@mantine/core';
import { useCallback, useEffect, useMemo, useState } from 'react';
import { api, ApiError, describe } from '../api';
import { ErrorMessage, StatusBadge, usePolling } from '../common';
import {
  applyTemplate,
  assign,
  fieldsOf,
  initialState,
  matches,
  mergeIntoTemplate,
  missingMandatory,
  optionsFor,
  REVIEW_BELOW,
  samples,
  toMapping,
  type MappingState,
} from '../mapping';
import { go, href } from '../route';
import type { Analysis, Catalog, Import, Preview, Settings, Template } from '../types';
import { DEFAULT_SETTINGS } from '../types';

type Note = { color: string; text: string } | null;

export function Mapping({ id }: { id: string }) {
  const [item, setItem] = useState<Import | null>(null);
  const [analysis, setAnalysis] = useState<Analysis | null>(null);
  const [catalog, setCatalog] = useState<Catalog | null>(null);
  const [templates, setTemplates] = useState<Template[]>([]);
  const [state, setState] = useState<MappingState>({});
  const [settings, setSettings] = useState<Settings>(DEFAULT_SETTINGS);
  const [templateId, setTemplateId] = useState<string | null>(null);
  const [note, setNote] = useState<Note>(null);
  const [error, setError] = useState<unknown>(null);
  const [preview, setPreview] = useState<Preview | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const [saveAs, setSaveAs] = useState(false);
  const [confirmDelete, setConfirmDelete] = useState(false);

  const poll = useCallback(() => {
    api
      .get<Import>(`/imports/${encodeURIComponent(id)}`)
      .then((i) => {
        setItem(i);
        if (['in_progress', 'finished', 'finished_with_errors'].includes(i.status)) go({ page: 'import', id });
      })
      .catch(setError);
  }, [id]);
  useEffect(poll, [poll]);
  usePolling(poll, 1000, !item || item.status === 'pending_upload');

  const loadTemplates = useCallback(
    (entity: string) =>
      api
        .get<{ templates: Template[] }>(`/templates?entity=${entity}`)
        .then((t) => setTemplates(t.templates))
        .catch(setError),
    [],
  );

  useEffect(() => {
    if (item?.status !== 'uploaded' || analysis) return;
    Promise.all([
      api.get<Analysis>(`/imports/${encodeURIComponent(id)}/analysis`),
      api.get<Catalog>(`/catalog/${item.entity}`),
      api.get<{ templates: Template[] }>(`/templates?entity=${item.entity}`),
    ])
      .then(([a, c, t]) => {
        setAnalysis(a);
        setCatalog(c);
        setTemplates(t.templates);
        const fit = a.templates.find((f) => f.fit >= 1);
        const whole = fit && t.templates.find((x) => x.template_id === fit.template_id);
        if (whole) {
          setState(applyTemplate(a.headers, whole, c).state);
          setSettings(whole.settings);
          setTemplateId(whole.template_id);
          setNote({ color: 'blue', text: `Template "${whole.name}" fits every header and was applied.` });
        } else {
          setState(initialState(a));
        }
      })
      .catch(setError);
  }, [item, analysis, id]);

  const fields = useMemo(() => new Map(catalog ? fieldsOf(catalog).map((f) => [f.id, f]) : []), [catalog]);
  const filter: OptionsFilter = useCallback(
    ({ options, search }) =>
      (options as ComboboxParsedItem[])
        .map((o) =>
          'group' in o
            ? { ...o, items: o.items.filter((i: ComboboxItem) => matchField(i.value, search)) }
            : matchField((o as ComboboxItem).value, search)
              ? o
              : null,
        )
        .filter((o): o is ComboboxParsedItem => !!o && (!('group' in o) || o.items.length > 0)),
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [fields],
  );
  function matchField(value: string, search: string) {
    const f = fields.get(value);
    return !!f && matches(f, search);
  }

  if (error && !item) return <ErrorMessage error={error} />;
  if (!item) return <Loader aria-label="Loading the import" />;
  if (item.status === 'pending_upload')
    return (
      <Stack>
        <Title order={1} size="h2">
          Reading {item.file_name}…
        </Title>
        <Group>
          <Loader size="sm" aria-label="Reading the file" />
          <Text>The file is uploaded and being read. This takes a few seconds.</Text>
        </Group>
      </Stack>
    );
  if (item.status === 'failed')
    return (
      <Stack>
        <Title order={1} size="h2">
          {item.file_name}
        </Title>
        <Alert color="red" title="The file cannot be imported" role="alert">
          {item.reason}
        </Alert>
        <Anchor href={href({ page: 'import', id })}>Open its log</Anchor>
      </Stack>
    );
  if (!analysis || !catalog) return <Loader aria-label="Loading the analysis" />;

  const missing = missingMandatory(catalog, state);
  const mapping = toMapping(state);
  const selected = templates.find((t) => t.template_id === templateId) ?? null;
  const suggestion = (header: string) => analysis.suggestions.find((s) => s.header === header);

  const act = async (name: string, work: () => Promise<void>) => {
    setBusy(name);
    setNote(null);
    try {
      await work();
    } catch (err) {
      if (err instanceof ApiError && (err.status === 409 || err.status === 422))
        setNote({ color: 'red', text: err.message });
      else setNote({ color: 'red', text: describe(err) });
    } finally {
      setBusy(null);
    }
  };

  const body = (name: string, m: Record<string, string>, headers: string[]) => ({
    name,
    entity: item.entity,
    mapping: m,
    headers,
    settings,
  });

  const save = (name: string) =>
    act('save', async () => {
      const t = await api.post<Template>('/templates', body(name, mapping, analysis.headers));
      await loadTemplates(item.entity);
      setTemplateId(t.template_id);
      setSaveAs(false);
      setNote({ color: 'green', text: `Saved template "${t.name}".` });
    });

  const update = (replace: boolean) =>
    act(replace ? 'replace' : 'update', async () => {
      if (!selected) return;
      const merged = replace ? { mapping, headers: analysis.headers } : mergeIntoTemplate(selected, state);
      const t = await api.put<Template>(
        `/templates/${selected.template_id}`,
        body(selected.name, merged.mapping, merged.headers),
      );
      await loadTemplates(item.entity);
      setNote({ color: 'green', text: `${replace ? 'Replaced' : 'Updated'} template "${t.name}".` });
    });

  const remove = () =>
    act('delete', async () => {
      if (!selected) return;
      await api.del(`/templates/${selected.template_id}`);
      setConfirmDelete(false);
      setTemplateId(null);
      await loadTemplates(item.entity);
      setNote({ color: 'green', text: `Deleted template "${selected.name}".` });
    });

  const choose = (value: string | null) => {
    setTemplateId(value);
    const t = templates.find((x) => x.template_id === value);
    if (!t) return;
    const applied = applyTemplate(analysis.headers, t, catalog);
    setState(applied.state);
    setSettings(t.settings);
    setPreview(null);
    setNote({
      color: 'blue',
      text: `Applied "${t.name}".${applied.absent.length ? ` Not in this file: ${applied.absent.join(', ')}.` : ''}`,
    });
  };

  const runPreview = () =>
    act('preview', async () => {
      setPreview(await api.post<Preview>(`/imports/${encodeURIComponent(id)}/preview`, { mapping, settings }));
    });

  const start = () =>
    act('start', async () => {
      await api.post(`/imports/${encodeURIComponent(id)}/start`, { mapping, settings });
      go({ page: 'import', id });
    });

  const settingsControls = (
    <Group>
      <Select
        label="Mode"
        data={[
          { value: 'create_and_update', label: 'Create and update' },
          { value: 'create_only', label: 'Create only' },
          { value: 'update_only', label: 'Update only' },
        ]}
        value={settings.mode}
        onChange={(v) => v && setSettings({ ...settings, mode: v as Settings['mode'] })}
        allowDeselect={false}
      />
      <Select
        label="Dates"
        data={[
          { value: 'auto', label: 'Tell from the column' },
          { value: 'iso', label: 'YYYY-MM-DD' },
          { value: 'month_first', label: 'MM/DD/YYYY' },
          { value: 'day_first', label: 'DD/MM/YYYY' },
        ]}
        value={settings.date_format}
        onChange={(v) => v && setSettings({ ...settings, date_format: v as Settings['date_format'] })}
        allowDeselect={false}
      />
      <Select
        label="A blank cell on update"
        data={[
          { value: 'keep', label: 'Keeps the stored value' },
          { value: 'clear', label: 'Clears the stored value' },
        ]}
        value={settings.blank_on_update}
        onChange={(v) => v && setSettings({ ...settings, blank_on_update: v as Settings['blank_on_update'] })}
        allowDeselect={false}
      />
    </Group>
  );

  return (
    <Stack>
      <Group justify="space-between">
        <Title order={1} size="h2">
          {preview ? 'Preview' : 'Mapping'}: {item.file_name}
        </Title>
        <StatusBadge status={item.status} />
      </Group>
      <Text size="sm" c="dimmed">
        {analysis.row_count} rows · {item.entity} · {analysis.format}
        {analysis.encoding ? ` · ${analysis.encoding}` : ''}
        {analysis.delimiter ? ` · ${analysis.delimiter}-delimited` : ''}
      </Text>
      {item.corrects && (
        <Text size="sm">
          Corrects <Anchor href={href({ page: 'import', id: item.corrects })}>import {item.corrects}</Anchor>
        </Text>
      )}
      {analysis.warnings.map((w) => (
        <Alert key={w} color="yellow">
          {w}
        </Alert>
      ))}
      {note && (
        <Alert color={note.color} role={note.color === 'red' ? 'alert' : 'status'} data-testid="note">
          {note.text}
        </Alert>
      )}
      <ErrorMessage error={error} />

      {!preview && (
        <>
          <Group align="end">
            <Select
              label="Mapping Template"
              placeholder="None"
              data={templates.map((t) => {
                const fit = analysis.templates.find((f) => f.template_id === t.template_id);
                return {
                  value: t.template_id,
                  label: fit ? `${t.name} (fits ${Math.round(fit.fit * 100)}%)` : t.name,
                };
              })}
              value={templateId}
              onChange={choose}
              clearable
              w={300}
            />
            <Button variant="default" onClick={() => setSaveAs(true)} loading={busy === 'save'}>
              Save As…
            </Button>
            <Button variant="default" disabled={!selected} onClick={() => update(false)} loading={busy === 'update'}>
              Update
            </Button>
            <Button variant="default" disabled={!selected} onClick={() => update(true)} loading={busy === 'replace'}>
              Replace
            </Button>
            <Button variant="default" color="red" disabled={!selected} onClick={() => setConfirmDelete(true)}>
              Delete
            </Button>
          </Group>
          {settingsControls}
          <Table aria-label="Mapping" data-testid="mapping-table" verticalSpacing="xs">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>File header</Table.Th>
                <Table.Th>Sample values</Table.Th>
                <Table.Th>Catalog field</Table.Th>
                <Table.Th>Suggestion</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {analysis.headers.map((header, column) => {
                const s = suggestion(header);
                const chosen = state[header];
                const suggested = s?.field && chosen === s.field;
                return (
                  <Table.Tr key={`${column}-${header}`} data-testid="mapping-row" data-header={header}>
                    <Table.Td>
                      <Text fw={500}>{header || <i>(blank header)</i>}</Text>
                    </Table.Td>
                    <Table.Td>
                      <Text size="xs" c="dimmed" maw={220} truncate="end">
                        {samples(analysis, column).join(' · ')}
                      </Text>
                    </Table.Td>
                    <Table.Td miw={280}>
                      <Select
                        aria-label={`Catalog field for ${header}`}
                        placeholder="Not imported"
                        data={optionsFor(catalog, state, header)}
                        value={chosen}
                        onChange={(v) => {
                          setState(assign(state, header, v));
                          setPreview(null);
                        }}
                        onSearchChange={(text) => {
                          // An emptied box means "not imported", as it shows.
                          if (text === '' && chosen) setState((now) => assign(now, header, null));
                        }}
                        searchable
                        clearable
                        allowDeselect={false}
                        filter={filter}
                        nothingFoundMessage="No field matches"
                        maxDropdownHeight={300}
                        disabled={!header}
                      />
                    </Table.Td>
                    <Table.Td>
                      {s?.field && suggested && (
                        <Badge
                          color={s.confidence < REVIEW_BELOW ? 'yellow' : 'green'}
                          variant="light"
                          data-testid={s.confidence < REVIEW_BELOW ? 'review' : 'confident'}
                        >
                          {s.confidence < REVIEW_BELOW ? 'Review: ' : 'Suggested: '}
                          {Math.round(s.confidence * 100)}%
                        </Badge>
                      )}
                      {s?.field && !suggested && (
                        <Text size="xs" c="dimmed">
                          Possibly {s.label ?? s.field} ({Math.round(s.confidence * 100)}%)
                        </Text>
                      )}
                    </Table.Td>
                  </Table.Tr>
                );
              })}
            </Table.Tbody>
          </Table>
        </>
      )}

      {missing.length > 0 ? (
        <Alert color="orange" title="Mandatory fields not mapped" data-testid="missing">
          Map {missing.map((f) => f.label).join(', ')} to start the import.
        </Alert>
      ) : (
        <Text size="sm" c="green.8" data-testid="all-mandatory">
          Every mandatory field is mapped.
        </Text>
      )}

      {preview && <PreviewView preview={preview} analysis={analysis} state={state} fields={fields} />}

      <Group>
        {preview ? (
          <Button variant="default" onClick={() => setPreview(null)}>
            Back to mapping
          </Button>
        ) : (
          <Button variant="default" onClick={runPreview} disabled={missing.length > 0} loading={busy === 'preview'}>
            Preview
          </Button>
        )}
        <Button onClick={start} disabled={missing.length > 0} loading={busy === 'start'}>
          Start import
        </Button>
      </Group>

      <SaveAsDialog opened={saveAs} onClose={() => setSaveAs(false)} onSave={save} busy={busy === 'save'} note={note} />
      <Modal opened={confirmDelete} onClose={() => setConfirmDelete(false)} title="Delete template">
        <Stack>
          <Text>Delete the template "{selected?.name}"? Imports already run keep their mapping.</Text>
          <Group justify="end">
            <Button variant="default" onClick={() => setConfirmDelete(false)}>
              Cancel
            </Button>
            <Button color="red" onClick={remove} loading={busy === 'delete'}>
              Delete
            </Button>
          </Group>
        </Stack>
      </Modal>
    </Stack>
  );
}

function SaveAsDialog(props: {
  opened: boolean;
  onClose: () => void;
  onSave: (name: string) => void;
  busy: boolean;
  note: Note;
}) {
  const [name, setName] = useState('');
  return (
    <Modal opened={props.opened} onClose={props.onClose} title="Save mapping as a template">
      <form
        onSubmit={(e) => {
          e.preventDefault();
          props.onSave(name);
        }}
      >
        <Stack>
          <TextInput
            label="Template name"
            value={name}
            onChange={(e) => setName(e.currentTarget.value)}
            data-autofocus
            required
          />
          <Text size="xs" c="dimmed">
            Saves the mapping and the import settings (mode, dates, blank cells) for your company.
          </Text>
          {props.note?.color === 'red' && (
            <Alert color="red" role="alert">
              {props.note.text}
            </Alert>
          )}
          <Group justify="end">
            <Button variant="default" onClick={props.onClose}>
              Cancel
            </Button>
            <Button type="submit" loading={props.busy}>
              Save
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

function PreviewView({
  preview,
  analysis,
  state,
  fields,
}: {
  preview: Preview;
  analysis: Analysis;
  state: MappingState;
  fields: Map<string, { label: string }>;
}) {
  const columns = analysis.headers.map((h, i) => ({ header: h, column: i, field: state[h] })).filter((c) => c.field);
  const s = preview.summary;
  return (
    <Stack>
      <SimpleGrid cols={{ base: 2, md: 4 }} data-testid="preview-summary">
        <Stat label="Rows" value={s.rows} />
        <Stat label="Valid" value={s.valid} />
        <Stat label="Invalid" value={s.invalid} />
        <Stat label="Would create" value={s.would_create} />
        <Stat label="Would update" value={s.would_update} />
        <Stat label="Would be unchanged" value={s.would_leave_unchanged} />
        <Stat label="Refused by the mode" value={s.would_fail} />
      </SimpleGrid>
      {Object.keys(s.errors_by_code).length > 0 && (
        <Text size="sm">
          Errors by code:{' '}
          {Object.entries(s.errors_by_code)
            .map(([code, n]) => `${code} (${n})`)
            .join(', ')}
        </Text>
      )}
      <Title order={2} size="h4">
        First {preview.rows.length} rows, mapped
      </Title>
      <Table.ScrollContainer minWidth={800}>
        <Table aria-label="Preview" data-testid="preview-table" withColumnBorders>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Row</Table.Th>
              {columns.map((c) => (
                <Table.Th key={c.column}>{fields.get(c.field!)?.label ?? c.field}</Table.Th>
              ))}
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {preview.rows.map((row) => {
              const raw = analysis.sample_rows.find((r) => r.row === row.row);
              return (
                <Table.Tr key={row.row}>
                  <Table.Td>{row.row}</Table.Td>
                  {columns.map((c) => {
                    const issue = row.errors.find(
                      (e) => e.header === c.header || e.column === c.column || e.field === c.field,
                    );
                    if (issue)
                      return (
                        <Table.Td key={c.column} bg="red.1" data-testid="invalid-cell">
                          <Tooltip label={issue.message} events={{ hover: true, focus: true, touch: true }} multiline w={260}>
                            <span tabIndex={0} aria-label={`${issue.value || '(blank)'}: ${issue.message}`}>
                              {issue.value || '(blank)'} ⚠
                            </span>
                          </Tooltip>
                        </Table.Td>
                      );
                    const value = row.valid ? (row.values[c.field!] ?? '') : (raw?.cells[c.column] ?? '');
                    return <Table.Td key={c.column}>{value}</Table.Td>;
                  })}
                </Table.Tr>
              );
            })}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
    </Stack>
  );
}

function Stat({ label, value }: { label: string; value: number }) {
  return (
    <Stack gap={0}>
      <Text size="xs" c="dimmed">
        {label}
      </Text>
      <Text size="xl" fw={600}>
        {value}
      </Text>
    </Stack>
  );
}
