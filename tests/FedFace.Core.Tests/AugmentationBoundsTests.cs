namespace FedFace.Core.Tests;

public sealed class AugmentationBoundsTests
{
    [Fact]
    public void Bounds_inside_their_ranges_are_accepted()
    {
        Assert.Empty(AugmentationBounds.Violations(0, 0, 0, 0));
        Assert.Empty(AugmentationBounds.Violations(0.49f, 0.99f, 180, 0.99f));
    }

    [Fact]
    public void Every_bound_outside_its_range_is_named_in_order()
    {
        var violations = AugmentationBounds.Violations(0.5f, -0.1f, float.NaN, 1).ToList();

        Assert.Equal(["MaxShift", "MaxScale", "MaxRotationDegrees", "ColorJitter"], violations.Select(v => v.Name));
        Assert.Equal("must be in [0, 0.5)", violations[0].Rule);
        Assert.Equal(0.5f, violations[0].Value);
    }
}
