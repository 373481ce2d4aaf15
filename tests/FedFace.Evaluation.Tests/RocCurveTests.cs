using FedFace.Evaluation.Plotting;

namespace FedFace.Evaluation.Tests;

public sealed class RocCurveTests
{
    // Genuine 0.9, 0.8, 0.6; impostors 0.8, 0.7, 0.5 (0.8 is a genuine–impostor tie).
    private static readonly double[] Scores = [0.9, 0.8, 0.8, 0.7, 0.6, 0.5];
    private static readonly bool[] Same = [true, false, true, false, true, false];

    [Fact]
    public void Has_one_exact_point_per_distinct_score_from_accepting_nothing_to_accepting_everything()
    {
        IReadOnlyList<RocPoint> roc = RocCurve.Compute(Scores, Same);

        RocPoint[] expected =
        [
            new(0.9, 0, 0),
            new(0.8, 0, 1 / 3.0),
            new(0.7, 1 / 3.0, 2 / 3.0), // the tie at 0.8 moves both rates at once
            new(0.6, 2 / 3.0, 2 / 3.0),
            new(0.5, 2 / 3.0, 1),
            new(Math.BitDecrement(0.5), 1, 1),
        ];
        Assert.Equal(expected, roc);
        // Each point is what "accept when score > threshold" gives.
        Assert.All(roc, point =>
        {
            Assert.Equal(Scores.Where((s, i) => !Same[i] && s > point.Threshold).Count() / 3.0, point.FalseAcceptRate, 12);
            Assert.Equal(Scores.Where((s, i) => Same[i] && s > point.Threshold).Count() / 3.0, point.TrueAcceptRate, 12);
        });
    }

    [Fact]
    public void Writes_a_csv_with_a_header_and_a_png_plot()
    {
        using var scratch = new TempDirectory();
        IReadOnlyList<RocPoint> roc = RocCurve.Compute(Scores, Same);

        RocCurve.WriteCsv(scratch.File("roc.csv"), roc);
        RocCurve.WritePng(scratch.File("roc.png"), [("model", roc)]);

        string[] lines = File.ReadAllLines(scratch.File("roc.csv"));
        Assert.Equal("threshold,far,tar", lines[0]);
        Assert.Equal("0.9,0,0", lines[1]);
        Assert.Equal(roc.Count + 1, lines.Length);
        Assert.Equal(PngEncoder.Signature.ToArray(), File.ReadAllBytes(scratch.File("roc.png")).Take(8));
    }

    [Fact]
    public void Needs_both_kinds_of_pairs()
    {
        Assert.Throws<ArgumentException>(() => RocCurve.Compute([0.1, 0.2], [true, true]));
        Assert.Throws<ArgumentException>(() => RocCurve.Compute([0.1, double.NaN], [true, false]));
    }
}
