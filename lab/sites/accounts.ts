/**
 * The lab's users. The same credentials work on the bank, mail and social sites, as
 * people reuse passwords; scripted clients log in with these and scenarios look for
 * them in what the interceptor captured.
 */
export interface LabAccount {
  username: string;
  password: string;
  /** Name shown on pages and in the chat. */
  displayName: string;
}

export const LAB_ACCOUNTS: readonly LabAccount[] = Object.freeze([
  { username: 'alice', password: 'Almaty-2019!', displayName: 'Alice Zhaksylykova' },
  { username: 'bob', password: 'Steppe#Wolf7', displayName: 'Bob Serikbayev' },
]);

/** The account these credentials open, or undefined. */
export function checkCredentials(username: string, password: string): LabAccount | undefined {
  return LAB_ACCOUNTS.find((account) => account.username === username && account.password === password);
}
