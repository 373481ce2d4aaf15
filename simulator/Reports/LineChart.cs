using ScottPlot;

namespace FedFace.Simulator.Reports;

/// <summary>One line of a chart; lines of the same <see cref="Series"/> share a colour (a variant's answered and dropped sites).</summary>
public sealed record ChartLine(string Label, int Series, double[] X, double[] Y, double[]? Errors = null, bool Dashed = false);

/// <summary>A per-round line chart as a PNG: one colour per variant, optional ± error bars, whole rounds on the x axis.</summary>
public static class LineChart
{
    public const int Width = 900, Height = 520;

    public static void Write(string path, string title, string yLabel, IReadOnlyList<ChartLine> lines)
    {
        ArgumentNullException.ThrowIfNull(lines);
        var plot = new Plot();
        var palette = new ScottPlot.Palettes.Category10();
        foreach (ChartLine line in lines)
        {
            Color color = palette.GetColor(line.Series);
            ScottPlot.Plottables.Scatter curve = plot.Add.Scatter(line.X, line.Y, color);
            curve.LegendText = line.Label;
            curve.LineWidth = 2;
            curve.MarkerSize = 6;
            curve.LinePattern = line.Dashed ? LinePattern.Dashed : LinePattern.Solid;
            if (line.Errors is { } errors)
            {
                ScottPlot.Plottables.ErrorBar bars = plot.Add.ErrorBar(line.X, line.Y, errors);
                bars.Color = color;
            }
        }
        plot.Title(title);
        plot.XLabel("round");
        plot.YLabel(yLabel);
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericFixedInterval(1);
        plot.Legend.Alignment = Alignment.LowerRight;
        plot.ShowLegend();
        plot.SavePng(path, Width, Height);
    }
}
