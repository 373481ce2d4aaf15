using System.Security.Cryptography.X509Certificates;
using FedFace.Aggregator.Tests.Kit;
using FedFace.Certs;
using FedFace.Protos.V1;
using Grpc.Core;
using Xunit.Abstractions;

namespace FedFace.Aggregator.Tests;

/// <summary>fedface-certs revoke takes effect on the revoked site's next call, without restarting the aggregator.</summary>
[Collection(AggregatorCollection.Name)]
public sealed class RevocationOverTheWireTests(TestFederation federation, ITestOutputHelper output)
{
    [Fact]
    public async Task A_revoked_sites_next_call_is_refused_with_PermissionDenied_saying_it_was_revoked_while_the_others_go_on()
    {
        var log = new CapturedLog(output);
        string workspace = federation.Workspace("revocation");
        PkiLayout pki = federation.CopyOfPki(workspace);
        // MinSites above the sites that call: no round opens, the test is only about admission.
        await using RunningAggregator aggregator = await RunningAggregator.StartAsync(
            new AggregatorSetup(pki, Path.Combine(workspace, "state"), TestFederation.WriteInitialModel(workspace, TestModels.Small(seed: 22)))
            {
                MinSites = 4, // Revocation:ListPath unset: revoked.crl beside ca.crt, where fedface-certs writes it; none yet
            }, log);
        using var revoked = new SyntheticSite("site-03", pki, aggregator.Uri, log.Factory(), exampleCount: 1);
        using var kept = new SyntheticSite("site-02", pki, aggregator.Uri, log.Factory(), exampleCount: 1);
        Assert.Equal("site-03", (await revoked.JoinAsync()).SiteId);

        FederationRevocation.Revoke(pki, "site-03", output.WriteLine);

        // Same connection, next call.
        RpcException refused = await Assert.ThrowsAsync<RpcException>(async () =>
            await revoked.Client.GetTaskAsync(new TaskRequest { ProtocolVersion = SyntheticSite.Protocol }));
        Assert.Equal(StatusCode.PermissionDenied, refused.StatusCode);
        using X509Certificate2 certificate = X509CertificateLoader.LoadCertificateFromFile(pki.SiteCertificate("site-03"));
        Assert.StartsWith($"the certificate 'CN=site-03, O=FedFace-Test' (serial {Core.Security.RevocationList.SerialOf(certificate)}) was revoked by the federation on ",
            refused.Status.Detail, StringComparison.Ordinal);
        Assert.Equal("site-02", (await kept.JoinAsync()).SiteId);
        await log.WaitForAsync("Refused /fedface.v1.Federation/GetTask from a revoked site", Eventually.Patience, "FedFace.Aggregator");
    }

    [Fact]
    public async Task A_revocation_list_signed_by_another_CA_stops_the_start_naming_the_setting()
    {
        var log = new CapturedLog(output);
        string workspace = federation.Workspace("revocation-foreign");
        string list = Path.Combine(workspace, "revoked.crl");
        PkiLayout otherCopy = TestFederation.Copy(federation.OtherPki, Path.Combine(workspace, "other"));
        FederationRevocation.Revoke(otherCopy, "site-01", _ => { });
        File.Copy(otherCopy.RevocationList, list);

        var failure = await Assert.ThrowsAnyAsync<Exception>(async () =>
        {
            await using RunningAggregator aggregator = await RunningAggregator.StartAsync(
                new AggregatorSetup(federation.Pki, Path.Combine(workspace, "state"), TestFederation.WriteInitialModel(workspace, TestModels.Small(seed: 23)))
                { RevocationListPath = list }, log);
        });

        output.WriteLine(failure.Message);
        Assert.Contains($"Aggregator:Revocation:ListPath '{list}': the CRL was issued by 'CN=Elsewhere Federation CA, O=Elsewhere', not by the federation CA", failure.Message, StringComparison.Ordinal);
    }
}
