import { Command, Option } from "clipanion";
import { emptySums, totalsOf } from "../../usage/ledger/usage-report.ts";
import { BaseCommand } from "../base-command.ts";
import { formatTable } from "../format-table.ts";
import { keyView } from "../../config/mask-secrets.ts";
import { openCliUsageReader } from "../usage/open-usage-reader.ts";
import { monthByGroup, monthSpendCell } from "../usage/spend-summary.ts";
import { formatBudgets } from "./key-limits.ts";
import { keyState } from "./key-state.ts";

export class ApiKeyListCommand extends BaseCommand {
  static override paths = [["apikey", "list"]];
  static override usage = Command.Usage({
    category: "Gateway keys",
    description: "list gateway keys (prefix only, never the key) with this month's spend",
    details: "SPEND (MONTH) is this UTC month's cost from the usage ledger (`-`: nothing recorded; `unpriced`: requests without a known cost, not in the figure).",
  });

  json = Option.Boolean("--json", false, { description: "Print one JSON document" });

  async run() {
    const store = this.store();
    const config = store.load();
    const keys = config.gateway_keys;
    const now = Date.now();
    const spend = keys.length ? await monthByGroup(() => openCliUsageReader(store, config), this.context.stderr, "key", now) : new Map();
    const views = keys.map((k) => ({ ...keyView(k), usageThisMonth: spend ? (spend.get(k.id) ?? totalsOf(emptySums())) : null }));
    this.output(this.json, views, () => {
      if (keys.length === 0) return "No gateway keys. Create one with `llm-gateway apikey add --name NAME`.";
      return formatTable(
        ["ID", "NAME", "PREFIX", "PERMISSIONS", "STATUS", "RPM", "TPM", "BUDGET", "SPEND (MONTH)", "EXPIRES", "CREATED"],
        keys.map((k) => [
          k.id,
          k.name,
          k.key_prefix,
          k.permissions.join(","),
          keyState(k, now),
          k.rate_limit_rpm ? String(k.rate_limit_rpm) : "-",
          k.rate_limit_tpm ? String(k.rate_limit_tpm) : "-",
          formatBudgets(k.budget_usd_daily, k.budget_usd_monthly),
          monthSpendCell(spend, k.id),
          k.expires_at ?? "-",
          k.created_at,
        ]),
      );
    });
  }
}
