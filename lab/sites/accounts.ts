/**
 * The lab's users come from the scenario (src/scenario/sites.ts): the same credentials work on
 * the bank, mail and social sites, as people reuse passwords; scripted clients log in with them
 * and scenarios look for them in what the interceptor captured.
 */
import type { Account } from '../../src/scenario/sites.ts';

export type LabAccount = Account;

/** The account these credentials open, or undefined. */
export function checkCredentials(accounts: readonly LabAccount[], username: string, password: string): LabAccount | undefined {
  return accounts.find((account) => account.username === username && account.password === password);
}
