using System.Text.Json;

namespace FedFace.Cli.Tests;

/// <summary>The whole evaluate command on a miniature LFW: three people with three photos, one with a single photo.</summary>
public sealed class EvaluateCommandTests : IDisposable
{
    private readonly PhotoFolder _lfw = new();

    public EvaluateCommandTests()
    {
        _lfw.AddLfw("lfw", "Colin_Powell", 1, 2, 3);
        _lfw.AddLfw("lfw", "Tony_Blair", 1, 2, 3);
        _lfw.AddLfw("lfw", "Serena_Williams", 1, 2, 3);
        _lfw.AddLfw("lfw", "Aaron_Peirsol", 1);
        // Two folds of two matched and two mismatched pairs, in lfw-pairs.txt's format.
        _lfw.AddFile("pairs.txt", """
            2 2
            Colin_Powell 1 2
            Tony_Blair 1 3
            Colin_Powell 1 Tony_Blair 2
            Serena_Williams 1 Tony_Blair 1
            Serena_Williams 2 3
            Colin_Powell 2 3
            Serena_Williams 3 Colin_Powell 3
            Aaron_Peirsol 1 Tony_Blair 3
            """u8.ToArray());
    }

    private CliRun RunEveryProtocol(string outDirectory) =>
        Fedface.Run(["evaluate", .. Fedface.PretrainedModel, "--pairs", _lfw.PathOf("pairs.txt"), "--lfw", _lfw.PathOf("lfw"),
            "--out", outDirectory, "--all-pairs", "--identification"]);

