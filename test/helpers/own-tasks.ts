/** Test data shaped like a user's own files, shared by the task-import and own-task end-to-end tests. */

/**
 * `rows` tickets written the way a spreadsheet exports them: a BOM, CRLF, quoted fields with commas, doubled
 * quotes and line breaks, text in several scripts; the team ("it" or "finance") follows from the words.
 */
export function ticketsCsv(rows: number): string {
  return [
    "\uFEFFticket_id,text,team",
    ...Array.from({ length: rows }, (_, i) => {
      const n = i + 1;
      if (n === 1) return `T1,"Printer says ""PC LOAD LETTER"", again\r\nthird time today",it`;
      if (n === 2) return "T2,Réunion annulée — remboursement du billet ?,finance";
      if (n === 3) return "T3,请重置我的密码,it";
      return `T${n},${n % 2 ? "VPN drops on floor" : "Invoice missing for order"} ${n},${n % 2 ? "it" : "finance"}`;
    }),
  ].join("\r\n");
}

// 130 tickets: more than the 120 below which a task is "small".
export const TICKETS = ticketsCsv(130);
