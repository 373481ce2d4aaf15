using FedFace.Evaluation;

namespace FedFace.Simulator;

/// <summary>What the federation changed, from the first row to the last, said against its noise.</summary>
public static class ChangeSummary
{
    /// <summary>Gains beyond this many standard errors are called visible; within it, noise.</summary>
    public const double VisibleStandardErrors = 2;

    public static IEnumerable<string> Lines(IReadOnlyList<RoundRow> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        RoundRow first = rows[0], last = rows[^1];
        if (last.UnmaskedChange is { } unmasked)
        {
            yield return Line("Unmasked pairs", first.Accuracy, last.Accuracy, unmasked);
        }
        if (last.MaskedChange is { } masked)
        {
            yield return Line("Masked pairs  ", first.MaskedAccuracy!.Value, last.MaskedAccuracy!.Value, masked);
        }
    }

    private static string Line(string name, double before, double after, PairedAccuracyChange change) =>
        $"{name}: {new Reports.AccuracyEstimate(before, change.Pairs).Percent()} → {new Reports.AccuracyEstimate(after, change.Pairs).Percent()} (n = {change.Pairs}), {change.Gain * 100:+0.00;-0.00;0.00} ± {change.StandardError * 100:F2} points "
        + $"(paired SE over {change.Pairs} pairs: {change.Fixed} fixed, {change.Broken} broken; {change.StandardErrors:+0.0;-0.0;0.0} SE, "
        + $"{(Math.Abs(change.StandardErrors) > VisibleStandardErrors ? "beyond" : "within")} the noise of ±{VisibleStandardErrors} SE)";
}
