// The upload: size checked before anything is sent, then the presigned
// POST form with the file last, with progress (fetch reports none).

export const MAX_BYTES = 10 * 1024 * 1024;
export const ACCEPTED = ['.csv', '.txt', '.xlsx'];

export const SIZE_MESSAGE = 'Files must be under 10 MB. Save as "CSV UTF-8" (recommended) or split the file.';

/** Why a file cannot be uploaded, or null when it can. */
export function refusal(file: { name: string; size: number }, maxBytes = MAX_BYTES): string | null {
  if (file.size > maxBytes) return `${file.name} is ${(file.size / 1024 / 1024).toFixed(1)} MB. ${SIZE_MESSAGE}`;
  if (file.size === 0) return `${file.name} is empty.`;
  const lower = file.name.toLowerCase();
  if (!ACCEPTED.some((ext) => lower.endsWith(ext))) return `${file.name} is not a CSV, TXT or XLSX file.`;
  return null;
}

export function postForm(
  url: string,
  fields: Record<string, string>,
  file: File,
  onProgress: (fraction: number) => void,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const form = new FormData();
    for (const [k, v] of Object.entries(fields)) form.append(k, v);
    form.append('file', file);
    const xhr = new XMLHttpRequest();
    xhr.open('POST', url);
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable) onProgress(e.loaded / e.total);
    };
    xhr.onload = () =>
      xhr.status >= 200 && xhr.status < 300
        ? resolve()
        : reject(new Error(`The storage refused the upload (HTTP ${xhr.status}).`));
    xhr.onerror = () => reject(new Error('The upload failed: the storage cannot be reached.'));
    xhr.send(form);
  });
}
