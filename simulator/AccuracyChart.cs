using ScottPlot;

namespace FedFace.Simulator;

/// <summary>
/// The federation's held-out accuracy per round as a PNG: unmasked and (when scored) masked pairs, each round's point
/// with bars of ± one paired standard error of its change since round 0.
/// </summary>
public static class AccuracyChart
{
    public static void Write(string path, IReadOnlyList<RoundRow> rows, string title)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var plot = new Plot();
        double[] rounds = [.. rows.Select(r => (double)r.Round)];
        AddCurve(plot, "unmasked pairs", rounds, [.. rows.Select(r => r.Accuracy)], [.. rows.Select(r => r.UnmaskedChange?.StandardError ?? 0)]);
        if (rows.All(r => r.MaskedAccuracy is not null))
        {
            AddCurve(plot, "masked pairs (second face masked)", rounds, [.. rows.Select(r => r.MaskedAccuracy!.Value)],
                [.. rows.Select(r => r.MaskedChange?.StandardError ?? 0)]);
        }
        plot.Title($"{title}\nbars: ± one paired standard error of the change since round 0");
        plot.XLabel("round (0 = the starting model)");
        plot.YLabel("held-out accuracy (%)");
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericFixedInterval(1);
        plot.Legend.Alignment = Alignment.LowerRight;
        plot.ShowLegend();
        plot.SavePng(path, 800, 500);
    }

    private static void AddCurve(Plot plot, string name, double[] rounds, double[] accuracies, double[] standardErrors)
    {
        double[] percent = [.. accuracies.Select(a => a * 100)];
        ScottPlot.Plottables.Scatter curve = plot.Add.Scatter(rounds, percent);
        curve.LegendText = name;
        curve.LineWidth = 2;
        curve.MarkerSize = 7;
        ScottPlot.Plottables.ErrorBar bars = plot.Add.ErrorBar(rounds, percent, [.. standardErrors.Select(e => e * 100)]);
        bars.Color = curve.Color;
    }
}
