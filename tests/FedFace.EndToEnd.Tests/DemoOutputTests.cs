using FedFace.Client;
using FedFace.DevelopmentData;
using FedFace.Evaluation;
using FedFace.Simulator;
using FedFace.Vision;
using Microsoft.Extensions.Logging.Abstractions;

namespace FedFace.EndToEnd.Tests;

/// <summary>What the demo adds to the simulator: sites whose cameras see masked faces, changes read against their noise, the chart.</summary>
public sealed class DemoOutputTests
{
    [Fact]
    public void Masked_sites_and_their_share_are_read_from_their_flags_and_refused_out_of_range()
    {
        SimulatorOptions options = SimulatorSettingsTests.Parse("--sites", "4", "--masked-sites", "2", "--masked-share", "0.25");

        Assert.Equal((2, 0.25), (options.DomainShift.MaskedSites, options.DomainShift.MaskedShare));
        Assert.Empty(options.Problems());
        Assert.Contains("--masked-sites must be between 0 and --sites (4), got 5", SimulatorSettingsTests.Parse("--sites", "4", "--masked-sites", "5").Problems());
        Assert.Contains("--masked-share must be in [0, 1], got 1.5", SimulatorSettingsTests.Parse("--masked-share", "1.5").Problems());
    }

    [Fact]
    public void A_site_whose_cameras_see_masked_faces_trains_on_the_masked_rendering_of_its_share_of_photos()
    {
        using var pipeline = new FaceAlignmentPipeline(() => new YuNetFaceDetector(SharedData.YuNetModel), new FacePipelineSettings(), degreeOfParallelism: 2);
        LabelledImage[] photos = [.. Enumerable.Range(1, 8).Select(n => new LabelledImage(SharedData.LfwImage("George_W_Bush", n), "George_W_Bush"))];
        SiteData site = SiteData.Align(photos, pipeline, NullLogger.Instance, maskedRenderingSeed: 3);
        float[] bare = (float[])site.Faces.Pixels.Clone();
        int length = Learning.Training.FaceTrainingSet.ValuesPerImage;

        int masked = MaskedCameras.SeeMasked(site, share: 0.5, seed: 5);

        bool[] isMasked = [.. Enumerable.Range(0, site.Examples).Select(face =>
            site.Faces.Pixels.AsSpan(face * length, length).SequenceEqual(site.Faces.MaskedPixels.AsSpan(face * length, length)))];
        Assert.Equal(masked, isMasked.Count(m => m));
        Assert.InRange(masked, 1, site.Examples - 1);
        Assert.All(Enumerable.Range(0, site.Examples).Where(face => !isMasked[face]),
            face => Assert.True(site.Faces.Pixels.AsSpan(face * length, length).SequenceEqual(bare.AsSpan(face * length, length))));
        Assert.Equal(0, MaskedCameras.SeeMasked(SiteData.Align(photos, pipeline, NullLogger.Instance, maskedRenderingSeed: 3), share: 0, seed: 5));
    }

    [Fact]
    public void The_closing_summary_says_whether_each_change_is_beyond_two_standard_errors()
    {
        // 1,000 pairs: masked 40 fixed and 10 broken (+3.0 points, SE ≈ 0.70); unmasked 3 fixed and 4 broken.
        RoundRow first = Row(0, 0.99, 0.94, null, null);
        RoundRow last = Row(3, 0.989, 0.97, Change(3, 4), Change(40, 10));

        string[] lines = [.. ChangeSummary.Lines([first, last])];

        Assert.Equal(2, lines.Length);
        Assert.StartsWith("Unmasked pairs: 99.00 ± 0.34% → 98.90 ± 0.36% (n = 1000), -0.10 ± 0.26 points", lines[0]);
        Assert.EndsWith("within the noise of ±2 SE)", lines[0]);
        Assert.StartsWith("Masked pairs  : 94.00 ± 0.76% → 97.00 ± 0.55% (n = 1000), +3.00 ± 0.70 points (paired SE over 1000 pairs: 40 fixed, 10 broken; +4.3 SE", lines[1]);
        Assert.EndsWith("beyond the noise of ±2 SE)", lines[1]);
    }

    [Fact]
    public void The_accuracy_chart_is_written_as_a_png()
    {
        string path = Path.Combine(Path.GetTempPath(), $"fedface-chart-{Guid.NewGuid():N}.png");
        try
        {
            AccuracyChart.Write(path, [Row(0, 0.99, 0.94, null, null), Row(1, 0.99, 0.96, Change(3, 3), Change(30, 10))], "test");

            byte[] png = File.ReadAllBytes(path);
            Assert.True(png.Length > 1000, $"{png.Length} bytes");
            Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, png[..4]);
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static RoundRow Row(long round, double unmasked, double masked, PairedAccuracyChange? unmaskedChange, PairedAccuracyChange? maskedChange) =>
        new(round, round, true, 4, 4, null, unmasked, 0, masked, 0, 1, 1, UnmaskedChange: unmaskedChange, MaskedChange: maskedChange);

    /// <summary>The change over 1,000 pairs with these many fixed and broken, the rest right both times.</summary>
    private static PairedAccuracyChange Change(int fixedPairs, int brokenPairs) => PairedAccuracyChange.Between(
        [.. Enumerable.Repeat(false, fixedPairs), .. Enumerable.Repeat(true, brokenPairs), .. Enumerable.Repeat(true, 1000 - fixedPairs - brokenPairs)],
        [.. Enumerable.Repeat(true, fixedPairs), .. Enumerable.Repeat(false, brokenPairs), .. Enumerable.Repeat(true, 1000 - fixedPairs - brokenPairs)]);
}
