namespace FedFace.Aggregator.Strategies.Robust;

/// <summary>
/// Coordinate-wise trimmed mean (Yin et al. 2018): each coordinate drops its f largest and f smallest values and
/// averages the n − 2f left, so f byzantine values, wherever they lie, are either dropped or between honest ones.
/// </summary>
public sealed class TrimmedMeanRule(int byzantineSites) : CoordinateWiseRule(byzantineSites)
{
    public override string Name => "trimmed-mean";

    protected override float OfSorted(ReadOnlySpan<float> sorted)
    {
        ReadOnlySpan<float> kept = sorted[ByzantineSites..^ByzantineSites];
        double sum = 0;
        foreach (float value in kept)
        {
            sum += value;
        }
        return (float)(sum / kept.Length);
    }
}
