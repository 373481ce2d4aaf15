using Xunit.Abstractions;

namespace FedFace.Cli.Tests;

/// <summary>
/// The operator CLIs ship as dotnet tools: packed from this build (no rebuild) into a throwaway feed, installed with
/// <c>dotnet tool install --tool-path --add-source</c> from that feed alone (no other package source, so it works
/// offline), and run from where the tool was installed. About a minute on a loaded machine: trait Packaging.
/// </summary>
[Trait("Category", "Packaging")]
public sealed class ToolPackageTests(ITestOutputHelper output)
{
    private static readonly TimeSpan s_patience = TimeSpan.FromMinutes(5);

    [Theory]
    [InlineData("src/FedFace.Cli", "FedFace.Cli", "fedface", "--version")]
    // fedface-certs answers --help today; its --version arrives with its own command line (fix/kits).
    [InlineData("certs", "FedFace.Certs", "fedface-certs", "--help")]
    public async Task The_packed_tool_installs_from_a_local_feed_and_runs(string project, string packageId, string command, string flag)
    {
        using var temp = new TempDirectory();
        string feed = Directory.CreateDirectory(temp.File("feed")).FullName;
        string tools = temp.File("tools");
        // Only the local feed: the tool package carries its dependencies, so nothing is fetched from elsewhere.
        File.WriteAllText(temp.File("nuget.config"), """
            <?xml version="1.0" encoding="utf-8"?>
            <configuration><packageSources><clear /></packageSources></configuration>
            """);

        await RunAsync("dotnet", "pack", Path.Combine(Checkout.Root(), project), "--no-build", "-c", Configuration(), "-o", feed, "--nologo", "--disable-build-servers", "-v", "quiet");
        await RunAsync("dotnet", "tool", "install", packageId, "--tool-path", tools, "--add-source", feed, "--configfile", temp.File("nuget.config"));
        (int exit, string printed) = await RunAsync(Path.Combine(tools, command), flag);

        Assert.Equal(0, exit);
        if (flag == "--version")
        {
            Assert.Matches($@"^{command} \d+\.\d+\.\d+(\+[0-9a-f]+)?$", printed.Trim());
        }
        else
        {
            Assert.Contains(command, printed, StringComparison.Ordinal);
        }
    }

    /// <summary>The build configuration these tests were built in (bin/CONFIGURATION/...), which the pack reuses.</summary>
    private static string Configuration()
    {
        string[] parts = AppContext.BaseDirectory.Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries);
        return parts[Array.LastIndexOf(parts, "bin") + 1];
    }

    /// <summary>Runs <paramref name="program"/>; a non-zero exit of dotnet itself fails the test with what it printed.</summary>
    private async Task<(int Exit, string Output)> RunAsync(string program, params string[] args)
    {
        (int exitCode, string printed, string errors) = await ChildProcess.RunAsync(program, args, s_patience);
        output.WriteLine($"$ {program} {string.Join(' ', args)}\nexit {exitCode}\n{printed}{errors}");
        Assert.True(program != "dotnet" || exitCode == 0, $"{program} {string.Join(' ', args)} failed:\n{printed}{errors}");
        return (exitCode, printed);
    }
}
