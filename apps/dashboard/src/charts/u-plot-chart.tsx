import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';

/** Props of {@link UPlotChart}. */
export interface UPlotChartProps {
  /** Chart options without the size; a new object rebuilds the chart, so callers memoise it. */
  options: Omit<uPlot.Options, 'width'>;
  /** Columns: x first, then one per series. New data redraws without rebuilding. */
  data: uPlot.AlignedData;
  /** An accessible name for the chart. */
  label: string;
}

/** A uPlot chart that fills its container's width and follows its resizes. */
export function UPlotChart({ options, data, label }: UPlotChartProps) {
  const host = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const latest = useRef(data);
  latest.current = data;

  useEffect(() => {
    const el = host.current;
    if (!el) return;
    const chart = new uPlot({ ...options, width: Math.max(200, el.clientWidth) }, latest.current, el);
    plot.current = chart;
    const observer = new ResizeObserver(() => {
      chart.setSize({ width: Math.max(200, el.clientWidth), height: options.height });
    });
    observer.observe(el);
    return () => {
      observer.disconnect();
      chart.destroy();
      plot.current = null;
    };
  }, [options]);

  useEffect(() => {
    plot.current?.setData(data);
  }, [data]);

  return <div class="chart" ref={host} role="img" aria-label={label} />;
}
