/** When an event happened, as every record spells it (ISO 8601, UTC). */
export const now = (): string => new Date().toISOString();
