/** The study's Markdown note: rendered without raw HTML, editable when the storage is writable. */
import { useState } from 'react';
import { ApiError } from '../../api.js';
import { api, errorText, useLoad } from '../client.js';
import { ErrorLine } from '../components/bits.js';
import { MarkdownView } from '../components/markdown-view.js';
import { formatTime } from '../format.js';
import { useReloadOnTick } from '../live.js';

export function NotesCard({ studyId, tick }: { readonly studyId: number; readonly tick: number }) {
  const note = useLoad(`note:${studyId}`, () => api.note(studyId));
  const [draft, setDraft] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  useReloadOnTick(draft === null ? tick : 0, note.reload, note.loading);

  const save = () => {
    if (draft === null || note.data === null) return;
    setSaving(true);
    api.saveNote(studyId, { markdown: draft, version: note.data.version }).then(
      () => {
        setDraft(null);
        setError(null);
        setSaving(false);
        note.reload();
      },
      (e: unknown) => {
        setSaving(false);
        setError(e instanceof ApiError && e.status === 409 ? 'Someone else changed the note meanwhile. Copy your text, reload, and edit again.' : errorText(e));
      },
    );
  };

  return (
    <section className="card wide notes">
      <div className="card-head">
        <h2>Notes</h2>
        {draft === null ? (
          <button type="button" onClick={() => setDraft(note.data?.markdown ?? '')} disabled={note.data === null}>
            Edit
          </button>
        ) : (
          <span>
            <button type="button" onClick={save} disabled={saving}>
              Save
            </button>{' '}
            <button type="button" onClick={() => setDraft(null)}>
              Cancel
            </button>
          </span>
        )}
      </div>
      <ErrorLine error={note.error ?? error} />
      {draft !== null ? (
        <textarea className="note-editor" value={draft} onChange={(e) => setDraft(e.target.value)} rows={12} aria-label="Note (Markdown)" />
      ) : note.data === null ? null : note.data.markdown.trim() === '' ? (
        <p className="muted">No note yet. Notes are Markdown: headings, lists, links, code.</p>
      ) : (
        <>
          <MarkdownView source={note.data.markdown} />
          {note.data.updatedAt !== null ? <p className="muted">Saved {formatTime(note.data.updatedAt)}</p> : null}
        </>
      )}
    </section>
  );
}
