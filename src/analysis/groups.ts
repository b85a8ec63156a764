import { REPORT_GROUPS, reportGroup as dataReportGroup, type ReportGroup } from "../data/groups.js";

export { REPORT_GROUPS, type ReportGroup };

/**
 * The report group of a task category. Accepts SuperNI's keyed form ("textual_entailment", as its
 * evaluation writes categories) as well as the header's "Textual Entailment".
 */
export function reportGroup(category: string): ReportGroup {
  const wanted = category.replace(/_/g, " ").trim().toLowerCase();
  return dataReportGroup(REPORT_GROUPS.find((g) => g.toLowerCase() === wanted) ?? category);
}
