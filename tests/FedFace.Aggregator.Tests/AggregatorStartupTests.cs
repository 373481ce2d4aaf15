using FedFace.Aggregator.Tests.Kit;
using FedFace.Core;
using FedFace.Core.Storage;
using FedFace.Protocol.Storage;
using Xunit.Abstractions;

namespace FedFace.Aggregator.Tests;

/// <summary>How the aggregator starts: where it listens, and how it fails (one line, exit 1) or falls back when it cannot.</summary>
[Collection(AggregatorCollection.Name)]
public sealed class AggregatorStartupTests(TestFederation federation, ITestOutputHelper output)
{
    [Fact]
    public async Task A_damaged_checkpoint_stops_the_process_with_one_line_naming_the_file_and_the_fallback_setting()
    {
        (string workspace, string state, string initial) = DamagedFederation("damaged-process");

        ProcessRun run = await AggregatorProcess.RunAsync(workspace, AggregatorProcess.Settings(federation.Pki, state, initial));

        output.WriteLine(run.ToString());
        Assert.Equal(1, run.ExitCode);
        string line = Assert.Single(run.ErrorLines);
        Assert.StartsWith("fedface-aggregator: error: the committed checkpoint is damaged: ", line, StringComparison.Ordinal);
        Assert.Contains("global-v000002.ffm", line, StringComparison.Ordinal);
        Assert.Contains("--Aggregator:FallBackToIntactCheckpoint true", line, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", run.Output + run.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("missing-initial", "Aggregator:InitialModelPath")]
    [InlineData("urls", "Aggregator:ListenAddress")]
    [InlineData("bad-certificate", "Aggregator:CertificatePath")]
    public async Task A_start_up_failure_is_one_line_and_exit_code_1_never_a_crash_trace(string failure, string named)
    {
        string workspace = federation.Workspace($"start-{failure}");
        string initial = TestFederation.WriteInitialModel(workspace, TestModels.Small(seed: 9));
        List<string> args = [.. AggregatorProcess.Settings(federation.Pki, Path.Combine(workspace, "state"), failure == "missing-initial" ? "nowhere.ffm" : initial)];
        if (failure == "urls")
        {
            args.AddRange(["--urls", "https://0.0.0.0:7443"]);
        }
        if (failure == "bad-certificate")
        {
            args.AddRange(["--Aggregator:CertificatePath", "missing.crt"]);
        }

        ProcessRun run = await AggregatorProcess.RunAsync(workspace, [.. args]);

        output.WriteLine(run.ToString());
        Assert.Equal(1, run.ExitCode);
        Assert.Contains(named, Assert.Single(run.ErrorLines), StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", run.Output + run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_port_already_in_use_is_one_line_and_exit_code_1()
    {
        string workspace = federation.Workspace("port-in-use");
        using var occupant = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        occupant.Start();
        int port = ((System.Net.IPEndPoint)occupant.LocalEndpoint).Port;

        ProcessRun run = await AggregatorProcess.RunAsync(workspace, [.. AggregatorProcess.Settings(federation.Pki, Path.Combine(workspace, "state"),
            TestFederation.WriteInitialModel(workspace, TestModels.Small(seed: 9))), "--Aggregator:Port", port.ToString(System.Globalization.CultureInfo.InvariantCulture)]);

        output.WriteLine(run.ToString());
        Assert.Equal(1, run.ExitCode);
        Assert.Contains($"127.0.0.1:{port}", Assert.Single(run.ErrorLines), StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", run.Output + run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task With_the_fallback_allowed_a_damaged_checkpoint_resumes_from_the_newest_intact_one_with_a_warning_under_a_new_version()
    {
        var log = new CapturedLog(output);
        (_, string state, string initial) = DamagedFederation("damaged-fallback");

        await using RunningAggregator aggregator = RunningAggregator.Create(
            new AggregatorSetup(federation.Pki, state, initial) { FallBackToIntactCheckpoint = true, TotalRounds = 5 }, log);

        // v1's weights, published as v3: a site that saw the lost v2 never meets v2 again with other weights, nor an older version.
        Assert.Equal((3L, 1L), (aggregator.Coordinator.ModelVersion, aggregator.Coordinator.CommittedRound));
        TestModels.AssertSameValues(TestModels.Small(seed: 12), aggregator.Coordinator.GlobalModel);
        LogEntry warning = Assert.Single(log.Matching("FALLING BACK TO AN EARLIER CHECKPOINT"));
        Assert.Equal(Microsoft.Extensions.Logging.LogLevel.Warning, warning.Level);
        Assert.Contains("global-v000002.ffm", warning.Message, StringComparison.Ordinal);
        Assert.Contains("model v1 of round 1", warning.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("0.0.0.0")]
    public async Task The_aggregator_logs_the_address_it_listens_on_and_sites_reach_it_there(string listenAddress)
    {
        var log = new CapturedLog(output);
        string workspace = federation.Workspace("listen");
        await using RunningAggregator aggregator = await RunningAggregator.StartAsync(
            new AggregatorSetup(federation.Pki, Path.Combine(workspace, "state"), TestFederation.WriteInitialModel(workspace, TestModels.Small(seed: 10)))
            {
                ListenAddress = listenAddress,
            }, log);

        await log.WaitForAsync($"Listening on https://{listenAddress}:{aggregator.Port} (mutual TLS)", Eventually.Patience, "FedFace.Aggregator");
        using var site = new SyntheticSite("site-01", federation.Pki, aggregator.Uri, log.Factory(), 10);
        Assert.Equal("site-01", (await site.JoinAsync()).SiteId);
    }

    /// <summary>A state directory with models v0, v1 and v2 committed, v2's file damaged.</summary>
    private (string Workspace, string State, string Initial) DamagedFederation(string name)
    {
        string workspace = federation.Workspace(name);
        string state = Path.Combine(workspace, "state");
        ModelState initial = TestModels.Small(seed: 11);
        var store = new CheckpointStore(state);
        store.Commit(0, 0, initial);
        store.Commit(1, 1, TestModels.Small(seed: 12));
        CommittedState latest = store.Commit(2, 2, TestModels.Small(seed: 13));
        string damaged = Path.Combine(state, latest.ModelFileName);
        byte[] bytes = File.ReadAllBytes(damaged);
        bytes[^1] ^= 0x10;
        File.WriteAllBytes(damaged, bytes);
        return (workspace, state, TestFederation.WriteInitialModel(workspace, initial));
    }
}
