using System.Security.Cryptography;
using FedFace.Core.SecureAggregation;

namespace FedFace.Core.Tests.SecureAggregation;

public class SecAggClientTests
{
    /// <summary>Six sites on a complete graph (k = 5, t = 3), every client past stage 0.</summary>
    private static (TestFederation Federation, RoundConfiguration Round, Dictionary<string, SecAggClient> Clients, SecAggServer Server) Started()
    {
        var federation = new TestFederation(6);
        RoundConfiguration round = federation.Round();
        Dictionary<string, SecAggClient> clients = round.SiteIds.ToDictionary(s => s, s => federation.Client(s, round));
        var server = new SecAggServer(round, federation.KeyRing, new MaskExpander(1));
        foreach (SecAggClient client in clients.Values) Assert.True(server.Receive(client.AdvertiseKeys()).IsAccepted);
        return (federation, round, clients, server);
    }

    [Fact]
    public void Stages_run_in_order_and_once()
    {
        using var federation = new TestFederation(4);
        SecAggClient client = federation.Client("site-01", federation.Round());
        Assert.Throws<InvalidOperationException>(() => client.ShareKeys(new ShareKeysRequest(7, "site-01", [])));
        client.AdvertiseKeys();
        var error = Assert.Throws<InvalidOperationException>(() => client.AdvertiseKeys());
        Assert.Contains("out of order", error.Message);
        Assert.Equal(SecAggStage.ShareKeys, client.NextStage);
    }

    [Fact]
    public void A_forged_key_advertisement_is_refused_naming_the_site()
    {
        (TestFederation federation, _, Dictionary<string, SecAggClient> clients, SecAggServer server) = Started();
        using (federation)
        {
            ShareKeysRequest request = server.CloseAdvertiseKeys()["site-01"];
            KeyAdvertisement genuine = request.Neighbours.Single(a => a.SiteId == "site-03");
            // An attacker (or the server) swaps in its own mask key and signs with a key that is not site-03's.
            using var attacker = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            KeyAdvertisement forged = genuine with { MaskPublicKey = RandomNumberGenerator.GetBytes(32) };
            forged = forged with { Signature = SiteKeyRing.Signer(attacker)(forged.SignedBytes()) };

            var error = Assert.Throws<SecAggProtocolException>(() => clients["site-01"].ShareKeys(request with
            {
                Neighbours = [.. request.Neighbours.Select(a => a.SiteId == "site-03" ? forged : a)],
            }));
            Assert.Contains("site 'site-03' is forged", error.Message);
            Assert.Contains("certificate key of site 'site-03'", error.Message);
            Assert.Equal(SecAggStage.Aborted, clients["site-01"].NextStage);
        }
    }

    [Fact]
    public void An_advertisement_made_for_another_configuration_of_the_round_is_refused()
    {
        (TestFederation federation, RoundConfiguration round, Dictionary<string, SecAggClient> clients, SecAggServer server) = Started();
        using (federation)
        {
            // Same round id, another configuration (a fresh graph seed): site-02 was shown something else.
            RoundConfiguration other = federation.Round(roundId: round.RoundId);
            KeyAdvertisement fromOther = federation.Client("site-02", other).AdvertiseKeys();
            ShareKeysRequest request = server.CloseAdvertiseKeys()["site-01"];
            var error = Assert.Throws<SecAggProtocolException>(() => clients["site-01"].ShareKeys(request with
            {
                Neighbours = [.. request.Neighbours.Select(a => a.SiteId == "site-02" ? fromOther : a)],
            }));
            Assert.Contains("different configuration", error.Message);
        }
    }

    [Fact]
    public void A_tampered_share_is_detected_by_its_recipient_naming_sender_and_recipient()
    {
        (TestFederation federation, _, Dictionary<string, SecAggClient> clients, SecAggServer server) = Started();
        using (federation)
        {
            foreach ((string site, ShareKeysRequest request) in server.CloseAdvertiseKeys())
                Assert.True(server.Receive(clients[site].ShareKeys(request)).IsAccepted);
            MaskedInputRequest toFour = server.CloseShareKeys()["site-04"];
            EncryptedShare fromTwo = toFour.Shares.Single(s => s.SenderId == "site-02");
            byte[] altered = (byte[])fromTwo.Ciphertext.Clone();
            altered[^1] ^= 0x80;

            var error = Assert.Throws<SecAggProtocolException>(() => clients["site-04"].MaskInput(toFour with
            {
                Shares = [.. toFour.Shares.Select(s => s == fromTwo ? s with { Ciphertext = altered } : s)],
            }, new uint[clients["site-04"].Quantizer.Encode(new float[24], 1).Length]));
            Assert.Contains("from site 'site-02' to site 'site-04'", error.Message);
        }
    }

