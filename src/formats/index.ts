/** Reading traces from files: formats, detection and the streaming record reader. */
export { readTraces, type ReadTracesOptions, type TraceRecordResult } from "./records";
export { detectFormat, detectRecordFormat, isFormatChoice, FORMAT_CHOICES, type FormatChoice, type DetectedFormat } from "./detect";
export { DEFAULT_JSONL_FIELDS, type JsonlFieldNames } from "./jsonl";
export { MATH_SHEPHERD_TAG } from "./mathShepherd";
