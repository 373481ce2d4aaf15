using System.Text.Json;

namespace FedFace.Cli.Tests;

/// <summary>A gallery of three LFW people (photos 1–3 each), enrolled once for all the identify tests.</summary>
public sealed class EnrolledGallery : IDisposable
{
    public PhotoFolder Photos { get; } = new();
    public string GalleryPath => Photos.PathOf("gallery.ffg");

    public EnrolledGallery()
    {
        foreach (string person in new[] { "Colin_Powell", "Tony_Blair", "Serena_Williams" })
        {
            Photos.AddLfw("site", person, 1, 2, 3);
        }
        CliRun run = Fedface.Run(["enroll", Photos.PathOf("site"), "--gallery", GalleryPath, .. Fedface.PretrainedModel]);
        Assert.True(run.ExitCode == 0, run.ToString());
    }

    /// <summary>A photo of someone not in the gallery, or a held-out photo of someone who is.</summary>
    public string Probe(string person, int number) => Photos.AddLfw("probes", person, number)[0];

    public void Dispose() => Photos.Dispose();
}

public sealed class IdentifyCommandTests(EnrolledGallery enrolled) : IClassFixture<EnrolledGallery>
{
    private CliRun Identify(params string[] arguments) =>
        Fedface.Run(["identify", .. arguments, "--gallery", enrolled.GalleryPath, "--model", Fedface.Model, "--detector-model", Fedface.Detector]);

    [Fact]
    public void IdentifiesAHeldOutPhotoOfAnEnrolledPersonAtRankOne()
    {
        string probe = enrolled.Probe("Tony_Blair", 4);

        CliRun run = Identify(probe, "--json", "--top", "2");

        Assert.True(run.ExitCode == 0, run.ToString());
        using JsonDocument report = JsonDocument.Parse(run.Output);
        JsonElement answer = Assert.Single(report.RootElement.GetProperty("Probes").EnumerateArray());
        Assert.Equal("Identified", answer.GetProperty("Status").GetString());
        Assert.Equal("Tony_Blair", answer.GetProperty("Person").GetString());
        JsonElement[] candidates = [.. answer.GetProperty("Candidates").EnumerateArray()];
        Assert.Equal(2, candidates.Length);
        Assert.Equal("Tony_Blair", candidates[0].GetProperty("PersonId").GetString());
        Assert.True(candidates[0].GetProperty("Score").GetSingle() >= Recognition.PretrainedMobileFaceNet.VerificationThreshold);
    }

    [Fact]
    public void CallsSomeoneNotEnrolledUnknownAtTheDefaultThreshold()
    {
        string stranger = enrolled.Probe("George_W_Bush", 1);

        CliRun run = Identify(stranger);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Matches($@"{stranger}: unknown: best \w+ at -?0\.\d{{3}} < 0\.412", run.Output);
        Assert.Contains("(the model's: LFW all-pairs, FAR 1e-4", run.Output);
        Assert.Contains("from FedFace's table of known models)", run.Output);
    }

    [Fact]
    public void ATighterThresholdTurnsAMatchIntoUnknown()
    {
        string probe = enrolled.Probe("Colin_Powell", 10);

        CliRun run = Identify(probe, "--threshold", "0.999");

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains($"{probe}: unknown: best Colin_Powell at ", run.Output);
        Assert.Contains("threshold 0.999 (--threshold)", run.Output);
    }

    [Fact]
    public void ReportsAProbeWithoutAFaceByNameAndReasonAndCarriesOn()
    {
        string notAPhoto = enrolled.Photos.AddFile("probes/receipt.pdf", "%PDF-1.4 not a photo"u8.ToArray());
        string missing = enrolled.Photos.PathOf("probes/gone.jpg");
        string probe = enrolled.Probe("Serena_Williams", 4);

        CliRun run = Identify(notAPhoto, missing, probe);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains($"{notAPhoto}: skipped: not an image", run.Output);
        Assert.Contains($"{missing}: skipped: file not found", run.Output);
        Assert.Contains($"{probe}: identified as Serena_Williams", run.Output);
    }

    [Fact]
    public void RefusesProbesEmbeddedDifferentlyFromTheGallery()
    {
        CliRun run = Identify(enrolled.Probe("Tony_Blair", 4), "--normalization", "symmetric");

        Assert.Equal(1, run.ExitCode);
        // The model itself needs imagenet, so the contradiction is refused before the gallery's recipe is compared.
        Assert.Contains("needs imagenet normalisation (FedFace's table of known models), but symmetric was asked for", run.Error);
    }

    [Fact]
    public void AMissingModelExitsWithOneAndNamesTheFile()
    {
        string model = enrolled.Photos.PathOf("no-such-model.onnx");

        CliRun identify = Fedface.Run("identify", enrolled.Probe("Tony_Blair", 4), "--gallery", enrolled.GalleryPath, "--model", model, "--detector-model", Fedface.Detector);
        CliRun enroll = Fedface.Run("enroll", enrolled.Photos.PathOf("site"), "--gallery", enrolled.Photos.PathOf("other.ffg"), "--model", model, "--detector-model", Fedface.Detector);

        foreach (CliRun run in new[] { identify, enroll })
        {
            Assert.Equal(1, run.ExitCode);
            Assert.Contains($"model not found: {model}", run.Error);
        }
    }

    [Fact]
    public void AMissingGalleryExitsWithOneAndNamesTheFile()
    {
        string gallery = enrolled.Photos.PathOf("no-such-gallery.ffg");

        CliRun run = Fedface.Run("identify", enrolled.Probe("Tony_Blair", 4), "--gallery", gallery, "--model", Fedface.Model, "--detector-model", Fedface.Detector);

        Assert.Equal(1, run.ExitCode);
        Assert.Contains(gallery, run.Error);
    }
}
