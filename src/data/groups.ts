/** The thesis's report groups: its six largest categories, then everything else. */
export const REPORT_GROUPS = [
  "Answerability Classification",
  "Coreference Resolution",
  "Data to Text",
  "Question Rewriting",
  "Textual Entailment",
  "Title Generation",
  "Other Categories",
] as const;

export type ReportGroup = (typeof REPORT_GROUPS)[number];

const NAMED = new Set<string>(REPORT_GROUPS.slice(0, -1));

/** The report group of a task category (a task's Categories[0]). */
export function reportGroup(category: string): ReportGroup {
  return NAMED.has(category) ? (category as ReportGroup) : "Other Categories";
}