    /// <summary>Every client past stage 2, the server's consistency-check requests in hand.</summary>
    private static IReadOnlyDictionary<string, ConsistencyCheckRequest> UpToConsistencyCheck(RoundConfiguration round, Dictionary<string, SecAggClient> clients,
        SecAggServer server)
    {
        foreach ((string site, ShareKeysRequest request) in server.CloseAdvertiseKeys()) server.Receive(clients[site].ShareKeys(request));
        var inputs = TestFederation.EncodedInputs(round, seed: 1);
        foreach ((string site, MaskedInputRequest request) in server.CloseShareKeys()) server.Receive(clients[site].MaskInput(request, inputs[site]));
        return server.CloseMaskedInput();
    }

    [Fact]
    public void An_unmask_request_with_another_survivor_set_than_the_one_the_site_signed_is_refused()
    {
        (TestFederation federation, RoundConfiguration round, Dictionary<string, SecAggClient> clients, SecAggServer server) = Started();
        using (federation)
        {
            UnmaskRequest honest = TestFederation.ConfirmSurvivors(server, clients, UpToConsistencyCheck(round, clients, server))["site-01"];
            var error = Assert.Throws<SecAggProtocolException>(() => clients["site-01"].Unmask(honest with { Survivors = [.. honest.Survivors.Where(s => s != "site-02")] }));
            Assert.Contains("not the one this site signed", error.Message);
            Assert.Contains("removed [site-02]", error.Message);
        }
    }

    [Fact]
    public void An_unmask_request_without_a_quorum_of_valid_signatures_is_refused()
    {
        (TestFederation federation, RoundConfiguration round, Dictionary<string, SecAggClient> clients, SecAggServer server) = Started();
        using (federation)
        {
            UnmaskRequest honest = TestFederation.ConfirmSurvivors(server, clients, UpToConsistencyCheck(round, clients, server))["site-02"];
            Assert.Equal(round.SignatureQuorum, honest.Signatures.Count);
            var tooFew = Assert.Throws<SecAggProtocolException>(() => clients["site-02"].Unmask(honest with { Signatures = honest.Signatures.Skip(1).ToList() }));
            Assert.Contains($"only {round.SignatureQuorum - 1} survivors signed", tooFew.Message);

            SurvivorSetSignature first = honest.Signatures[0];
            SurvivorSetSignature forged = first with { Signature = SiteKeyRing.Signer(federation.KeyOf("site-06"))(DomainLabels.SurvivorSetSigned(round.RoundId, round.Digest, first.SiteId, honest.Survivors)) };
            SecAggClient other = clients["site-03"];
            UnmaskRequest toThree = honest with { SiteId = "site-03", Signatures = [forged, .. honest.Signatures.Skip(1)] };
            var error = Assert.Throws<SecAggProtocolException>(() => other.Unmask(toThree));
            Assert.Contains($"the signature of site '{first.SiteId}' is not on this survivor set", error.Message);
        }
    }

    [Fact]
    public void A_site_refuses_to_sign_a_survivor_set_naming_a_neighbour_whose_shares_it_never_received()
    {
        (TestFederation federation, RoundConfiguration round, Dictionary<string, SecAggClient> clients, SecAggServer server) = Started();
        using (federation)
        {
            foreach ((string site, ShareKeysRequest request) in server.CloseAdvertiseKeys()) server.Receive(clients[site].ShareKeys(request));
            MaskedInputRequest toOne = server.CloseShareKeys()["site-01"];
            // The server withholds site-06's share from site-01 (as if site-06 had dropped), then calls site-06 a survivor.
            clients["site-01"].MaskInput(toOne with { Shares = [.. toOne.Shares.Where(s => s.SenderId != "site-06")] }, new float[24], 1);
            var error = Assert.Throws<SecAggProtocolException>(() => clients["site-01"].ConfirmSurvivors(new ConsistencyCheckRequest(round.RoundId, "site-01", round.SiteIds)));
            Assert.Contains("neighbours [site-06] as survivors, but their shares never reached this site", error.Message);
        }
    }

    [Fact]
    public void A_site_not_in_the_round_cannot_make_a_client()
    {
        using var federation = new TestFederation(4);
        Assert.Throws<ArgumentException>(() => new SecAggClient("stranger", federation.Round(), federation.Signers["site-01"], federation.KeyRing));
    }
}
