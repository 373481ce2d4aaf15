using FedFace.Aggregator.SecureAggregation;
using FedFace.Aggregator.Tests.Kit;
using FedFace.Core;
using FedFace.Transport.SecureAggregation;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace FedFace.Aggregator.Tests;

/// <summary>
/// Issue 25's attack played over the real wire (Kestrel, mutual TLS, gRPC) by a lying aggregator against honest sites,
/// the real <see cref="SecAggParticipant"/>: it withholds shares from the target so it masks with t neighbours only, and
/// shows the others survivor sets in which the target survived and those neighbours dropped. The honest path is pinned by
/// <see cref="SecureAggregationOverTheWireTests"/>.
/// </summary>
[Collection(AggregatorCollection.Name)]
public sealed class MaliciousAggregatorOverTheWireTests(TestFederation federation, ITestOutputHelper output)
{
    private const string Target = "site-01";

    [Fact]
    public async Task Every_honest_site_refuses_a_server_that_withholds_shares_and_shows_sites_different_survivor_sets()
    {
        string[] siteIds = TestFederation.AllSiteIds[..6]; // complete graph: k = 5, t = 3, signature quorum 4
        string[] maskedWith = ["site-02", "site-03", "site-04"];
        // Each holder keeps t survivors among the five sites it holds shares of, and each S member is "dropped" for t holders.
        var droppedFor = new Dictionary<string, string[]>
        {
            [Target] = [], ["site-05"] = ["site-02", "site-03"], ["site-06"] = ["site-03", "site-04"],
            ["site-02"] = ["site-03", "site-04"], ["site-03"] = ["site-02", "site-04"], ["site-04"] = ["site-02"],
        };
        var lying = new LyingSecAggStages(Target, maskedWith, droppedFor.ToDictionary(e => e.Key, e => siteIds.Except(e.Value).ToArray()));
        string workspace = federation.Workspace("secure-lying-aggregator");
        ModelState initial = TestModels.Small(seed: 9);
        var log = new CapturedLog(output);
        await using RunningAggregator aggregator = await RunningAggregator.StartAsync(
            new AggregatorSetup(federation.Pki, Path.Combine(workspace, "state"), TestFederation.WriteInitialModel(workspace, initial))
            {
                MinSites = siteIds.Length,
                PreJoinedSites = siteIds,
                TotalRounds = 1,
                RoundDeadlineSeconds = 12,
                SecureAggregation = new SecureAggregationOptions
                {
                    Enabled = true, AdvertiseKeysSeconds = 4, ShareKeysSeconds = 4, ConsistencyCheckSeconds = 4, UnmaskSeconds = 4,
                },
                MoreServices = services =>
                {
                    services.AddSingleton(lying);
                    services.AddGrpc(grpc => grpc.Interceptors.Add<LyingSecAggStages>());
                },
            }, log);
        SyntheticSite[] sites = [.. siteIds.Select((id, i) => new SyntheticSite(id, federation.Pki, aggregator.Uri, log.Factory(), 10L * (i + 1)))];
        try
        {
            await Task.WhenAll(sites.Select(s => s.JoinAsync())).WaitAsync(Eventually.Patience);
            (Protos.V1.RoundTask Task, SecAggEnd End)[] ends = await Task.WhenAll(sites.Select(s => s.TakePartSecurelyAsync())).WaitAsync(Eventually.Patience);

            foreach ((string site, string reason) in lying.Refusals.OrderBy(r => r.Key, StringComparer.Ordinal)) output.WriteLine($"{site}: {reason}");
            Assert.Empty(lying.Revealed);
            Assert.Equal(siteIds, lying.Refusals.Keys.Order(StringComparer.Ordinal));
            Assert.All(ends, e => Assert.False(e.End.InputIncluded, e.End.Description));
            Assert.Contains("refuses to sign the survivor set", lying.Refusals[Target], StringComparison.Ordinal);
            Assert.Contains("their shares never reached this site", lying.Refusals[Target], StringComparison.Ordinal);
            Assert.All(lying.Refusals.Where(r => r.Key != Target),
                r => Assert.Contains("fewer than the quorum of 4", r.Value, StringComparison.Ordinal));
        }
        finally
        {
            Array.ForEach(sites, s => s.Dispose());
        }
    }
}
