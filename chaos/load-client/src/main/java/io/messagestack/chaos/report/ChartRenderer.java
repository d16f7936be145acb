package io.messagestack.chaos.report;

import io.messagestack.chaos.analysis.ClientResult;
import io.messagestack.chaos.analysis.ClusterSeries;
import io.messagestack.chaos.analysis.ScenarioResult;
import io.messagestack.chaos.analysis.Timeline;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.CombinedDomainXYPlot;
import org.jfree.chart.plot.IntervalMarker;
import org.jfree.chart.plot.ValueMarker;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.StackedXYBarRenderer;
import org.jfree.chart.renderer.xy.StandardXYBarPainter;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.chart.renderer.xy.XYStepRenderer;
import org.jfree.chart.ui.Layer;
import org.jfree.chart.ui.RectangleAnchor;
import org.jfree.chart.ui.TextAnchor;
import org.jfree.data.xy.DefaultTableXYDataset;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * One PNG per scenario: the careful client's requests (ok/failed bars) and latency over time, the plain
 * client's failed requests (red crosses) and p99 (dashed) on the same axes, the fault shaded, Ready marked;
 * when the run has them, a third panel with the Galera cluster size and HAProxy's writer over time.
 */
public final class ChartRenderer {
    private static final Color FAULT = new Color(255, 140, 0, 70);
    private static final Color READY = new Color(0, 140, 0);

    private ChartRenderer() {
    }

    public static void render(ScenarioResult r, Path png) throws IOException {
        System.setProperty("java.awt.headless", "true");
        double origin = r.loadStartMs();
        double binSeconds = r.timelineBinMs() / 1000.0;

        // With several clients the legend names whose bars and lines these are.
        String who = r.clients().size() > 1 ? r.clients().get(0).client() + " " : "";
        XYSeries ok = new XYSeries(who + "ok", true, false);
        XYSeries failed = new XYSeries(who + "failed", true, false);
        XYSeries p50 = new XYSeries(who + "p50");
        XYSeries p99 = new XYSeries(who + "p99");
        XYSeries max = new XYSeries(who + "max");
        for (Timeline.Bin b : r.timeline()) {
            double x = b.offsetMs() / 1000.0;
            ok.add(x, b.ok());
            failed.add(x, b.failed());
            if (b.ok() + b.failed() > 0) {
                // The log axis cannot show 0; sub-millisecond answers are drawn at 0.1 ms.
                p50.add(x, Math.max(0.1, b.p50()));
                p99.add(x, Math.max(0.1, b.p99()));
                max.add(x, Math.max(0.1, b.max()));
            }
        }
        DefaultTableXYDataset counts = new DefaultTableXYDataset();
        counts.addSeries(ok);
        counts.addSeries(failed);
        // The other clients (the plain one) drawn over the bars: failed requests per bin as points, p99 as a line.
        XYSeriesCollection otherFailed = new XYSeriesCollection();
        XYSeriesCollection otherP99 = new XYSeriesCollection();
        String primary = r.clients().isEmpty() ? null : r.clients().get(0).client();
        for (ClientResult c : r.clients()) {
            if (c.client().equals(primary)) {
                continue;
            }
            XYSeries f = new XYSeries(c.client() + " failed");
            XYSeries p = new XYSeries(c.client() + " p99");
            for (Timeline.Bin b : c.timeline()) {
                double x = b.offsetMs() / 1000.0;
                if (b.failed() > 0) {
                    f.add(x, b.failed());
                }
                if (b.ok() + b.failed() > 0) {
                    p.add(x, Math.max(0.1, b.p99()));
                }
            }
            otherFailed.addSeries(f);
            otherP99.addSeries(p);
        }
        StackedXYBarRenderer bars = new StackedXYBarRenderer(0.1);
        bars.setBarPainter(new StandardXYBarPainter());
        bars.setShadowVisible(false);
        bars.setSeriesPaint(0, new Color(120, 150, 200));
        bars.setSeriesPaint(1, new Color(210, 30, 30));
        NumberAxis countAxis = new NumberAxis("requests per " + binSeconds + " s");
        countAxis.setStandardTickUnits(NumberAxis.createIntegerTickUnits());
        XYPlot countPlot = new XYPlot(counts, null, countAxis, bars);
        if (otherFailed.getSeriesCount() > 0) {
            XYLineAndShapeRenderer points = new XYLineAndShapeRenderer(false, true);
            points.setSeriesPaint(0, new Color(120, 0, 0));
            points.setSeriesShape(0, org.jfree.chart.util.ShapeUtils.createDiagonalCross(4f, 1f));
            // Renderer first: with no renderer of its own a new dataset is measured by the stacked bars' one.
            countPlot.setRenderer(1, points);
            countPlot.setDataset(1, otherFailed);
            countPlot.setDatasetRenderingOrder(org.jfree.chart.plot.DatasetRenderingOrder.FORWARD); // crosses over bars
        }

        XYSeriesCollection latency = new XYSeriesCollection();
        latency.addSeries(p50);
        latency.addSeries(p99);
        latency.addSeries(max);
        XYLineAndShapeRenderer lines = new XYLineAndShapeRenderer(true, false);
        lines.setSeriesPaint(0, new Color(40, 100, 200));
        lines.setSeriesPaint(1, new Color(230, 120, 0));
        lines.setSeriesPaint(2, new Color(150, 150, 150));
        LogAxis latencyAxis = new LogAxis("latency (ms, log scale)");
        latencyAxis.setSmallestValue(0.1);
        latencyAxis.setBase(10);
        XYPlot latencyPlot = new XYPlot(latency, null, latencyAxis, lines);
        if (otherP99.getSeriesCount() > 0) {
            XYLineAndShapeRenderer dashed = new XYLineAndShapeRenderer(true, false);
            dashed.setSeriesPaint(0, new Color(200, 0, 120));
            dashed.setSeriesStroke(0, new BasicStroke(1.5f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f,
                    new float[] {4f, 3f}, 0f));
            latencyPlot.setRenderer(1, dashed);
            latencyPlot.setDataset(1, otherP99);
        }

        NumberAxis time = new NumberAxis("seconds since the load started");
        CombinedDomainXYPlot plot = new CombinedDomainXYPlot(time);
        plot.setGap(8);
        plot.add(countPlot, 1);
        plot.add(latencyPlot, 1);
        List<XYPlot> panels = new ArrayList<>(List.of(countPlot, latencyPlot));
        if (!r.cluster().isEmpty()) {
            XYPlot clusterPlot = clusterPlot(r.cluster(), origin);
            plot.add(clusterPlot, 1);
            panels.add(clusterPlot);
        }
        for (XYPlot p : panels) {
            p.setBackgroundPaint(Color.WHITE);
            p.setDomainGridlinePaint(Color.LIGHT_GRAY);
            p.setRangeGridlinePaint(Color.LIGHT_GRAY);
            IntervalMarker fault = new IntervalMarker((r.faultStartMs() - origin) / 1000.0,
                    Math.max(r.faultEndMs() - origin, r.faultStartMs() - origin + 100) / 1000.0);
            fault.setPaint(FAULT);
            if (p == countPlot) {
                fault.setLabel("fault");
                fault.setLabelAnchor(RectangleAnchor.TOP_LEFT);
                fault.setLabelTextAnchor(TextAnchor.TOP_LEFT);
            }
            p.addDomainMarker(fault, Layer.BACKGROUND);
            if (r.readyAtMs() != null) {
                ValueMarker ready = new ValueMarker((r.readyAtMs() - origin) / 1000.0, READY,
                        new BasicStroke(1.5f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, new float[] {6f, 4f}, 0f));
                if (p == countPlot) {
                    ready.setLabel("Ready");
                    ready.setLabelAnchor(RectangleAnchor.TOP_RIGHT);
                    ready.setLabelTextAnchor(TextAnchor.TOP_LEFT);
                }
                p.addDomainMarker(ready, Layer.FOREGROUND);
            }
        }
        StringBuilder title = new StringBuilder(r.scenario() + ": ");
        if (r.clients().isEmpty()) {
            title.append(r.failedRequests()).append(" of ").append(r.requests()).append(" requests failed");
        } else {
            List<String> parts = new ArrayList<>();
            r.clients().forEach(c -> parts.add(c.client() + " " + c.failedRequests() + " of " + c.requests()));
            title.append(String.join(", ", parts)).append(" requests failed");
        }
        JFreeChart chart = new JFreeChart(title.toString(), JFreeChart.DEFAULT_TITLE_FONT, plot, true);
        chart.setBackgroundPaint(Color.WHITE);
        ChartUtils.saveChartAsPNG(png.toFile(), chart, 1000, panels.size() > 2 ? 760 : 560);
    }

