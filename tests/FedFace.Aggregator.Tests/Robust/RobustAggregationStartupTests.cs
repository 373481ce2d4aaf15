using FedFace.Aggregator.Tests.Kit;
using Xunit.Abstractions;

namespace FedFace.Aggregator.Tests.Robust;

/// <summary>Robust settings the aggregator cannot honour stop the process at start-up: exit code 1 and a line naming them.</summary>
[Collection(AggregatorCollection.Name)]
public sealed class RobustAggregationStartupTests(TestFederation federation, ITestOutputHelper output)
{
    [Theory]
    [InlineData("secure", "Aggregator:Aggregation:Rule median needs each site's update, and secure aggregation shows the aggregator only their sum",
        "--Aggregator:SecureAggregation:Enabled", "true")]
    [InlineData("memory", "Aggregator:Aggregation:MaxHeldUpdateBytes (3000) holds 2 updates of this model (1408 bytes each), fewer than Aggregator:MinSites (3)",
        "--Aggregator:Aggregation:MaxHeldUpdateBytes", "3000")]
    public async Task A_robust_rule_it_cannot_run_stops_the_aggregator_with_one_line_naming_the_setting(string failure, string named, string key, string value)
    {
        string workspace = federation.Workspace($"robust-start-{failure}");
        string initial = TestFederation.WriteInitialModel(workspace, TestModels.Small(seed: 9));

        ProcessRun run = await AggregatorProcess.RunAsync(workspace, [.. AggregatorProcess.Settings(federation.Pki, Path.Combine(workspace, "state"), initial),
            "--Aggregator:MinSites", "3", "--Aggregator:Aggregation:Rule", "median", key, value]);

        output.WriteLine(run.ToString());
        Assert.Equal(1, run.ExitCode);
        Assert.Contains(run.ErrorLines, line => line.Contains(named, StringComparison.Ordinal));
        Assert.DoesNotContain("   at ", run.Output + run.Error, StringComparison.Ordinal);
    }
}
