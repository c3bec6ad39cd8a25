/** An error in the command line or its files: printed as one line, exit status 2. */
export class UsageError extends Error {}
