import { defineFaultMatrix } from "./fault-matrix.ts";

defineFaultMatrix("openai");
