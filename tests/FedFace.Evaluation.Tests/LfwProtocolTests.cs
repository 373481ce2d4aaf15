using FedFace.Evaluation.Plotting;

namespace FedFace.Evaluation.Tests;

public sealed class LfwProtocolTests
{
    [Fact]
    public void Reports_accuracy_tar_at_far_and_the_roc_and_writes_the_roc_files()
    {
        // Ten folds of 30 genuine and 30 impostor pairs, perfectly separated: 100% accuracy and TAR at any FAR.
        var random = new Random(5);
        int[] folds = Enumerable.Range(0, 600).Select(i => 1 + i / 60).ToArray();
        bool[] same = Enumerable.Range(0, 600).Select(i => i % 60 < 30).ToArray();
        double[] scores = same.Select(s => (s ? 0.6 : 0) + 0.3 * random.NextDouble()).ToArray();
        using var scratch = new TempDirectory();

        LfwProtocolResult result = LfwProtocol.Evaluate(scores, same, folds);
        (string csv, string png) = LfwProtocol.WriteRoc(result, scratch.Path, "round-3", "LFW");

        Assert.Equal(1.0, result.Accuracy.MeanAccuracy);
        Assert.Equal(1.0, result.TarAtFar.MeanTar);
        Assert.Equal(LfwProtocol.StandardTargetFar, result.TarAtFar.TargetFar);
        Assert.Equal(601, result.Roc.Count); // 600 distinct scores and the accept-everything point
        Assert.Equal(scratch.File("round-3-roc.csv"), csv);
        Assert.Equal(602, File.ReadAllLines(csv).Length);
        Assert.Equal(PngEncoder.Signature.ToArray(), File.ReadAllBytes(png).Take(8));
    }

    [Fact]
    public void The_roc_plot_is_titled_with_the_data_set_it_was_measured_on()
    {
        int[] folds = [1, 1, 2, 2];
        bool[] same = [true, false, true, false];
        LfwProtocolResult result = LfwProtocol.Evaluate([0.9, 0.1, 0.8, 0.2], same, folds);
        using var scratch = new TempDirectory();

        (_, string lfw) = LfwProtocol.WriteRoc(result, scratch.Path, "lfw", "LFW");
        (_, string orl) = LfwProtocol.WriteRoc(result, scratch.Path, "lfw-of-orl", "ORL");
        (_, string orlAgain) = LfwProtocol.WriteRoc(result, scratch.Path, "orl", "ORL");

        // The plot's words come from the data set alone, whatever the files are called.
        Assert.NotEqual(File.ReadAllBytes(lfw), File.ReadAllBytes(orl));
        Assert.Equal(File.ReadAllBytes(orl), File.ReadAllBytes(orlAgain));
    }
}
