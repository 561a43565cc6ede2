/** `$5.00`, `$0.0042`: cents from a dollar up, four decimals below it (small budgets and caps are real too). */
export const formatUsd = (n: number) => `$${n >= 1 || n === 0 ? n.toFixed(2) : n.toFixed(4)}`;
