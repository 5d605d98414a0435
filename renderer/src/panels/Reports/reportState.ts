// What the Reports panel shows and where "Send to report" sends, kept outside the components so the Compare and
// Features panels can send to the report last used and open it in the Reports panel.
import { reactive } from 'vue';
import { state } from '../../store';

export const rview = reactive({
  /** The report shown in the Reports panel. */
  selectedId: null as number | null,
  /** Where the next "Send to report" goes: a report id, or null for a new report. */
  target: null as number | null,
});

export function openReport(id: number): void {
  rview.selectedId = id;
  state.panel = 'reports';
}

/** Save a file the engine made (a report) through the browser's download: works in Electron and in a browser. */
export function downloadFile(fileName: string, text: string, type: string): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  document.body.appendChild(a);
  a.click();
  a.remove();
  // The download has started by now; the URL is only needed until then.
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
