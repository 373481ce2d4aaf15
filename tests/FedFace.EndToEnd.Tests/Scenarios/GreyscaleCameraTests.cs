using FedFace.Client;
using FedFace.DevelopmentData;
using FedFace.Simulator;
using FedFace.Vision;
using Microsoft.Extensions.Logging.Abstractions;

namespace FedFace.EndToEnd.Tests.Scenarios;

/// <summary>A site whose cameras see no colour trains on grey faces (its masked renderings too); the others keep theirs.</summary>
public sealed class GreyscaleCameraTests
{
    private static readonly int Length = Learning.Training.FaceTrainingSet.ValuesPerImage;

    [Fact]
    public void A_greyscale_camera_turns_its_share_of_faces_and_their_masked_renderings_grey_and_leaves_the_rest_as_they_were()
    {
        SiteData site = Align();
        float[] colour = (float[])site.Faces.Pixels.Clone();
        Assert.False(IsGrey(colour.AsSpan(0, Length)));

        int grey = GreyscaleCameras.SeeGrey(site, share: 0.5, seed: 3);

        bool[] isGrey = [.. Enumerable.Range(0, site.Examples).Select(face => IsGrey(site.Faces.Pixels.AsSpan(face * Length, Length)))];
        Assert.Equal(grey, isGrey.Count(g => g));
        Assert.InRange(grey, 1, site.Examples - 1);
        Assert.All(Enumerable.Range(0, site.Examples).Where(face => isGrey[face]),
            face => Assert.True(IsGrey(site.Faces.MaskedPixels.AsSpan(face * Length, Length))));
        Assert.All(Enumerable.Range(0, site.Examples).Where(face => !isGrey[face]),
            face => Assert.True(site.Faces.Pixels.AsSpan(face * Length, Length).SequenceEqual(colour.AsSpan(face * Length, Length))));
    }

    [Fact]
    public void Grey_is_the_luma_of_the_three_channels_in_every_plane()
    {
        float[] face = [.. Enumerable.Repeat(1f, 4), .. Enumerable.Repeat(0f, 4), .. Enumerable.Repeat(-1f, 4)];

        GreyscaleCameras.ToGrey(face);

        Assert.All(face, value => Assert.Equal(0.299f - 0.114f, value, 5));
    }

    [Fact]
    public void Greyscale_sites_are_the_last_ones_and_their_flags_are_checked()
    {
        SimulatorOptions options = SimulatorSettingsTests.Parse("--sites", "4", "--greyscale-sites", "1", "--greyscale-share", "0.8");

        Assert.Empty(options.Problems());
        Assert.Equal([false, false, false, true], Enumerable.Range(0, 4).Select(site => options.DomainShift.IsGreyscale(site, 4)));
        Assert.Equal(0.8, options.DomainShift.GreyscaleShare);
        Assert.Contains("--greyscale-sites must be between 0 and --sites (4), got 5", SimulatorSettingsTests.Parse("--sites", "4", "--greyscale-sites", "5").Problems());
        Assert.Contains("--greyscale-share must be in [0, 1], got 2", SimulatorSettingsTests.Parse("--greyscale-share", "2").Problems());
    }

    private static bool IsGrey(ReadOnlySpan<float> face)
    {
        int plane = face.Length / 3;
        for (int i = 0; i < plane; i++)
        {
            if (face[i] != face[plane + i] || face[i] != face[2 * plane + i])
            {
                return false;
            }
        }
        return true;
    }

    private static SiteData Align()
    {
        using var pipeline = new FaceAlignmentPipeline(() => new YuNetFaceDetector(SharedData.YuNetModel), new FacePipelineSettings(), degreeOfParallelism: 2);
        LabelledImage[] photos = [.. Enumerable.Range(1, 8).Select(n => new LabelledImage(SharedData.LfwImage("George_W_Bush", n), "George_W_Bush"))];
        return SiteData.Align(photos, pipeline, NullLogger.Instance, maskedRenderingSeed: 3);
    }
}
