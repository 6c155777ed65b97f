import type { IpcError } from "../../lib/ipc";
import { ReadFailed } from "./Notices";

interface Props {
  /** A read (useRead's answer). */
  query: { isLoading: boolean; error: IpcError | null; refetch: () => unknown };
  /** What could not be read, as the sentence starts: "The directory". */
  what: string;
  /** Said while the first answer is awaited: "Loading the directory…". */
  loading: string;
  className?: string | undefined;
}

/**
 * The one way a read says how it is going: a quiet line while the first answer is awaited, and
 * when the latest read failed, why, with Try again. Nothing once it has answered.
 */
export function QueryStatus({ query, what, loading, className = "muted" }: Props) {
  if (query.error) return <ReadFailed what={what} message={query.error.message} onRetry={() => void query.refetch()} />;
  if (query.isLoading) return <p className={className}>{loading}</p>;
  return null;
}
