using System.Globalization;
using FedFace.Core.Storage;
using FedFace.Evaluation.Plotting;

namespace FedFace.Evaluation;

/// <summary>One operating point: pairs scoring strictly above <see cref="Threshold"/> are accepted.</summary>
public sealed record RocPoint(double Threshold, double FalseAcceptRate, double TrueAcceptRate);

/// <summary>
/// The exact ROC of a set of scored pairs: one point per distinct score, from accepting nothing (the threshold at
/// the highest score) to accepting everything (a threshold just below the lowest), computed from one sort.
/// </summary>
public static class RocCurve
{
    public static IReadOnlyList<RocPoint> Compute(IReadOnlyList<double> scores, IReadOnlyList<bool> samePerson)
    {
        ArgumentNullException.ThrowIfNull(scores);
        ArgumentNullException.ThrowIfNull(samePerson);
        if (scores.Count != samePerson.Count)
        {
            throw new ArgumentException($"{scores.Count} scores but {samePerson.Count} labels: they must match");
        }
        (double Score, bool Same)[] descending = scores.Zip(samePerson).ToArray();
        if (descending.Any(p => !double.IsFinite(p.Score)))
        {
            throw new ArgumentException("scores must be finite", nameof(scores));
        }
        long genuine = descending.Count(p => p.Same);
        long impostors = descending.Length - genuine;
        if (genuine == 0 || impostors == 0)
        {
            throw new ArgumentException($"a ROC needs both kinds of pairs; got {genuine} genuine and {impostors} impostor pairs");
        }
        Array.Sort(descending, static (a, b) => b.Score.CompareTo(a.Score));

        var points = new List<RocPoint> { new(descending[0].Score, 0, 0) };
        long trueAccepts = 0, falseAccepts = 0;
        for (int i = 0; i < descending.Length; i++)
        {
            if (descending[i].Same)
            {
                trueAccepts++;
            }
            else
            {
                falseAccepts++;
            }
            bool lastOfItsScore = i + 1 == descending.Length || descending[i + 1].Score < descending[i].Score;
            if (lastOfItsScore)
            {
                // Everything down to this score is accepted when the threshold is the next lower score.
                double threshold = i + 1 < descending.Length ? descending[i + 1].Score : Math.BitDecrement(descending[i].Score);
                points.Add(new RocPoint(threshold, (double)falseAccepts / impostors, (double)trueAccepts / genuine));
            }
        }
        return points;
    }

    /// <summary>
    /// Plots one or more ROCs as a PNG: TAR against FAR on a logarithmic FAR axis (from the decade of the smallest
    /// non-zero FAR to 1; FAR = 0 on the left edge), TAR from 0 to 1, a legend of the curve names.
    /// </summary>
    public static void WritePng(string path, IReadOnlyList<(string Name, IReadOnlyList<RocPoint> Points)> curves, string title = "ROC")
    {
        ArgumentNullException.ThrowIfNull(curves);
        PlotSeries[] series = curves
            .Select(c => new PlotSeries(c.Name, c.Points.Select(p => (p.FalseAcceptRate, p.TrueAcceptRate)).ToArray()))
            .ToArray();
        var options = new PlotOptions
        {
            Title = title,
            XLabel = "FALSE ACCEPT RATE",
            YLabel = "TRUE ACCEPT RATE",
            LogX = true,
            YRange = (0, 1),
        };
        PngEncoder.Write(path, LinePlot.Render(options, series));
    }

    /// <summary>Writes "threshold,far,tar" with a header line, round-trippable numbers, atomically.</summary>
    public static void WriteCsv(string path, IEnumerable<RocPoint> points)
    {
        ArgumentNullException.ThrowIfNull(points);
        AtomicFile.Write(path, stream =>
        {
            using var writer = new StreamWriter(stream, leaveOpen: true);
            writer.WriteLine("threshold,far,tar");
            foreach (RocPoint point in points)
            {
                writer.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{point.Threshold:R},{point.FalseAcceptRate:R},{point.TrueAcceptRate:R}"));
            }
        });
    }
}
