namespace FedFace.Vision.Tests;

public sealed class FaceSelectorTests
{
    private static FaceDetection Box(float x, float y, float side) =>
        new(x, y, side, side, [.. AlignmentTemplate.ArcFace112.Points.Select(p => (x + p.X * side / 112, y + p.Y * side / 112))], 0.9f);

    private static readonly FaceDetection BigOffCentre = Box(0, 0, 120), SmallCentral = Box(180, 180, 40), Tiny = Box(380, 380, 12);

    [Fact]
    public void LargestTakesTheBiggestBox()
    {
        var chosen = FaceSelector.Select([SmallCentral, BigOffCentre], 400, 400, FaceSelectionPolicy.Largest, 32);

        Assert.Equal(new FaceSelection(BigOffCentre, false), chosen);
    }

    [Fact]
    public void MostCentralTakesTheBoxNearestTheMiddle()
    {
        var chosen = FaceSelector.Select([BigOffCentre, SmallCentral], 400, 400, FaceSelectionPolicy.MostCentral, 32);

        Assert.Equal(new FaceSelection(SmallCentral, false), chosen);
    }

    [Fact]
    public void FacesUnderTheMinimumArePassedOver()
    {
        // The small face is the central one, but it is under a 50 px minimum; the big one is not.
        var chosen = FaceSelector.Select([SmallCentral, BigOffCentre], 400, 400, FaceSelectionPolicy.MostCentral, 50);

        Assert.Equal(new FaceSelection(BigOffCentre, false), chosen);
    }

    [Fact]
    public void OnlySmallFacesMeansTooSmallNotNoFace()
    {
        var chosen = FaceSelector.Select([Tiny, SmallCentral], 400, 400, FaceSelectionPolicy.Largest, 50);

        Assert.Equal(new FaceSelection(SmallCentral, true), chosen);
        Assert.Null(FaceSelector.Select([], 400, 400, FaceSelectionPolicy.Largest, 50));
    }

    [Theory]
    [InlineData("largest", FaceSelectionPolicy.Largest)]
    [InlineData("central", FaceSelectionPolicy.MostCentral)]
    [InlineData("Most-Central", FaceSelectionPolicy.MostCentral)]
    public void PoliciesParse(string text, FaceSelectionPolicy expected) => Assert.Equal(expected, FaceSelector.ParsePolicy(text));
}
