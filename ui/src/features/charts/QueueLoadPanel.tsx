import { useMemo } from "react";
import type { QueueLoad } from "../../bindings/QueueLoad";
import { queryKeys } from "../../lib/data/keys";
import { useRead } from "../../lib/data/query";
import { queueLoad } from "../../lib/ipc";
import { queueName } from "../operations/labels";
import { Plot } from "./Plot";
import { describeLoad, loadPlot, pointLabel } from "./queueLoad";
import { asDeviceRead } from "./useDeviceRead";

function LoadChart({ load }: { load: QueueLoad }) {
  const plot = useMemo(() => loadPlot(load), [load]);
  return <Plot xs={plot.xs} lines={plot.lines} height={44} compact fromZero className="queue-load-plot" />;
}

interface Props {
  /** Changes whenever the queues' counts may have (a sync round, a task taken here). */
  version: string;
}

/**
 * Work waiting and overdue in each of the user's queues over the last 7 days, from the tasks
 * on this device: a small chart per queue with its text alternative and the numbers by day.
 */
export function QueueLoadPanel({ version }: Props) {
  const read = asDeviceRead(useRead<QueueLoad[]>(queryKeys.queueLoad(version), queueLoad, { keepPrevious: true }));
  if (read.kind !== "loaded" || read.value.length === 0) return null;
  return (
    <section className="queue-load" aria-labelledby="queue-load-title" data-testid="queue-load">
      <h2 id="queue-load-title" className="queue-load-title">
        Last 7 days
      </h2>
      {read.value.map((load) => (
        <figure key={load.queue} className="queue-load-item" data-testid={`queue-load-${load.queue}`}>
          <figcaption className="queue-load-caption">
            <span className="queue-load-name">{queueName(load.queue)}</span>
            <span className="queue-load-key" aria-hidden="true">
              <span className="queue-load-waiting">waiting</span> · <span className="queue-load-overdue">overdue</span>
            </span>
          </figcaption>
          <LoadChart load={load} />
          <p className="visually-hidden" data-testid="queue-load-summary">
            {describeLoad(load)}
          </p>
          <details className="trend-readings">
            <summary>By day</summary>
            <table>
              <thead>
                <tr>
                  <th scope="col">Day</th>
                  <th scope="col" className="num">
                    Waiting
                  </th>
                  <th scope="col" className="num">
                    Overdue
                  </th>
                </tr>
              </thead>
              <tbody>
                {load.points.map((p, i) => (
                  <tr key={p.at}>
                    <th scope="row">{pointLabel(load, i)}</th>
                    <td className="num">{Number(p.waiting).toLocaleString("en-US")}</td>
                    <td className={Number(p.overdue) > 0 ? "num is-flagged" : "num"}>
                      {Number(p.overdue).toLocaleString("en-US")}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </details>
        </figure>
      ))}
    </section>
  );
}
