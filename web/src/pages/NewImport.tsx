import { Alert, Anchor, Group, Progress, Select, Stack, Text, Title } from '@mantine/core';
import { Dropzone } from '@mantine/dropzone';
import { useEffect, useState } from 'react';
import { api } from '../api';
import { ErrorMessage } from '../common';
import { go, href } from '../route';
import type { CreatedImport, Entity, Import } from '../types';
import { ENTITIES } from '../types';
import { ACCEPTED, postForm, refusal, SIZE_MESSAGE } from '../upload';

export function NewImport({ corrects }: { corrects?: string }) {
  const [entity, setEntity] = useState<Entity | null>(null);
  const [original, setOriginal] = useState<Import | null>(null);
  const [refused, setRefused] = useState<string | null>(null);
  const [progress, setProgress] = useState<number | null>(null);
  const [error, setError] = useState<unknown>(null);

  useEffect(() => {
    if (!corrects) return;
    api
      .get<Import>(`/imports/${encodeURIComponent(corrects)}`)
      .then((i) => {
        setOriginal(i);
        setEntity(i.entity);
      })
      .catch(setError);
  }, [corrects]);

  const upload = async (file: File) => {
    setError(null);
    const why = refusal(file);
    setRefused(why);
    if (why || !entity) return;
    try {
      setProgress(0);
      const created = await api.post<CreatedImport>('/imports', {
        entity,
        file_name: file.name,
        ...(corrects ? { corrects } : {}),
      });
      await postForm(created.upload.url, created.upload.fields, file, setProgress);
      setProgress(1);
      go({ page: 'map', id: created.import_id });
    } catch (err) {
      setProgress(null);
      setError(err);
    }
  };

  return (
    <Stack maw={720}>
      <Title order={1} size="h2">
        {corrects ? 'Re-upload corrected file' : 'New import'}
      </Title>
      {corrects && (
        <Alert color="blue" data-testid="corrects-note">
          This upload corrects the failed rows of{' '}
          <Anchor href={href({ page: 'import', id: corrects })}>{original?.file_name ?? corrects}</Anchor>; the two
          imports will be linked.
        </Alert>
      )}
      <Select
        label="What does the file hold?"
        placeholder="Pick an entity"
        data={ENTITIES.map((e) => ({ value: e, label: e[0].toUpperCase() + e.slice(1) }))}
        value={entity}
        onChange={(v) => setEntity(v as Entity | null)}
        disabled={!!corrects}
        allowDeselect={false}
        w={300}
      />
      <Text size="sm" data-testid="size-note">
        {SIZE_MESSAGE} CSV, TXT or XLSX.
      </Text>
      <Dropzone
        onDrop={(files) => files[0] && upload(files[0])}
        multiple={false}
        disabled={!entity || progress !== null}
        aria-label="Drop a file here or press Enter to choose one"
      >
        <Group justify="center" mih={120} style={{ pointerEvents: 'none' }}>
          <Stack gap={4} align="center">
            <Text size="lg">{entity ? 'Drop the file here, or click to choose it' : 'Pick the entity first'}</Text>
            <Text size="sm" c="dimmed">
              {ACCEPTED.join(', ')} · under 10 MB
            </Text>
          </Stack>
        </Group>
      </Dropzone>
      {refused && (
        <Alert color="red" role="alert" data-testid="refused">
          {refused}
        </Alert>
      )}
      {progress !== null && (
        <Stack gap={4}>
          <Text size="sm">Uploading… {Math.round(progress * 100)}%</Text>
          <Progress value={progress * 100} aria-label="Upload progress" data-testid="upload-progress" />
        </Stack>
      )}
      <ErrorMessage error={error} />
    </Stack>
  );
}