    [Fact]
    public void RunsEveryProtocolAndWritesTheRocAndTheReport()
    {
        string outDirectory = _lfw.PathOf("out");

        CliRun run = RunEveryProtocol(outDirectory);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("lfw 2-fold verification: 8 pairs (0 with a faceless image)", run.Output);
        Assert.True(File.Exists(Path.Combine(outDirectory, "lfw-roc.csv")));
        Assert.True(File.Exists(Path.Combine(outDirectory, "lfw-roc.png")));
        using JsonDocument report = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDirectory, "evaluation.json")));
        JsonElement root = report.RootElement;
        Assert.Equal("lfw", root.GetProperty("Lfw").GetProperty("DataSet").GetString()); // the folder's name, on the ROC plot too
        Assert.Equal(10, root.GetProperty("Images").GetProperty("WithFace").GetInt32());
        Assert.Equal(1.0, root.GetProperty("Lfw").GetProperty("Accuracy").GetProperty("MeanAccuracy").GetDouble());
        JsonElement allPairs = root.GetProperty("AllPairs");
        Assert.Equal(9, allPairs.GetProperty("GenuinePairs").GetInt64()); // 3 people × 3 photos: 3 pairs each
        Assert.Equal(36, allPairs.GetProperty("ImpostorPairs").GetInt64());
        JsonElement identification = root.GetProperty("Identification");
        Assert.Equal(3, identification.GetProperty("GallerySize").GetInt32());
        Assert.Equal(1, identification.GetProperty("NonMatedProbes").GetInt32());
        Assert.Equal(6, identification.GetProperty("Rank1").GetProperty("Count").GetInt64());
        Assert.Equal(6, identification.GetProperty("Rank1").GetProperty("Of").GetInt64());
    }

    [Fact]
    public void NoRateIsGivenAtAFarTheImpostorsCannotSupportAndEveryRateCarriesItsCounts()
    {
        string outDirectory = _lfw.PathOf("out");

        CliRun run = RunEveryProtocol(outDirectory);

        Assert.True(run.ExitCode == 0, run.ToString());
        // 2 impostor pairs per fold, 36 impostor pairs in all, 1 stranger: not one of the FARs asked for is supported.
        Assert.Matches(@"TAR @ FAR 1e-2\s+n/a \(needs ≥ 100 impostor pairs per fold, has 2\)\n", run.Output);
        Assert.Matches(@"TAR @ FAR 1e-3\s+n/a \(needs ≥ 1,000 impostor pairs per fold, has 2\)\n", run.Output);
        Assert.Matches(@"1e-6\s+n/a \(needs ≥ 1,000,000 impostor pairs, has 36\)\n", run.Output);
        Assert.Matches(@"1e-1\s+n/a \(needs ≥ 10 strangers, has 1\)\n", run.Output);
        Assert.Matches(@"accuracy\s+100\.00% ± 0\.00% \(± std over the folds; n = 8 pairs\)", run.Output);
        Assert.Matches(@"rank-1\s+100\.00% ± 0\.00% \(± standard error; 6 of 6 probes\)", run.Output);

        using JsonDocument report = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDirectory, "evaluation.json")));
        JsonElement root = report.RootElement;
        JsonElement tar = root.GetProperty("Lfw").GetProperty("TarAtFar")[1];
        Assert.Equal(JsonValueKind.Null, tar.GetProperty("MeanTar").ValueKind);
        Assert.Equal(2, tar.GetProperty("FewestImpostorsInAFold").GetInt64());
        JsonElement point = root.GetProperty("AllPairs").GetProperty("Points")[0];
        Assert.Equal(JsonValueKind.Null, point.GetProperty("Rate").ValueKind);
        Assert.Equal("needs ≥ 1,000 impostor pairs, has 36", point.GetProperty("NotSupported").GetString());
        Assert.Equal(36, point.GetProperty("Impostors").GetInt64());
        Assert.Equal(9, point.GetProperty("Of").GetInt64());
        JsonElement dir = root.GetProperty("Identification").GetProperty("DirAtFar")[0];
        Assert.Equal(JsonValueKind.Null, dir.GetProperty("Rate").ValueKind);
        Assert.Equal("needs ≥ 10 strangers, has 1", dir.GetProperty("NotSupported").GetString());
    }

    [Fact]
    public void APairsFileThatIsNotOneExitsWithOneAndNamesIt()
    {
        string pairs = _lfw.AddFile("broken-pairs.txt", "ten three hundred\n"u8.ToArray());

        CliRun run = Fedface.Run(["evaluate", .. Fedface.PretrainedModel, "--pairs", pairs, "--lfw", _lfw.PathOf("lfw"), "--out", _lfw.PathOf("out")]);

        Assert.Equal(1, run.ExitCode);
        Assert.Contains(pairs, run.Error);
    }

    [Fact]
    public void LfwImagesWithoutTheirPairsFileAreOneClearErrorBeforeAnyWork()
    {
        string outDirectory = _lfw.PathOf("out");

        CliRun run = Fedface.Run(["evaluate", .. Fedface.PretrainedModel, "--lfw", _lfw.PathOf("lfw"), "--out", outDirectory]);

        Assert.Equal(2, run.ExitCode);
        Assert.StartsWith("fedface evaluate: Option '--pairs' is required", run.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("not found", run.Error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(outDirectory));
    }

    [Fact]
    public void PairsNamingImagesThatAreNotThereAreOneClearErrorBeforeAnyWork()
    {
        string pairs = _lfw.AddFile("other-pairs.txt", """
            1 1
            Colin_Powell 1 7
            Colin_Powell 1 Jane_Doe 1
            """u8.ToArray());
        string outDirectory = _lfw.PathOf("out");

        CliRun run = Fedface.Run(["evaluate", .. Fedface.PretrainedModel, "--pairs", pairs, "--lfw", _lfw.PathOf("lfw"), "--out", outDirectory]);

        Assert.Equal(1, run.ExitCode);
        Assert.Single(run.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("2 of the 3 images", run.Error, StringComparison.Ordinal);
        Assert.Contains("Colin_Powell_0007.jpg", run.Error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(outDirectory));
    }

    /// <summary>Regression: an --out that could not be written was found out only after every image was embedded.</summary>
    [Fact]
    public void AnOutFolderThatCannotBeWrittenIsOneLineBeforeAnyImageIsEmbedded()
    {
        string outDirectory = Path.Combine(_lfw.PathOf("pairs.txt"), "out");

        CliRun run = RunEveryProtocol(outDirectory);

        Assert.Equal(1, run.ExitCode);
        Assert.StartsWith($"fedface evaluate: error: cannot write {Path.Combine(outDirectory, "evaluation.json")}: ", run.Error, StringComparison.Ordinal);
        Assert.Single(run.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal("", run.Output); // no "… images, … aligned and embedded" line: nothing was embedded
    }

    [Fact]
    public void AMissingPairsFileIsNamed()
    {
        string pairs = _lfw.PathOf("no-such-pairs.txt");

        CliRun run = Fedface.Run(["evaluate", .. Fedface.PretrainedModel, "--pairs", pairs, "--lfw", _lfw.PathOf("lfw"), "--out", _lfw.PathOf("out")]);

        Assert.Equal(1, run.ExitCode);
        Assert.Contains($"pairs file '{pairs}' does not exist", run.Error, StringComparison.Ordinal);
    }

    public void Dispose() => _lfw.Dispose();
}
