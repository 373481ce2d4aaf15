using Xunit.Abstractions;

namespace FedFace.EndToEnd.Tests;

/// <summary><c>fedface-site --version</c> and <c>--help</c>: they print, start nothing and exit 0.</summary>
public sealed class SiteVersionTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Version_prints_one_line_with_the_build_version_and_exits_0()
    {
        SiteRun run = await SiteProcess.RunAsync("--version");

        output.WriteLine(run.ToString());
        Assert.Equal(0, run.ExitCode);
        Assert.Matches(@"^fedface-site \d+\.\d+\.\d+(\+[0-9a-f]+)?$", Assert.Single(run.Lines));
    }

    [Theory]
    [InlineData("--help")]
    [InlineData("-h")]
    public async Task Help_names_every_command_and_where_settings_come_from_and_exits_0(string flag)
    {
        SiteRun run = await SiteProcess.RunAsync(flag);

        output.WriteLine(run.ToString());
        Assert.Equal(0, run.ExitCode);
        string text = string.Join('\n', run.Lines);
        Assert.Contains("fedface-site [command] [options]", text, StringComparison.Ordinal);
        // Each setting as its flag with its doc comment (SiteOptions.DataDirectory's), the commands, --config.
        Assert.Matches(@"--data-directory <text>\s+A folder per person holding that person's photos", text);
        foreach (string part in new[] { "init-model", "export-onnx", "--version", "--config <PATH>", "--Site:AggregatorUrl", "docs/configuration.md" })
        {
            Assert.Contains(part, text, StringComparison.Ordinal);
        }
    }
}