    /**
     * The Galera cluster size (left axis) and HAProxy's writer as db-N's ordinal (right axis), as the lab's
     * Prometheus scraped them (every 10 s, so a move shows up to one scrape late). A gap: nothing reported.
     */
    private static XYPlot clusterPlot(List<ClusterSeries.Sample> samples, double origin) {
        XYSeries size = new XYSeries("Galera cluster size");
        XYSeries writer = new XYSeries("HAProxy writer (db-N)");
        for (ClusterSeries.Sample s : samples) {
            double x = (s.atMs() - origin) / 1000.0;
            size.add(x, s.clusterSize());
            writer.add(x, s.writerOrdinal());
        }
        // Fixed ranges that keep the two step lines apart where their values coincide.
        int maxSize = samples.stream().map(ClusterSeries.Sample::clusterSize).filter(v -> v != null)
                .mapToInt(Integer::intValue).max().orElse(3);
        int maxOrdinal = samples.stream().map(ClusterSeries.Sample::writerOrdinal).filter(v -> v != null)
                .mapToInt(Integer::intValue).max().orElse(2);
        NumberAxis sizeAxis = new NumberAxis("cluster size");
        sizeAxis.setStandardTickUnits(NumberAxis.createIntegerTickUnits());
        sizeAxis.setRange(0, maxSize + 1);
        XYStepRenderer sizeLine = new XYStepRenderer();
        sizeLine.setSeriesPaint(0, new Color(0, 110, 60));
        sizeLine.setSeriesStroke(0, new BasicStroke(2f));
        XYPlot p = new XYPlot(new XYSeriesCollection(size), null, sizeAxis, sizeLine);
        NumberAxis writerAxis = new NumberAxis("writer: db-N");
        writerAxis.setStandardTickUnits(NumberAxis.createIntegerTickUnits());
        writerAxis.setRange(-0.5, Math.max(maxOrdinal, 2) + 0.7);
        p.setRangeAxis(1, writerAxis);
        p.setDataset(1, new XYSeriesCollection(writer));
        p.mapDatasetToRangeAxis(1, 1);
        XYStepRenderer writerLine = new XYStepRenderer();
        writerLine.setSeriesPaint(0, new Color(120, 40, 160));
        writerLine.setSeriesStroke(0, new BasicStroke(1.5f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f,
                new float[] {5f, 3f}, 0f));
        p.setRenderer(1, writerLine);
        return p;
    }
}
