using System.Net;
using System.Net.Sockets;
using FedFace.Aggregator.Tests.Kit;
using FedFace.Cli;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace FedFace.Aggregator.Tests;

/// <summary><c>fedface status</c> (in-process, as the operator runs it) against a real aggregator over mutual TLS.</summary>
[Collection(AggregatorCollection.Name)]
public sealed class StatusCommandOverTheWireTests(TestFederation federation, ITestOutputHelper output)
{
    private readonly CapturedLog _log = new(output);

    [Fact]
    public async Task Status_prints_the_round_the_sites_the_rounds_and_the_signed_models_as_tables()
    {
        await using RunningAggregator aggregator = await StartAsync("status-tables");
        using var first = new SyntheticSite("site-01", federation.Pki, aggregator.Uri, _log.Factory(), exampleCount: 10);
        using var second = new SyntheticSite("site-02", federation.Pki, aggregator.Uri, _log.Factory(), exampleCount: 30);
        await CommittedRounds.RunAsync(aggregator, 1, first, second);

        (int exit, string printed, string error) = Status(aggregator.Port, federation.Pki.OperatorCertificate, federation.Pki.OperatorKey);

        output.WriteLine(printed + error);
        Assert.Equal(0, exit);
        Assert.Equal("", error);
        Assert.Contains("Federation FedFace-Test", printed);
        Assert.Matches(@"committed rounds\s+1 of 1", printed);
        Assert.Matches(@"site-01\s+yes\s+\S+ \S+\s+1\s+0", printed);
        Assert.Matches(@"\s1\s+committed\s+v1\s+2/2\s+40\s+\d\.\d{4}\s+\d+\.\d{2}%", printed);
        string servedHash = Convert.ToHexStringLower(aggregator.App.Services.GetRequiredService<FedFace.Aggregator.Rounds.CurrentModel>().Published.Header.Sha256.Span);
        Assert.Contains(servedHash, printed);
    }

    [Fact]
    public async Task Status_with_a_site_certificate_says_why_in_one_line_and_exits_1()
    {
        await using RunningAggregator aggregator = await StartAsync("status-site-certificate");

        (int exit, string printed, string error) = Status(aggregator.Port, federation.Pki.SiteCertificate("site-01"), federation.Pki.SiteKey("site-01"));

        Assert.Equal(1, exit);
        Assert.Equal("", printed);
        string line = Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("fedface status: error: ", line);
        Assert.Contains("not an operator's", line);
    }

    [Fact]
    public void Status_of_an_aggregator_that_is_not_there_says_so_in_one_line_and_exits_1()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        int closedPort = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();

        (int exit, _, string error) = Status(closedPort, federation.Pki.OperatorCertificate, federation.Pki.OperatorKey);

        Assert.Equal(1, exit);
        string line = Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith($"fedface status: error: cannot reach the aggregator at localhost:{closedPort}", line);
    }

    [Fact]
    public void Status_of_an_aggregator_that_accepts_and_never_answers_gives_up_at_the_timeout_in_one_line()
    {
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        int port = ((IPEndPoint)silent.LocalEndpoint).Port;

        (int exit, string printed, string error) = Status(port, federation.Pki.OperatorCertificate, federation.Pki.OperatorKey, "--timeout", "1");

        Assert.Equal(1, exit);
        Assert.Equal("", printed);
        Assert.Equal($"fedface status: error: the aggregator at localhost:{port} did not answer within 1 s\n", error.ReplaceLineEndings("\n"));
    }

    [Theory]
    [InlineData("localhost", "--aggregator must be HOST:PORT")]
    [InlineData("https://localhost:7443", "--aggregator must be HOST:PORT")]
    public void A_malformed_aggregator_address_is_a_usage_error(string address, string message)
    {
        using var printed = new StringWriter();
        using var error = new StringWriter();

        int exit = CommandDispatcher.Run(FedFace.Cli.Program.Commands, ["status", "--aggregator", address, "--ca", "ca.crt", "--cert", "o.crt", "--key", "o.key"], printed, error);

        Assert.Equal(CommandDispatcher.UsageError, exit);
        Assert.StartsWith($"fedface status: {message}", error.ToString());
    }

    private (int Exit, string Output, string Error) Status(int port, string certificate, string key, params string[] options)
    {
        using var printed = new StringWriter();
        using var error = new StringWriter();
        int exit = CommandDispatcher.Run(FedFace.Cli.Program.Commands,
            ["status", "--aggregator", $"localhost:{port}", "--ca", federation.Pki.CaCertificate, "--cert", certificate, "--key", key, .. options], printed, error);
        return (exit, printed.ToString(), error.ToString());
    }

    private Task<RunningAggregator> StartAsync(string name)
    {
        string workspace = federation.Workspace(name);
        return RunningAggregator.StartAsync(new AggregatorSetup(federation.Pki, Path.Combine(workspace, "state"),
            TestFederation.WriteInitialModel(workspace, TestModels.Small(seed: 3))) { MinSites = 2, TotalRounds = 1 }, _log);
    }
}
