// PROVISIONAL (to be regenerated)
import type { EscortKind } from "./EscortKind";

export type EscortRequest = { name: string, kind: EscortKind, organisation: string | null, contact: string | null, accompanies: Array<string>, };
