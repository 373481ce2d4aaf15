using System.Globalization;
using System.Text.Json;
using FedFace.Evaluation.Plotting;

namespace FedFace.Simulator.Experiments;

/// <summary>Writes an experiment's report and its plot of accuracy per round.</summary>
public static class ExperimentOutput
{
    public static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    public static async Task WriteAsync(ExperimentReport report, string directory, TextWriter output, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(directory);
        string reportPath = Path.Combine(directory, $"{report.Name}-report.json");
        await File.WriteAllTextAsync(reportPath, JsonSerializer.Serialize(report, Json), cancellationToken);
        string plotPath = Path.Combine(directory, $"{report.Name}-accuracy.png");
        var series = report.Curves.Select(c => new PlotSeries(c.Name, c.Points.Select(p => (p.Round, p.Accuracy * 100)).ToArray())).ToArray();
        double[] accuracies = [.. series.SelectMany(s => s.Points).Select(p => p.Y)];
        double padding = Math.Max(0.5, 0.04 * (accuracies.Max() - accuracies.Min())); // level lines off the frame
        PngEncoder.Write(plotPath, LinePlot.Render(new PlotOptions
        {
            Width = 800,
            Height = 520,
            YRange = (accuracies.Min() - padding, accuracies.Max() + padding),
            Title = $"{report.Name.ToUpperInvariant()}{(report.Quick ? " (quick)" : "")}: held-out LFW accuracy per round",
            XLabel = "round",
            YLabel = "accuracy %",
        }, series));
        output.WriteLine($"Report: {reportPath}");
        output.WriteLine($"Plot:   {plotPath}");
    }

    /// <summary>What was trained on and scored, in words, for the report.</summary>
    public static string Protocol(SimulatorOptions options)
    {
        FoldSplit split = FoldSplit.For(options);
        int folds = split.Scoring.Length;
        string allPairs = (600 * folds).ToString("N0", CultureInfo.InvariantCulture);
        return $"train on people of lfw-pairs.txt {split.TrainingFolds} ({options.MinImagesPerPerson}+ images, at most {options.MaxImagesPerPerson} each, " +
            $"{(options.MaxPeople > 0 ? $"{options.MaxPeople} people" : "all such people")}); score " +
            (options.EvalPairsPerFold > 0 ? $"{options.EvalPairsPerFold} pairs of each of {split.ScoringFolds} (sampled, not the exact protocol)" : $"all {allPairs} pairs of {split.ScoringFolds}") +
            $", threshold chosen on {folds - 1} fold{(folds > 2 ? "s" : "")}, accuracy on the remaining one, averaged" +
            (options.MaskedEval ? "; masked: synthetic mask on the second image of each pair" : "") +
            (options.ValidationSplit ? " (the validation split, for choosing settings: never the reported figures)" : "");
    }
}
