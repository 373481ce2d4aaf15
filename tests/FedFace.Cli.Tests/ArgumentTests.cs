using System.Text.RegularExpressions;

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
    [InlineData("fedface identify: unknown option '--tpo' (did you mean --top?) (see fedface identify --help)", "identify", "a.jpg", "--model", "m.onnx", "--detector-model", "d.onnx", "--gallery", "g.ffg", "--tpo", "3")]
    // Where a photo or a folder may stand, a misspelt option is still one, not taken for a photo or a folder.
    [InlineData("fedface identify: unknown option '--tpo' (did you mean --top?) (see fedface identify --help)", "identify", "--tpo", "3", "a.jpg", "--model", "m.onnx", "--detector-model", "d.onnx", "--gallery", "g.ffg")]
    [InlineData("fedface enroll: unknown option '--galery' (did you mean --gallery?) (see fedface enroll --help)", "enroll", "--galery", "g.ffg", "photos", "--model", "m.onnx", "--detector-model", "d.onnx")]
    [InlineData("fedface enroll: unknown option '--galery=g.ffg' (did you mean --gallery?) (see fedface enroll --help)", "enroll", "--galery=g.ffg", "photos", "--model", "m.onnx", "--detector-model", "d.onnx")]
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
    [InlineData("Option '--detector-model' is required", "enroll", "photos", "--model", "m.onnx", "--gallery", "g.ffg")]
    [InlineData("Option '--detector-model' is required", "identify", "a.jpg", "--model", "m.onnx", "--gallery", "g.ffg")]
    [InlineData("Option '--detector-model' is required", "evaluate", "--model", "m.onnx", "--pairs", "p.txt", "--lfw", "lfw")]
    [InlineData("Option '--detector-model' is required with the yunet detector", "align", "photos")]
    [InlineData("Option '--pairs' is required; Option '--lfw' is required", "evaluate", "--model", "m.onnx", "--detector-model", "d.onnx")]
    [InlineData("Option '--lfw' is required", "evaluate", "--model", "m.onnx", "--detector-model", "d.onnx", "--pairs", "p.txt")]
    public void AMissingModelOrDataPathIsNamedByItsFlag(string reason, params string[] args)
    {
        CliRun run = Fedface.Run(args);

        Assert.True(run.ExitCode == 2, run.ToString());
        Assert.StartsWith($"fedface {args[0]}: {reason}", run.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", run.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("fedface status: --timeout must be a whole number from 1 to 3600, got '0' (see fedface status --help)",
        "status", "--aggregator", "localhost:7443", "--ca", "ca.crt", "--cert", "o.crt", "--key", "o.key", "--timeout", "0")]
    [InlineData("fedface identify: --policy: unknown face policy 'tallest'; use largest or central (see fedface identify --help)",
        "identify", "a.jpg", "--model", "m.onnx", "--detector-model", "d.onnx", "--gallery", "g.ffg", "--policy", "tallest")]
    [InlineData("fedface align: --score must be a number from 0 to 1, got 'high' (see fedface align --help)", "align", "photos", "--model", "d.onnx", "--score", "high")]
    [InlineData("fedface align: --detector: unknown detector 'foo'; use yunet or haar (see fedface align --help)", "align", "photos", "--detector", "foo")]
    public void AWrongValueIsNamedByItsOptionWithWhatItTakes(string expected, params string[] args)
    {
        CliRun run = Fedface.Run(args);

        Assert.Equal(2, run.ExitCode);
        Assert.Equal(expected, run.Error.TrimEnd());
    }

    [Fact]
    public void HelpListsEveryCommandOnOneLine()
    {
        CliRun run = Fedface.Run("--help");

        Assert.Equal(0, run.ExitCode);
        foreach (ICliCommand command in Program.Commands)
        {
            Assert.Matches($@"\n  {command.Command.Name}\b[^\n]*{Regex.Escape(command.Summary[..20])}", run.Output);
        }
        Assert.Contains("Exit codes: 0 success, 1 an error", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void NoCommandIsAUsageErrorThatListsTheCommands()
    {
        CliRun run = Fedface.Run();

        Assert.Equal(2, run.ExitCode);
        Assert.Equal("", run.Output);
        Assert.Contains("  enroll ", run.Error, StringComparison.Ordinal);
    }

    /// <summary>A command's --help: what it does, its arguments and each option with its meaning and default, its exit codes.</summary>
    [Theory]
    [InlineData("align", "<folder>", "--detector-model, --model <PATH>", "[default: 0.6]", "Exit codes: 0 when the folder was processed")]
    [InlineData("enroll", "<folder>", "--gallery <FILE> (REQUIRED)", "[default: largest]", "Exit codes: 0 when the gallery was written")]
    [InlineData("identify", "<image>...", "--top <K>", "[default: 5]", "Exit codes: 0 when every photo was looked at")]
    [InlineData("evaluate", "Every image is scored", "--pairs <FILE> (REQUIRED)", "[default: runs/evaluate]", "Exit codes: 0 when evaluated")]
    [InlineData("status", "privacy budget", "--timeout <SECONDS>", "[default: 30]", "Exit codes: 0 when the aggregator answered")]
    public void EveryCommandsHelpSaysWhatItDoesItsOptionsAndItsExitCodes(string command, params string[] expected)
    {
        CliRun run = Fedface.Run(command, "--help");
        CliRun asked = Fedface.Run("help", command);

        Assert.Equal((0, 0), (run.ExitCode, asked.ExitCode));
        Assert.Equal(run.Output, asked.Output);
        Assert.Contains($"fedface {command}", run.Output, StringComparison.Ordinal);
        foreach (string text in expected)
        {
            Assert.Contains(text, run.Output, StringComparison.Ordinal);
        }
    }
}
