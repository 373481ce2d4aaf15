using Xunit.Abstractions;

namespace FedFace.EndToEnd.Tests;

/// <summary><c>fedface-site --version</c>: the build-wide version, and nothing started.</summary>
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
}
