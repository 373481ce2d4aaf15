namespace FedFace.Aggregator.Strategies.Robust;

/// <summary>
/// Coordinate-wise median (Yin et al. 2018): each coordinate takes the middle of its n values (the mean of the two
/// middle ones for even n), so fewer than half the updates cannot pull it outside the honest values' range.
/// </summary>
public sealed class CoordinateMedianRule(int byzantineSites) : CoordinateWiseRule(byzantineSites)
{
    public override string Name => "median";

    protected override float OfSorted(ReadOnlySpan<float> sorted)
    {
        int middle = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[middle] : (float)(((double)sorted[middle - 1] + sorted[middle]) / 2);
    }
}
