/** Every export format, listed once: `steplens export --format`, the editor's quick pick and the docs use this table. */
import type { ExportFormat } from "./exportFormat";
import { mathShepherdFormat } from "./mathShepherd";
import { ormSftFormat } from "./ormSft";
import { processBenchFormat } from "./processbench";
import { prmCotSftFormat } from "./prmCotSft";
import { prmSftFormat } from "./prmSft";
import { trlPrmFormat } from "./trlPrm";
import { verlJsonlFormat, verlParquetFormat } from "./verl";

export type { ExportFormat, Row, RowContext, RowResult } from "./exportFormat";

export const EXPORT_FORMATS: readonly ExportFormat[] = [
  trlPrmFormat,
  mathShepherdFormat,
  prmSftFormat,
  prmCotSftFormat,
  ormSftFormat,
  processBenchFormat,
  verlParquetFormat,
  verlJsonlFormat,
];

export const EXPORT_FORMAT_NAMES: readonly string[] = EXPORT_FORMATS.map((f) => f.name);

export function findExportFormat(name: string): ExportFormat | undefined {
  return EXPORT_FORMATS.find((f) => f.name === name);
}
