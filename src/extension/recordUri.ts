/**
 * URIs of one record of a file shown as a read-only document (a dataset record, a reward-log
 * rollout): the path shows the file's name and the record's id (made safe for a path), the query
 * holds the file, the record's 0-based index and its id.
 */
import path from "node:path";
import * as vscode from "vscode";

export interface RecordOfFile {
  file: string;
  record: number;
  id: string;
}

/** `scheme:/<file name>/<safe id><suffix>?<fileKey>=…&record=…&id=…`. */
export function recordOfFileUri(scheme: string, fileKey: string, suffix: string, ref: RecordOfFile): vscode.Uri {
  const safeId = ref.id.replace(/[\\/?#%:*"<>|\s]+/g, "_").slice(0, 80) || String(ref.record);
  const query = new URLSearchParams({ [fileKey]: ref.file, record: String(ref.record), id: ref.id }).toString();
  return vscode.Uri.from({ scheme, path: `/${path.basename(ref.file)}/${safeId}${suffix}`, query });
}

/** The record a `recordOfFileUri` names; undefined for another scheme or a damaged query. */
export function parseRecordOfFileUri(uri: vscode.Uri, scheme: string, fileKey: string): RecordOfFile | undefined {
  if (uri.scheme !== scheme) return undefined;
  const q = new URLSearchParams(uri.query);
  const file = q.get(fileKey);
  const id = q.get("id");
  const record = Number(q.get("record"));
  if (!file || id === null || !Number.isInteger(record) || record < 0) return undefined;
  return { file, record, id };
}
