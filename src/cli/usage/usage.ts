import { Command, Option } from "clipanion";
import { USAGE_GROUPS } from "../../usage/ledger/usage-report.ts";
import { usageDocument } from "../../usage/usage-document.ts";
import { DEFAULT_SINCE, parseUsageParams, TIME_FORMS, UsageParamError } from "../../usage/usage-params.ts";
import { BaseCommand } from "../base-command.ts";
import { formatUsageTable } from "./format-usage.ts";
import { openCliUsageReader } from "./open-usage-reader.ts";
import { usageCsv } from "./usage-csv.ts";

export class UsageCommand extends BaseCommand {
  static override paths = [["usage"]];
  static override usage = Command.Usage({
    category: "Monitoring",
    description: "requests, tokens and cost from the usage ledger, in a range, grouped and filtered",
    details:
      "Reads the ledger's database directly (read-only; the server need not run, and a running one is not disturbed). " +
      `\`--since\` and \`--until\` take ${TIME_FORMS}; a date as \`--until\` includes that day. Default: the last ${DEFAULT_SINCE}, until now. ` +
      "Costs are at the prices when each request was recorded; requests without a known cost (no price for the model, or no usage reported) are counted apart, never as $0. " +
      "A running gateway writes its rows at least every `usage.flush_interval` seconds.",
    examples: [
      ["Cost per key this month", "$0 usage --since month --by key"],
      ["One key's daily spend in January", "$0 usage --key team --since 2026-01-01 --until 2026-01-31 --by day"],
      ["The last 24 hours per model, as CSV", "$0 usage --since 24h --by model --csv > usage.csv"],
    ],
  });

  since = Option.String("--since", { description: `Start of the range (default ${DEFAULT_SINCE}): 7d, 24h, 30m, 2026-01-31, 2026-01-31T12:00Z, today, month` });
  until = Option.String("--until", { description: "End of the range (default now); same forms, a date includes that day" });
  by = Option.Array("--by", { description: `Group by one of ${USAGE_GROUPS.join(", ")}` });
  key = Option.String("--key", { description: "Only this gateway key (id or unique name)" });
  account = Option.String("--account", { description: "Only this upstream account (id or unique name)" });
  model = Option.String("--model", { description: "Only this model (the model served)" });
  json = Option.Boolean("--json", false, { description: "Print one JSON document" });
  csv = Option.Boolean("--csv", false, { description: "Print CSV: one line per group, the totals last" });

  async run() {
    if (this.json && this.csv) this.usageError("--json and --csv exclude each other");
    const store = this.store();
    const config = store.load();
    let parsed;
    try {
      parsed = parseUsageParams(
        { since: this.since, until: this.until, by: this.by, key: this.key, account: this.account, model: this.model },
        config,
        Date.now(),
      );
    } catch (e) {
      if (e instanceof UsageParamError) this.usageError(`--${e.param} ${e.detail}`);
      throw e;
    }
    for (const u of parsed.unknown) {
      this.context.stderr.write(`note: no ${u.param === "key" ? "gateway key" : "upstream account"} has the id or name "${u.ref}" now; the ledger's rows are matched by that id\n`);
    }
    const reader = openCliUsageReader(store, config);
    let report;
    try {
      report = await reader.query(parsed.query);
    } finally {
      await reader.close();
    }
    const doc = usageDocument(parsed.query, report, config);
    if (!report) {
      const off = config.usage.enabled ? "" : " (the ledger is off: usage.enabled is false)";
      const note = `No usage recorded yet${off}: there is no usage ledger at ${reader.where}.`;
      if (this.json || this.csv) this.context.stderr.write(`note: ${note}\n`);
      else return this.print(note);
    }
    if (this.csv) {
      this.context.stdout.write(usageCsv(doc));
      return;
    }
    this.output(this.json, doc, () => formatUsageTable(doc, parsed.query.since));
  }
}
