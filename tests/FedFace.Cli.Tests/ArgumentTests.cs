namespace FedFace.Cli.Tests;

/// <summary>Bad command lines are caught before any work starts: exit code 2 and one line with the reason and where the usage is.</summary>
public sealed class ArgumentTests
{
    [Theory]
    [InlineData("enroll", "photos", "--gallery", "g.ffg")]                                  // no --model
    [InlineData("enroll", "--model", "m.onnx", "--gallery", "g.ffg")]                       // no folder
    [InlineData("enroll", "photos", "--model", "m.onnx")]                                   // no --gallery
    [InlineData("enroll", "photos", "more", "--model", "m.onnx", "--gallery", "g.ffg")]     // two folders
    [InlineData("identify", "a.jpg", "--model", "m.onnx")]                                  // no --gallery
    [InlineData("identify", "--model", "m.onnx", "--gallery", "g.ffg")]                     // no photo
    [InlineData("identify", "a.jpg", "--model", "m.onnx", "--gallery", "g.ffg", "--top", "0")]
    [InlineData("identify", "a.jpg", "--model", "m.onnx", "--gallery", "g.ffg", "--threshold", "2")]
    [InlineData("identify", "a.jpg", "--model", "m.onnx", "--gallery", "g.ffg", "--normalization", "sideways")]
    [InlineData("identify", "a.jpg", "--model", "m.onnx", "--gallery", "g.ffg", "--policy", "tallest")]
    [InlineData("identify", "a.jpg", "--model", "m.onnx", "--gallery", "g.ffg", "--tpo", "3")]   // misspelt option
    [InlineData("evaluate", "--model", "m.onnx", "extra")]
    [InlineData("evaluate", "--model", "m.onnx", "--no-quality-gate")]                      // the protocol scores every image
    [InlineData("evaluate", "--model", "m.onnx", "--threads", "0")]
    public void ExitWithTwoAndOneLinePointingAtTheUsage(params string[] args)
    {
        CliRun run = Fedface.Run(args);

        Assert.True(run.ExitCode == 2, run.ToString());
        string line = Assert.Single(run.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith($"fedface {args[0]}: ", line);
        Assert.EndsWith($"(see fedface {args[0]} --help)", line);
    }

    [Theory]
    [InlineData("fedface identify: unknown option --tpo (did you mean --top?) (see fedface identify --help)", "identify", "a.jpg", "--model", "m.onnx", "--detector-model", "d.onnx", "--gallery", "g.ffg", "--tpo", "3")]
    [InlineData("fedface: unknown command 'idenitfy' (did you mean identify?) (see fedface --help)", "idenitfy", "a.jpg")]
    [InlineData("fedface: unknown option '--bogus-flag' (see fedface --help)", "--bogus-flag")]
    public void AMisspeltOptionOrCommandNamesTheOneProbablyMeant(string expected, params string[] args)
    {
        CliRun run = Fedface.Run(args);

        Assert.Equal(2, run.ExitCode);
        Assert.Equal(expected, run.Error.TrimEnd());
    }

    [Fact]
    public void VersionPrintsOneLineAndExitsZero()
    {
        CliRun run = Fedface.Run("--version");

        Assert.Equal(0, run.ExitCode);
        Assert.StartsWith("fedface ", Assert.Single(run.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries)), StringComparison.Ordinal);
    }

    /// <summary>The product has no default data or model paths: each one missing is named by its flag, one line, exit 2.</summary>
    [Theory]
    [InlineData("--detector-model PATH is required", "enroll", "photos", "--model", "m.onnx", "--gallery", "g.ffg")]
    [InlineData("--detector-model PATH is required", "identify", "a.jpg", "--model", "m.onnx", "--gallery", "g.ffg")]
    [InlineData("--detector-model PATH is required", "evaluate", "--model", "m.onnx", "--pairs", "p.txt", "--lfw", "lfw")]
    [InlineData("--detector-model PATH is required", "align", "photos")]
    [InlineData("--pairs FILE and --lfw DIR are required", "evaluate", "--model", "m.onnx", "--detector-model", "d.onnx")]
    [InlineData("--pairs FILE and --lfw DIR are required", "evaluate", "--model", "m.onnx", "--detector-model", "d.onnx", "--pairs", "p.txt")]
    public void AMissingModelOrDataPathIsNamedByItsFlag(string reason, params string[] args)
    {
        CliRun run = Fedface.Run(args);

        Assert.True(run.ExitCode == 2, run.ToString());
        Assert.StartsWith($"fedface {args[0]}: {reason}", run.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void HelpListsEveryCommand()
    {
        CliRun run = Fedface.Run("--help");

        Assert.Equal(0, run.ExitCode);
        foreach (string command in new[] { "align", "enroll", "identify", "evaluate" })
        {
            Assert.Contains($"  {command} ", run.Output);
        }
    }
}
